"""Read-only open data API: the public offer as Open Referral HSDS 3.0 JSON."""
