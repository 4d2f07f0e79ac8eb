"""Segments: rule-based definitions, membership kept by events, backfills and the daily due job."""
