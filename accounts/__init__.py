"""People: the user model, profiles, avatars, sign-in (django-allauth adapters).

Writes: `accounts.services`. Nothing here knows about communities.
"""
