"""Seamline: one shared standard of safe practice across a network of care organisations."""

__version__ = "0.1.0"
