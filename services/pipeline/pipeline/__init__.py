"""pipeline: sales reps and who owns which lead; publishes RepAdded and LeadAssigned."""

SERVICE = "pipeline"
