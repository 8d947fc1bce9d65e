"""Logical acquisition of location and time metadata from phones and offline inputs."""

__version__ = "0.1.0"
