"""API filter sets, one module per group of endpoints."""
