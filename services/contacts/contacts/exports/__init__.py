"""CSV exports of a filtered list or a segment."""
