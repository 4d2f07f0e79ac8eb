"""Companies: create, read, list, update (one company per domain)."""
