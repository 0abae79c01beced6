"""Chainboard's bundled files, installed as the package `chainboard_resources` (see pyproject.toml):
datasets/ (CSV tables), examples/ (model files), icons/ (SVG). Found with importlib.resources."""
