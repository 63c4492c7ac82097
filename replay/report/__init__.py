"""report: what the 看点 say once they exist: per-SKU analytics for operators, and accuracy against a truth
file for the benchmark (same definitions as the bench's score.py).
"""
