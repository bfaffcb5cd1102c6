"""The workers' workspace: dashboard, activity log and calendar, listings upkeep, review, users."""
