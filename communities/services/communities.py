"""Creating communities and changing their settings."""

from django.db import transaction

from accounts.models import User
from communities.events import CommunityEvent
from communities.models import Community, Membership, SiteSettings, SlugRedirect
from communities.services.logs import audit, record_activity
from core.markdown import render_markdown

SETTINGS_FIELDS = (
    "name",
    "slug",
    "theme",
    "description",
    "visibility",
    "join_policy",
    "language",
    "status",
    "flag_threshold",
    "premoderated_posts",
    "post_rate_limit",
    "flag_rate_limit",
    "storage_limit_mb",
    "core_threshold",
    "active_threshold",
    "occasional_threshold",
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
