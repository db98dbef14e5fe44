"""Notification services: recording events, the time-based scans, preferences and read marks, and the
two outboxes (immediate e-mails and digests)."""
