"""Forms of the figures and breach pages, one module per concept."""
