"""campaigns: emails to contacts (the welcome journey first); publishes EmailSent, EmailSendFailed."""

SERVICE = "campaigns"
