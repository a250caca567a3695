"""The memory pool: one protocol, an adapter per engine."""
