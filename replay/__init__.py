"""replay: index recorded live-commerce streams into per-product 看点."""

__version__ = "0.1.0"
