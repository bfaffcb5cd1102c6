"""The workers' workspace: dashboard, activity log and calendar, listings upkeep, review, users."""
from .blueprint import bp
from . import accounts, activities, choices, listings  # noqa: F401  (their routes join `bp`)

__all__ = ["bp"]
