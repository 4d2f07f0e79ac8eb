"""service_desk: support tickets; publishes TicketOpened."""

SERVICE = "service_desk"
