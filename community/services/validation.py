"""Problems a service finds in what a person entered, named by form field so the form can show them."""
from __future__ import annotations


class Invalid(Exception):
    """One or more messages per field name; views put them on the matching form fields."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
