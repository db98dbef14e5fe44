"""API serializers, one module per group of endpoints."""
