"""contacts: people, companies and their history; publishes LeadCreated."""

SERVICE = "contacts"
