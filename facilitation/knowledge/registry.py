"""The knowledge base's places in the rest of Praxis: its tab, the facilitators' reminder of
entries due for review, and the digest section of newly published entries (registered from
FacilitationConfig.ready())."""

from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from communities.permissions import Access

ITEMS_SHOWN = 5


def review_need(community: Community, access: Access, tiles, now: datetime):
    """Entries whose review date has come (a count, and the first few when there are any)."""
    from communities import emails
    from facilitation.knowledge import selectors
    from facilitation.reminders import Item, Need, Told

    due = selectors.due_for_review(community, today=timezone.localdate(now))
    count = due.count()
    if not count:
        return None
    entries = list(due[:ITEMS_SHOWN])
    return Need(
        name="knowledge_review",
        summary=Told(
            lambda: (
                ngettext(
                    "%(count)s knowledge entry is due for review.",
                    "%(count)s knowledge entries are due for review.",
                    count,
                )
                % {"count": count}
            )
        ),
        action=Told(lambda: gettext("Review the knowledge")),
        url=emails.full_url(reverse("facilitate", args=[community.slug])),
        items=tuple(
            Item(
                entry.title,
                emails.full_url(reverse("knowledge_entry", args=[community.slug, entry.pk])),
                entry.steward.name if entry.steward else "",
            )
            for entry in entries
        ),
        count=count,
    )


def collect_published(community_ids: list[int], since: datetime, until: datetime) -> dict:
    """The digest section: entries published in the window, which every member may read."""
    from communities import emails
    from facilitation.digests import DigestItem
    from facilitation.knowledge import selectors

    found: dict[int, list] = {}
    for entry in selectors.digest_entries(community_ids, since=since, until=until):
        found.setdefault(entry.community_id, []).append(
            DigestItem(
                title=entry.title,
                url=emails.full_url(entry.get_absolute_url()),
                created_at=entry.published_at,
                author_id=entry.created_by_id,
            )
        )
    return found


def register_knowledge() -> None:
    """Called from FacilitationConfig.ready()."""
    from communities.tabs import register_tab
    from facilitation.digests import register_digest_section
    from facilitation.reminders import register_need

    register_tab(
        name="knowledge",
        label=_("Knowledge"),
        url_name="knowledge",
        order=38,
        active_url_names=(
            "knowledge_entry",
            "knowledge_edit",
            "knowledge_promote",
            "knowledge_promote_posts",
        ),
    )
    register_need(review_need)
    register_digest_section("knowledge", _("Newly published knowledge"), collect_published)
