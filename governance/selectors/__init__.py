"""Reads of the governance app, scoped by the access policy, one module per concept."""
