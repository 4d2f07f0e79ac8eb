"""Route modules of the contacts API, one per area; importing one registers its routes."""
