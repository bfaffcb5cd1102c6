"""Public pages for residents: no account, no tracking."""
