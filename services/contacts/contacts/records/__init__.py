"""Contact records: create, read, list and search, update, delete, duplicates, merge."""
