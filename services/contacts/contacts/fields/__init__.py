"""Custom field definitions, and the check of contacts' custom values against them."""
