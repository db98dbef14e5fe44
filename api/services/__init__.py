"""Writes of the API edge: tokens, batch ingestion of figures, webhook subscriptions and deliveries."""
