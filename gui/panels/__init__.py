"""Dock panels around the canvas: properties now; data, training and prediction in later issues."""
