"""Feedback from anyone using the service, kept for moderators to read and act on."""
