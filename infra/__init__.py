"""Infrastructure: the bus, packaging, and the local stack."""
