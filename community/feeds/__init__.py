"""Public calendar feeds (ICS) behind secret links: calendar apps fetch them without a login."""
