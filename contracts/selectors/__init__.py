"""Reads of contracts, deliverables, documents and renewals, scoped by the access policy."""
