"""Provides release-captain: build once, promote through stages, bake, roll back."""

__version__ = "0.1.0"
