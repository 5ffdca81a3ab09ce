"""Reads that pages and other apps use; lists are filtered through an Access."""

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from accounts.models import User
from communities.models import (
    Activity,
    AuditEvent,
    Community,
    HelpMessage,
    HelpRequest,
    Invitation,
    JoinRequest,
    Membership,
    Notification,
)
from communities.permissions import (
    Access,
    can_see_help_queue,
    can_see_help_request,
    can_use_help_desk,
)
from core.forms import MAX_ID

ACTIVE = Membership.State.ACTIVE


def _with_member_count(communities: QuerySet[Community]) -> QuerySet[Community]:
    return communities.annotate(
        member_count=Count("memberships", filter=Q(memberships__state=ACTIVE), distinct=True)
    )


def memberships_of(user: User) -> QuerySet[Membership]:
    """A person's communities, newest activity first, with member counts."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user)
        .select_related("community")
        .annotate(
            member_count=Count(
                "community__memberships",
                filter=Q(community__memberships__state=ACTIVE),
                distinct=True,
            )
        )
        .order_by("community__name")
    )


def public_directory(*, query: str = "", language: str = "") -> QuerySet[Community]:
    """Public, active communities, filtered by a word of the name or theme and by language."""
    communities = Community.objects.filter(
        visibility=Community.Visibility.PUBLIC, status=Community.Status.ACTIVE
    )
    if query:
        communities = communities.filter(
            Q(name__icontains=query) | Q(theme__icontains=query) | Q(description__icontains=query)
        )
    if language:
        communities = communities.filter(language=language)
    return _with_member_count(communities).order_by("name")


def facilitators_of(community: Community) -> QuerySet[Membership]:
    """The active organizers and facilitators of a community, with their users."""
    return (
        Membership.objects.filter(
            community=community,
            state=ACTIVE,
            role__in=[Membership.Role.ORGANIZER, Membership.Role.FACILITATOR],
        )
        .select_related("user")
        .order_by("role", "user__display_name")
    )


def member_count(community: Community) -> int:
    return Membership.objects.filter(community=community, state=ACTIVE).count()


def activity_feed(access: Access) -> QuerySet[Activity]:
    """What happened in the community, newest first (empty for those who may not see it)."""
    if not access.can("community.view"):
        return Activity.objects.none()
    return Activity.objects.filter(community=access.community, is_hidden=False).select_related(
        "actor"
    )


def members_visible_to(
    access: Access,
    *,
    query: str = "",
    role: str = "",
    sector: str = "",
    discipline: str = "",
    organization: str = "",
) -> QuerySet[Membership]:
    """The community's members for its directory; suspended ones only for facilitators."""
    if not access.can("member.list"):
        return Membership.objects.none()
    members = Membership.objects.filter(community=access.community).select_related("user")
    if not access.can("member.suspend"):
        members = members.filter(state=ACTIVE)
    if query:
        members = members.filter(
            Q(user__display_name__icontains=query)
            | Q(user__organization__icontains=query)
            | Q(user__discipline__icontains=query)
            | Q(user__bio__icontains=query)
        )
    if role:
        members = members.filter(role=role)
    if sector:
        members = members.filter(user__sector=sector)
    if discipline:
        members = members.filter(user__discipline__iexact=discipline)
    if organization:
        members = members.filter(user__organization__iexact=organization)
    return members.order_by("user__display_name", "user__email")


def member_mix(access: Access) -> dict:
    """The community's interdisciplinary mix: active members counted by sector and organization."""
    if not access.can("member.list"):
        return {"sectors": [], "organizations": [], "disciplines": []}
    members = Membership.objects.filter(community=access.community, state=ACTIVE)
    sectors = (
        members.values("user__sector")
        .annotate(count=Count("id"))
        .order_by("-count", "user__sector")
    )
    labels = dict(User.Sector.choices)
    return {
        "sectors": [
            {
                "value": row["user__sector"],
                "label": labels.get(row["user__sector"], "—"),
                "count": row["count"],
            }
            for row in sectors
        ],
        "organizations": list(
            members.exclude(user__organization="")
            .values("user__organization")
            .annotate(count=Count("id"))
            .order_by("-count", "user__organization")[:12]
        ),
        "disciplines": list(
            members.exclude(user__discipline="")
            .values_list("user__discipline", flat=True)
            .distinct()
            .order_by("user__discipline")
        ),
    }


def pending_join_requests(access: Access) -> QuerySet[JoinRequest]:
    if not access.can("join_request.decide"):
        return JoinRequest.objects.none()
    return (
        JoinRequest.objects.filter(community=access.community, state=JoinRequest.State.PENDING)
        .select_related("user")
        .order_by("created_at")
    )


def recent_join_decisions(access: Access) -> QuerySet[JoinRequest]:
    if not access.can("join_request.decide"):
        return JoinRequest.objects.none()
    return (
        JoinRequest.objects.filter(community=access.community)
        .exclude(state=JoinRequest.State.PENDING)
        .select_related("user", "decided_by")
        .order_by("-decided_at")
    )


def pending_request_of(access: Access) -> JoinRequest | None:
    if not access.is_authenticated:
        return None
    return JoinRequest.objects.filter(
        community=access.community, user=access.user, state=JoinRequest.State.PENDING
    ).first()


def pending_requests_of(user: User) -> QuerySet[JoinRequest]:
    """A person's own requests still waiting for an answer (the front page lists them)."""
    if not user.is_authenticated:
        return JoinRequest.objects.none()
    return JoinRequest.objects.filter(user=user, state=JoinRequest.State.PENDING).select_related(
        "community"
    )


def invitations_of(access: Access) -> QuerySet[Invitation]:
    if not access.can("invitation.manage"):
        return Invitation.objects.none()
    # The community too: each link's address is built from its slug.
    return Invitation.objects.filter(community=access.community).select_related(
        "community", "created_by", "revoked_by"
    )


def audit_events(
    access: Access,
    *,
    action: str = "",
    actor: str = "",
    member: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEvent]:
    if not access.can("audit.view"):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.filter(community=access.community)
    if action:
        events = events.filter(action__startswith=action)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if member:
        events = events.filter(target_label__icontains=member)
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    return events


def audit_actions(access: Access) -> list[str]:
    if not access.can("audit.view"):
        return []
    return list(
        AuditEvent.objects.filter(community=access.community)
        .values_list("action", flat=True)
        .distinct()
        .order_by("action")
    )


def notifications_of(user: User) -> QuerySet[Notification]:
    """A person's notifications, except those about what moderation has hidden."""
    return Notification.objects.filter(recipient=user, is_hidden=False).select_related(
        "community", "actor"
    )


def unread_notification_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(
        recipient=user, read_at__isnull=True, is_hidden=False
    ).count()


# --- Help desk --------------------------------------------------------------------------------


def open_help_requests(community: Community) -> QuerySet[HelpRequest]:
    """The community's help requests waiting for a facilitator, newest first, with their askers.

    For the facilitators' dashboard: callers check "help.answer" (or "community.facilitate").
    """
    return (
        HelpRequest.objects.filter(community=community, state=HelpRequest.State.OPEN)
        .select_related("asker")
        .order_by("-updated_at", "-id")
    )


def open_help_request_count(community: Community) -> int:
    """How many of the community's help requests wait for a facilitator."""
    return HelpRequest.objects.filter(community=community, state=HelpRequest.State.OPEN).count()


def access_help_request(access: Access, request_id: int) -> HelpRequest:
    """The community's help request `request_id` if this person may see it; otherwise Http404,
    the same answer for "missing" and for "not yours" (its asker and community ride along)."""
    if not 0 < request_id <= MAX_ID:
        raise Http404
    help_request = (
        HelpRequest.objects.filter(community=access.community, pk=request_id)
        .select_related("asker", "community", "closed_by")
        .first()
    )
    if help_request is None or not can_see_help_request(access, help_request):
        raise Http404
    return help_request


def help_messages_of(help_request: HelpRequest) -> QuerySet[HelpMessage]:
    """A request's messages, oldest first, with their authors (call after access_help_request)."""
    return (
        HelpMessage.objects.filter(request=help_request)
        .select_related("author")
        .order_by("created_at", "id")
    )


def my_help_requests(access: Access) -> QuerySet[HelpRequest]:
    """The person's own requests in the community: those not closed first, then newest."""
    if not can_use_help_desk(access):
        return HelpRequest.objects.none()
    return (
        HelpRequest.objects.filter(community=access.community, asker=access.user)
        .annotate(
            message_count=Count("messages"),
            closed_last=Case(
                When(state=HelpRequest.State.CLOSED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("closed_last", "-updated_at", "-id")
    )


def help_queue(access: Access, *, state: str = "") -> QuerySet[HelpRequest]:
    """The community's requests for its facilitators, last message first, in one state or
    all (`state` ""), with their askers."""
    if not can_see_help_queue(access):
        return HelpRequest.objects.none()
    requests = HelpRequest.objects.filter(community=access.community)
    if state:
        requests = requests.filter(state=state)
    return (
        requests.select_related("asker")
        .annotate(message_count=Count("messages"))
        .order_by("-updated_at", "-id")
    )


# --- Digests (facilitation.digests): one query for a batch of members --------------------------


def digest_new_members(community_ids, *, since, until) -> QuerySet[Membership]:
    """Active memberships of these communities begun in [since, until), with their people."""
    return (
        Membership.objects.filter(
            community_id__in=community_ids,
            state=Membership.State.ACTIVE,
            joined_at__gte=since,
            joined_at__lt=until,
        )
        .select_related("user")
        .order_by("joined_at", "pk")
    )


def digest_notifications(user_ids, *, until) -> QuerySet[Notification]:
    """These people's notifications not yet told by email (nor hidden), oldest first."""
    return (
        Notification.objects.filter(
            recipient_id__in=user_ids,
            emailed_at__isnull=True,
            is_hidden=False,
            created_at__lt=until,
        )
        .select_related("actor", "community")
        .order_by("created_at", "pk")
    )
