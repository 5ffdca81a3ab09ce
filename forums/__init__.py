"""Themed forums: threads, posts, reactions, subscriptions, moderation.

Writes: `forums.services` (threads, posts, moderation, notices, indexing). Reads and the
fetch-and-check of one thread or post (`access_thread`, `access_post`): `forums.selectors`.
Events: `forums.events.ForumEvent`. Permissions are asked of `communities.permissions`.
"""
