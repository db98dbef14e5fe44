"""Reads of figures, breaches and scorecards, scoped by the access policy."""
