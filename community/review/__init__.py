"""Coverage review pages for coordinators and workers: where the offer is missing or one-sided."""
