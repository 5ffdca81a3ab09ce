"""Every write to an account goes through here."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from accounts.models import User

PROFILE_FIELDS = (
    "display_name",
    "handle",
    "organization",
    "discipline",
    "sector",
    "bio",
    "language",
    "time_zone",
    "digest_frequency",
)


def _supported_language(language: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    base = (language or "").split("-", 1)[0].lower()
    return base if base in codes else ""


@transaction.atomic
def complete_signup_profile(user: User, *, display_name: str, language: str) -> User:
    """Record what a person told us at sign-up, and the language they signed up in."""
    user.display_name = display_name.strip()
    user.language = _supported_language(language)
    user.save(update_fields=["display_name", "language"])
    return user


@transaction.atomic
def update_profile(
    user: User,
    *,
    changes: dict,
    avatar: ContentFile | None = None,
    remove_avatar: bool = False,
) -> list[str]:
    """Apply profile changes and a new (already normalised) avatar; returns the fields changed."""
    changed = [
        name for name in PROFILE_FIELDS if name in changes and getattr(user, name) != changes[name]
    ]
    for name in changed:
        setattr(user, name, changes[name])
    old_avatar_name = user.avatar.name if user.avatar else ""
    if avatar is not None:
        # save=False: the row is written once, below, with the other fields.
        user.avatar.save(avatar.name, avatar, save=False)
        changed.append("avatar")
    elif remove_avatar and old_avatar_name:
        user.avatar = ""
        changed.append("avatar")
    if changed:
        user.save(update_fields=changed)
    if "avatar" in changed and old_avatar_name:
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(old_avatar_name))
    return changed


def set_language(user: User, language: str) -> bool:
    """Remember a person's language; False when it is unsupported or unchanged."""
    language = _supported_language(language)
    if not language or user.language == language:
        return False
    user.language = language
    user.save(update_fields=["language"])
    return True
