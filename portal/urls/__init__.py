"""URL maps of the portal's own pages."""
