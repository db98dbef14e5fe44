"""Forms of the governance pages, one module per concept."""
