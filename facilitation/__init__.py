"""The facilitators' layer above the tools: search across a community's tools, and the pages
that read every tool's selectors and events (communities.events)."""
