"""Privacy: consent per channel and purpose, GDPR export and erasure."""
