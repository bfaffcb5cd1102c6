"""The rules: what may change, how, and with which checks. Views call these."""
