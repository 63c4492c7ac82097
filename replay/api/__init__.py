"""The HTTP API and the player: ``create_app`` builds the FastAPI app."""

from replay.api.app import create_app

__all__ = ["create_app"]
