"""Creating communities, changing their settings, closing and reopening them."""

from django.db import transaction

from accounts.models import User
from communities.events import CommunityEvent
from communities.models import Community, Membership, SiteSettings, SlugRedirect
from communities.selectors import facilitators_of
from communities.services.logs import audit, notify_many, record_activity
from core.markdown import render_markdown

SETTINGS_FIELDS = (
    "name",
    "slug",
    "theme",
    "description",
    "visibility",
    "join_policy",
    "language",
    "flag_threshold",
    "premoderated_posts",
    "post_rate_limit",
    "flag_rate_limit",
    "storage_limit_mb",
    "core_threshold",
    "active_threshold",
    "occasional_threshold",
    "allow_public_knowledge",
)


@transaction.atomic
def create_community(
    *, actor: User, organizer: User | None = None, ip: str | None = None, **fields
) -> Community:
    """Create a community with its first organizer: the actor, or the person site staff name
    (`organizer`) when they create it for someone from the admin."""
    organizer = organizer or actor
    community = Community(created_by=organizer, **fields)
    community.description_html = render_markdown(community.description)
    community.full_clean()
    community.save()
    Membership.objects.create(community=community, user=organizer, role=Membership.Role.ORGANIZER)
    details = {} if organizer == actor else {"organizer": organizer.email}
    audit(actor, community, CommunityEvent.COMMUNITY_CREATE, community, details=details, ip=ip)
    record_activity(community, organizer, CommunityEvent.COMMUNITY_CREATE, community)
    return community


@transaction.atomic
def update_community_settings(
    community: Community, *, actor: User, changes: dict, ip: str | None = None
) -> list[str]:
    """Apply an organizer's settings; a new slug keeps the old one as a redirect."""
    changed = [
        name
        for name in SETTINGS_FIELDS
        if name in changes and getattr(community, name) != changes[name]
    ]
    if not changed:
        return []
    before = {name: getattr(community, name) for name in changed}
    if "slug" in changed:
        SlugRedirect.objects.filter(old_slug=changes["slug"]).delete()
        SlugRedirect.objects.update_or_create(
            old_slug=community.slug, defaults={"community": community}
        )
    for name in changed:
        setattr(community, name, changes[name])
    update_fields = [*changed, "updated_at"]
    if "description" in changed:
        community.description_html = render_markdown(community.description)
        update_fields.append("description_html")
    community.save(update_fields=update_fields)
    audit(
        actor,
        community,
        CommunityEvent.COMMUNITY_SETTINGS,
        community,
        details={
            name: {"from": before[name], "to": changes[name]}
            for name in changed
            if name != "description"
        }
        | ({"description": "changed"} if "description" in changed else {}),
        ip=ip,
    )
    return changed


# --- Closure (issue 16) -----------------------------------------------------------------------
# The status is not a setting: closing and reopening have their own confirmed flow, audited and
# told to the facilitators (views/closure.py).


def _set_status(
    community: Community, status: str, event: str, *, actor: User, ip: str | None
) -> bool:
    """Change the status once (False when it already was `status`: a double submit changes
    nothing), audit it and tell the community's other organizers and facilitators."""
    current = Community.objects.select_for_update().get(pk=community.pk)
    if current.status == status:
        community.status = current.status
        return False
    before = current.status
    community.status = status
    community.save(update_fields=["status", "updated_at"])
    audit(actor, community, event, community, details={"from": before, "to": status}, ip=ip)
    others = [m.user for m in facilitators_of(community) if m.user_id != actor.pk]
    notify_many(
        others,
        event,
        url=community.get_absolute_url(),
        community=community,
        actor=actor,
        person=actor.name,
        community_name=community.name,
    )
    return True


@transaction.atomic
def close_community(community: Community, *, actor: User, ip: str | None = None) -> bool:
    """Archive a community: read-only for everyone, out of the public directory."""
    return _set_status(
        community, Community.Status.ARCHIVED, CommunityEvent.COMMUNITY_CLOSE, actor=actor, ip=ip
    )


@transaction.atomic
def reopen_community(community: Community, *, actor: User, ip: str | None = None) -> bool:
    """Make an archived community active again."""
    return _set_status(
        community, Community.Status.ACTIVE, CommunityEvent.COMMUNITY_REOPEN, actor=actor, ip=ip
    )


@transaction.atomic
def update_site_settings(*, actor: User, changes: dict, ip: str | None = None) -> list[str]:
    """Site staff change the installation's settings (who may start communities, …)."""
    site = SiteSettings.objects.select_for_update().filter(pk=1).first() or SiteSettings(pk=1)
    changed = [name for name, value in changes.items() if getattr(site, name) != value]
    if not changed:
        return []
    before = {name: getattr(site, name) for name in changed}
    for name in changed:
        setattr(site, name, changes[name])
    site.full_clean()
    site.save()
    details = {name: {"from": before[name], "to": changes[name]} for name in changed}
    audit(actor, None, CommunityEvent.SITE_SETTINGS, site, details=details, ip=ip)
    return changed
