"""Printable reports: static map images rendered on the server."""
