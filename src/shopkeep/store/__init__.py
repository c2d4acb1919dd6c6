"""The JSON store API application."""
