"""The CRM kernel: every service vendors this package; it never imports a service."""
