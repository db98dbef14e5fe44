"""API views: thin edges that parse input, call one selector or service and render."""
