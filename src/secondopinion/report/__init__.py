"""Renderers: a Review in the formats people and programs read."""
