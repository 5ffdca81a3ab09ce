"""Sharing a cycle's results with the community's members (facilitators always see them).

Members are told once, when the results they can now read are those of a closed cycle: sharing
an open cycle tells nobody yet (its results are still moving), and sharing again after stopping
tells only those who were never told.
"""

from django.db import transaction
from django.urls import reverse

from accounts.models import User
from assessments.events import AssessmentEvent
from assessments.models import Cycle
from communities import services as community_services
from communities.models import Membership, Notification


@transaction.atomic
def set_results_shared(cycle: Cycle, shared: bool, *, actor: User) -> bool:
    """Share the cycle's results with members, or stop; False when nothing changed."""
    locked = Cycle.objects.select_for_update().select_related("community").get(pk=cycle.pk)
    if locked.results_shared == shared:
        return False
    locked.results_shared = shared
    locked.save(update_fields=["results_shared"])
    cycle.results_shared = shared
    event = AssessmentEvent.CYCLE_SHARE if shared else AssessmentEvent.CYCLE_UNSHARE
    community_services.audit(actor, locked.community, event, locked)
    if shared and locked.is_closed:
        tell_members_results_shared(locked, actor=actor)
    return True


def tell_members_results_shared(cycle: Cycle, *, actor: User | None = None) -> int:
    """Notify the active members (but the actor) not told yet that the results are shared; one
    insert. The cycles part may call it when a shared cycle closes."""
    target = community_services.target_key(cycle)
    told = Notification.objects.filter(verb=AssessmentEvent.CYCLE_SHARE, target=target).values(
        "recipient_id"
    )
    members = (
        User.objects.filter(
            memberships__community=cycle.community,
            memberships__state=Membership.State.ACTIVE,
        )
        .exclude(pk__in=told)
        .distinct()
    )
    if actor is not None:
        members = members.exclude(pk=actor.pk)
    return community_services.notify_many(
        list(members),
        AssessmentEvent.CYCLE_SHARE,
        url=reverse("cycle_results", args=[cycle.community.slug, cycle.pk]),
        community=cycle.community,
        actor=actor,
        target=target,
        cycle=cycle.title,
        community_name=cycle.community.name,
    )
