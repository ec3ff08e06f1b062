"""Deliveries: the outbox sender, its rate limits, and the renderers of each kind of message."""
