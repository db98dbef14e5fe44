"""URL modules of the KPI pages, one namespace each (mounted in config/urls.py)."""
