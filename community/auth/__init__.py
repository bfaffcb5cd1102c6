"""Logging in and out, changing a password, and one-time password reset links."""
