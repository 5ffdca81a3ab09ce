"""The help desk: a member asks the community's facilitators for help in a private conversation.

A request is open while it waits for a facilitator, answered once a facilitator wrote last, and
closed when the asker or a facilitator says it is done (either may reopen it). The facilitators
are told of new requests and of the asker's follow-ups, the asker of answers and of a close.

Nothing of a conversation reaches the activity feed or the audit log (its words are the asker's
and the facilitators' only): closing and reopening are audited by the request's number alone.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities.events import CommunityEvent
from communities.models import Community, HelpMessage, HelpRequest, Membership
from communities.selectors import facilitators_of
from communities.services.logs import audit, notify, notify_collapsed, notify_many, target_key
from core.errors import ActionRefused
from core.markdown import render_markdown

State = HelpRequest.State


class HelpError(ActionRefused):
    """A help desk action the rules refuse."""


def _told(help_request: HelpRequest, actor: User) -> dict:
    """What every notice about a help request carries: where it leads, what it is about, who
    wrote, and the subject."""
    return {
        "url": help_request.get_absolute_url(),
        "community": help_request.community,
        "actor": actor,
        "target": target_key(help_request),
        "person": actor.name,
        "subject": help_request.subject,
    }


def _facilitators(community: Community, *, besides: User) -> list[User]:
    return [m.user for m in facilitators_of(community) if m.user_id != besides.pk]


def _is_facilitator(community: Community, user: User) -> bool:
    return Membership.objects.filter(
        community=community,
        user=user,
        state=Membership.State.ACTIVE,
        role__in=[Membership.Role.ORGANIZER, Membership.Role.FACILITATOR],
    ).exists()


def _writable(community: Community) -> None:
    if community.is_archived:
        raise HelpError(_("This community is archived: it is read-only."))


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise HelpError(_("Write a message."))
    return body


@transaction.atomic
def ask_for_help(
    community: Community, *, actor: User, subject: str, body: str, asked_from: str = ""
) -> HelpRequest:
    """Open a help request with its first message; every facilitator is told."""
    _writable(community)
    subject = subject.strip()[:200]
    if not subject:
        raise HelpError(_("Give your request a subject."))
    body = _clean_body(body)
    now = timezone.now()
    help_request = HelpRequest.objects.create(
        community=community,
        asker=actor,
        subject=subject,
        asked_from=asked_from[:500],
        created_at=now,
        updated_at=now,
    )
    HelpMessage.objects.create(
        request=help_request,
        author=actor,
        body=body,
        body_html=render_markdown(body),
        from_facilitator=False,
        created_at=now,
    )
    notify_many(
        _facilitators(community, besides=actor),
        CommunityEvent.HELP_REQUEST_CREATE,
        community_name=community.name,
        **_told(help_request, actor),
    )
    return help_request


@transaction.atomic
def reply_to_help(help_request: HelpRequest, *, actor: User, body: str) -> HelpMessage:
    """Add a message: a facilitator's answers the request, the asker's opens it again.

    The other side is told; a busy conversation collapses into one unread notification each.
    """
    help_request = (
        HelpRequest.objects.select_for_update().select_related("community").get(pk=help_request.pk)
    )
    community = help_request.community
    _writable(community)
    if help_request.state == State.CLOSED:
        raise HelpError(_("This request is closed: reopen it to write again."))
    body = _clean_body(body)
    from_asker = help_request.asker_id == actor.pk
    if not from_asker and not _is_facilitator(community, actor):
        raise HelpError(_("Only the person who asked and the facilitators write here."))
    now = timezone.now()
    message = HelpMessage.objects.create(
        request=help_request,
        author=actor,
        body=body,
        body_html=render_markdown(body),
        from_facilitator=not from_asker,
        created_at=now,
    )
    help_request.state = State.OPEN if from_asker else State.ANSWERED
    help_request.updated_at = now
    help_request.save(update_fields=["state", "updated_at"])
    told = _told(help_request, actor)
    if from_asker:
        for facilitator in _facilitators(community, besides=actor):
            notify_collapsed(facilitator, CommunityEvent.HELP_REQUEST_REPLY, **told)
    else:
        notify_collapsed(help_request.asker, CommunityEvent.HELP_REQUEST_ANSWER, **told)
    return message


@transaction.atomic
def close_help(help_request: HelpRequest, *, actor: User, ip: str | None = None) -> bool:
    """Close a request (the asker or a facilitator); False when it was closed already."""
    help_request = (
        HelpRequest.objects.select_for_update()
        .select_related("community", "asker")
        .get(pk=help_request.pk)
    )
    community = help_request.community
    _writable(community)
    if help_request.state == State.CLOSED:
        return False
    now = timezone.now()
    help_request.state = State.CLOSED
    help_request.closed_at = now
    help_request.closed_by = actor
    help_request.save(update_fields=["state", "closed_at", "closed_by"])
    audit(
        actor,
        community,
        CommunityEvent.HELP_REQUEST_CLOSE,
        details={"help_request": help_request.pk},
        ip=ip,
    )
    if help_request.asker_id != actor.pk:
        notify(help_request.asker, CommunityEvent.HELP_REQUEST_CLOSE, **_told(help_request, actor))
    return True


@transaction.atomic
def reopen_help(help_request: HelpRequest, *, actor: User, ip: str | None = None) -> bool:
    """Open a closed request again; the facilitators are told when the asker reopens it.
    False when it was not closed."""
    help_request = (
        HelpRequest.objects.select_for_update().select_related("community").get(pk=help_request.pk)
    )
    community = help_request.community
    _writable(community)
    if help_request.state != State.CLOSED:
        return False
    help_request.state = State.OPEN
    help_request.closed_at = None
    help_request.closed_by = None
    help_request.updated_at = timezone.now()
    help_request.save(update_fields=["state", "closed_at", "closed_by", "updated_at"])
    audit(
        actor,
        community,
        CommunityEvent.HELP_REQUEST_REOPEN,
        details={"help_request": help_request.pk},
        ip=ip,
    )
    if help_request.asker_id == actor.pk:
        notify_many(
            _facilitators(community, besides=actor),
            CommunityEvent.HELP_REQUEST_REOPEN,
            **_told(help_request, actor),
        )
    return True
