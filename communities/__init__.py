"""Communities, membership and the logs every tool writes into.

Writes: `communities.services` (one module per subject; `services.logs` holds `audit`,
`record_activity` and `notify`). Reads: `communities.selectors`. Who may do what:
`communities.permissions` (the only place; templates ask it through `{% load permissions %}`).
Events: `communities.events` (the registry and the communities' own `CommunityEvent`). Views
share `communities.http` (the `community_view` decorator, pagination); tabs: `communities.tabs`.
"""
