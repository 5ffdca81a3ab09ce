"""Every write of community guidelines: drafting from the template, editing, publishing."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from communities import services as community_services
from communities.models import Community
from core.markdown import render_markdown
from facilitation.events import FacilitationEvent
from facilitation.guidelines.template import default_body, template_for
from facilitation.models import Guidelines, GuidelinesRevision
from forums import services as forum_services
from forums.models import Forum, Thread

# Where the discussion thread goes, by preference: the help forum the set-up wizard always
# makes, then a general one.
PREFERRED_FORUM_SLUGS = ("help", "help-and-how-to", "aide", "general", "general-discussion")


def _discussion_forum(community: Community, *, actor: User) -> Forum:
    """The forum for the guidelines' discussion: the help or general forum, else the first open
    one, else a new general forum."""
    forums = list(community.forums.filter(is_archived=False).order_by("position", "pk"))
    by_slug = {forum.slug: forum for forum in forums}
    for slug in PREFERRED_FORUM_SLUGS:
        if slug in by_slug:
            return by_slug[slug]
    for forum in forums:
        if forum.slug.startswith(("help", "aide")):
            return forum
    if forums:
        return forums[0]
    template = template_for(community.language)
    return forum_services.create_forum(
        community,
        actor=actor,
        name=template.forum_name,
        slug=template.forum_slug,
        description=template.forum_description,
    )


def _open_discussion(community: Community, *, actor: User, forum: Forum | None) -> Thread | None:
    """The thread where members propose changes (None in an archived community or forum)."""
    if community.is_archived:
        return None
    if forum is None or forum.is_archived or forum.community_id != community.pk:
        forum = _discussion_forum(community, actor=actor)
    template = template_for(community.language)
    url = reverse("guidelines", args=[community.slug])
    try:
        return forum_services.start_thread(
            forum,
            actor=actor,
            title=template.thread_title,
            body=template.thread_body.format(url=url),
        )
    except forum_services.ForumError:
        return None


@transaction.atomic
def start_guidelines(
    community: Community, *, actor: User, forum: Forum | None = None
) -> Guidelines:
    """Draft a community's guidelines from the template in its language, as revision 1, with
    their discussion thread in its forums (in `forum` when given); the existing guidelines when
    the community has some already."""
    existing = Guidelines.objects.filter(community=community).first()
    if existing is not None:
        return existing
    body = default_body(community)
    now = timezone.now()
    try:
        with transaction.atomic():
            guidelines = Guidelines.objects.create(
                community=community,
                body=body,
                body_html=render_markdown(body),
                updated_at=now,
                updated_by=actor,
            )
    except IntegrityError:
        # Another request drafted them at the same moment.
        return Guidelines.objects.get(community=community)
    GuidelinesRevision.objects.create(
        guidelines=guidelines, number=1, body=body, author=actor, created_at=now
    )
    guidelines.discussion = _open_discussion(community, actor=actor, forum=forum)
    if guidelines.discussion is not None:
        guidelines.save(update_fields=["discussion"])
    community_services.audit(
        actor, community, FacilitationEvent.GUIDELINES_EDIT, guidelines, details={"revision": 1}
    )
    return guidelines


@transaction.atomic
def edit_guidelines(guidelines: Guidelines, *, actor: User, body: str, note: str = "") -> bool:
    """Save a new text of the guidelines, keeping it as the next revision; False when the text
    did not change."""
    current = Guidelines.objects.select_for_update().values_list("body", flat=True)
    if body == current.get(pk=guidelines.pk):
        return False
    last = guidelines.revisions.order_by("-number").values_list("number", flat=True).first()
    number = (last or 0) + 1
    now = timezone.now()
    guidelines.body = body
    guidelines.body_html = render_markdown(body)
    guidelines.updated_at = now
    guidelines.updated_by = actor
    guidelines.save(update_fields=["body", "body_html", "updated_at", "updated_by"])
    GuidelinesRevision.objects.create(
        guidelines=guidelines,
        number=number,
        body=body,
        note=note.strip()[:300],
        author=actor,
        created_at=now,
    )
    community_services.audit(
        actor,
        guidelines.community,
        FacilitationEvent.GUIDELINES_EDIT,
        guidelines,
        details={"revision": number},
    )
    return True


@transaction.atomic
def publish_guidelines(guidelines: Guidelines, *, actor: User) -> bool:
    """Publish the guidelines to everyone who sees the community (opening their discussion
    thread if they have none); False when already published (later edits show at once)."""
    published = Guidelines.objects.select_for_update().values_list("published_at", flat=True)
    if published.get(pk=guidelines.pk) is not None:
        return False
    community = guidelines.community
    guidelines.published_at = timezone.now()
    fields = ["published_at"]
    if guidelines.discussion_id is None:
        # Its thread was removed (or never opened): members need a place to propose changes.
        guidelines.discussion = _open_discussion(community, actor=actor, forum=None)
        fields.append("discussion")
    guidelines.save(update_fields=fields)
    community_services.audit(actor, community, FacilitationEvent.GUIDELINES_PUBLISH, guidelines)
    community_services.record_activity(
        community,
        actor,
        FacilitationEvent.GUIDELINES_PUBLISH,
        url=reverse("guidelines", args=[community.slug]),
    )
    return True
