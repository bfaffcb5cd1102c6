"""Importers: file -> validated rows -> one transaction (all or nothing)."""
