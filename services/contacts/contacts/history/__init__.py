"""A contact's history: interactions, orders and refunds, the timeline, the 360 metrics and the analytics."""
