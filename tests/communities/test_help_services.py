"""The help desk's services (communities.services.help) and its rules (communities.permissions):
states, who is told, and that nothing reaches anyone else."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from communities import selectors
from communities.events import notice_text
from communities.models import AuditEvent, Community, HelpRequest, Membership, Notification
from communities.permissions import (
    access_for,
    can_close_help,
    can_reopen_help,
    can_reply_help,
    can_see_help_request,
)
from communities.services import (
    HelpError,
    ask_for_help,
    close_help,
    reopen_help,
    reply_to_help,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

State = HelpRequest.State


def _ask(cast, community=None, **kwargs) -> HelpRequest:
    return ask_for_help(
        community or cast.public,
        actor=kwargs.pop("actor", cast.member),
        subject=kwargs.pop("subject", "Cannot upload a file"),
        body=kwargs.pop("body", "The **upload** button does nothing."),
        **kwargs,
    )


def _told(person) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person).order_by("pk"))


def test_help_ask_opens_a_request_with_its_first_message(cast):
    help_request = _ask(cast, asked_from="/c/open-practice/documents/")

    assert help_request.state == State.OPEN
    assert help_request.asker == cast.member
    assert help_request.asked_from == "/c/open-practice/documents/"
    [message] = help_request.messages.all()
    assert message.author == cast.member
    assert not message.from_facilitator
    assert "<strong>upload</strong>" in message.body_html


def test_help_ask_tells_every_facilitator_and_no_one_else(cast):
    bystander = MembershipFactory(community=cast.public).user
    help_request = _ask(cast)

    for person in (cast.organizer, cast.facilitator):
        [notification] = _told(person)
        assert notification.verb == "help_request.create"
        assert notification.url == help_request.get_absolute_url()
        text = notice_text(notification.verb, notification.params)
        assert "Mateo Member" in text and "Cannot upload a file" in text
    for person in (cast.member, bystander, cast.other_member, cast.outsider, cast.staff):
        assert _told(person) == []


def test_help_ask_by_a_facilitator_tells_the_other_facilitators_only(cast):
    _ask(cast, actor=cast.facilitator)

    assert _told(cast.facilitator) == []
    assert len(_told(cast.organizer)) == 1


def test_help_ask_refuses_an_empty_message_and_an_archived_community(cast):
    with pytest.raises(HelpError):
        _ask(cast, body="   ")
    with pytest.raises(HelpError):
        _ask(cast, subject="  ")
    cast.public.status = Community.Status.ARCHIVED
    cast.public.save(update_fields=["status"])
    with pytest.raises(HelpError):
        _ask(cast)
    assert not HelpRequest.objects.exists()


def test_help_reply_from_a_facilitator_answers_and_tells_the_asker(cast):
    help_request = _ask(cast)
    Notification.objects.all().delete()

    message = reply_to_help(help_request, actor=cast.facilitator, body="Try a smaller file.")

    help_request.refresh_from_db()
    assert help_request.state == State.ANSWERED
    assert message.from_facilitator
    [notification] = _told(cast.member)
    assert notification.verb == "help_request.answer"
    assert _told(cast.organizer) == []  # the other facilitators are not told of an answer


def test_help_reply_from_the_asker_opens_it_again_and_tells_the_facilitators(cast):
    help_request = _ask(cast)
    reply_to_help(help_request, actor=cast.facilitator, body="Which browser?")
    Notification.objects.all().delete()

    message = reply_to_help(help_request, actor=cast.member, body="Firefox.")

    help_request.refresh_from_db()
    assert help_request.state == State.OPEN
    assert not message.from_facilitator
    assert [n.verb for n in _told(cast.facilitator)] == ["help_request.reply"]
    assert [n.verb for n in _told(cast.organizer)] == ["help_request.reply"]
    assert _told(cast.member) == []


def test_help_busy_conversation_collapses_into_one_unread_notification(cast):
    help_request = _ask(cast)
    for number in range(3):
        reply_to_help(help_request, actor=cast.facilitator, body=f"Answer {number}")

    [notification] = _told(cast.member)
    assert notification.count == 3
    assert "3 new answers" in notice_text(notification.verb, notification.params, count=3)


def test_help_reply_refuses_others_and_closed_requests(cast):
    help_request = _ask(cast)
    bystander = MembershipFactory(community=cast.public).user
    with pytest.raises(HelpError):
        reply_to_help(help_request, actor=bystander, body="Me too")
    close_help(help_request, actor=cast.member)
    with pytest.raises(HelpError):
        reply_to_help(help_request, actor=cast.facilitator, body="Late")
    assert help_request.messages.count() == 1


def test_help_close_and_reopen(cast):
    help_request = _ask(cast)
    Notification.objects.all().delete()

    assert close_help(help_request, actor=cast.facilitator)
    assert not close_help(help_request, actor=cast.facilitator)  # nothing to do
    help_request.refresh_from_db()
    assert help_request.state == State.CLOSED
    assert help_request.closed_by == cast.facilitator
    assert help_request.closed_at is not None
    assert [n.verb for n in _told(cast.member)] == ["help_request.close"]

    assert reopen_help(help_request, actor=cast.member)
    assert not reopen_help(help_request, actor=cast.member)
    help_request.refresh_from_db()
    assert help_request.state == State.OPEN
    assert help_request.closed_by is None and help_request.closed_at is None
    assert [n.verb for n in _told(cast.facilitator)] == ["help_request.reopen"]


def test_help_asker_closing_tells_no_one(cast):
    help_request = _ask(cast)
    Notification.objects.all().delete()

    close_help(help_request, actor=cast.member)

    assert not Notification.objects.exists()


def test_help_audit_names_the_request_but_never_its_words(cast):
    help_request = _ask(cast, subject="Secret trouble", body="Very private words")
    reply_to_help(help_request, actor=cast.facilitator, body="Private answer")
    close_help(help_request, actor=cast.facilitator)
    reopen_help(help_request, actor=cast.member)

    rows = AuditEvent.objects.filter(community=cast.public, action__startswith="help_request.")
    assert sorted(rows.values_list("action", flat=True)) == [
        "help_request.close",
        "help_request.reopen",
    ]
    for row in rows:
        assert row.details == {"help_request": help_request.pk}
        everything = f"{row.target_label} {row.details}"
        assert "Secret" not in everything and "private" not in everything.lower()


def test_help_selectors_for_the_dashboard(cast):
    first = _ask(cast, subject="First")
    second = _ask(cast, subject="Second")
    answered = _ask(cast, subject="Answered")
    reply_to_help(answered, actor=cast.facilitator, body="Done")
    _ask(cast, community=cast.private, subject="Elsewhere")

    open_requests = list(selectors.open_help_requests(cast.public))
    assert open_requests == [second, first]
    assert selectors.open_help_request_count(cast.public) == 2


def test_help_rules_privacy(cast):
    help_request = _ask(cast)
    bystander = MembershipFactory(community=cast.public).user

    def sees(person, community=None) -> bool:
        return can_see_help_request(access_for(person, community or cast.public), help_request)

    assert sees(cast.member)
    assert sees(cast.facilitator)
    assert sees(cast.organizer)
    assert not sees(bystander)
    assert not sees(cast.outsider)
    assert not sees(cast.staff)  # staff oversee communities, not private conversations
    assert not sees(cast.organizer, cast.private)  # another community's access
    with pytest.raises(Http404):
        selectors.access_help_request(access_for(bystander, cast.public), help_request.pk)
    with pytest.raises(Http404):
        selectors.access_help_request(access_for(cast.member, cast.public), 2**70)


def test_help_rules_silenced_may_ask_and_reply_suspended_may_not(cast):
    help_request = _ask(cast)
    membership = Membership.objects.get(community=cast.public, user=cast.member)
    membership.silenced_until = timezone.now() + timedelta(days=2)
    membership.save(update_fields=["silenced_until"])

    access = access_for(cast.member, cast.public)
    assert access.can("help.ask")
    assert can_reply_help(access, help_request)
    assert can_close_help(access, help_request)

    membership.silenced_until = None
    membership.state = Membership.State.SUSPENDED
    membership.save(update_fields=["silenced_until", "state"])
    access = access_for(cast.member, cast.public)
    assert not access.can("help.ask")
    assert not can_see_help_request(access, help_request)
    assert not can_reply_help(access, help_request)


def test_help_rules_archived_community_is_read_only(cast):
    help_request = _ask(cast)
    cast.public.status = Community.Status.ARCHIVED
    cast.public.save(update_fields=["status"])

    for person in (cast.member, cast.facilitator):
        access = access_for(person, cast.public)
        assert can_see_help_request(access, help_request)
        assert not can_reply_help(access, help_request)
        assert not can_close_help(access, help_request)
    with pytest.raises(HelpError):
        reply_to_help(help_request, actor=cast.facilitator, body="Too late")


def test_help_rules_close_and_reopen_follow_the_state(cast):
    help_request = _ask(cast)
    asker = access_for(cast.member, cast.public)
    facilitator = access_for(cast.facilitator, cast.public)
    other = access_for(UserFactory(), cast.public)
    assert can_close_help(asker, help_request) and can_close_help(facilitator, help_request)
    assert not can_reopen_help(asker, help_request)
    assert not can_close_help(other, help_request)

    close_help(help_request, actor=cast.member)
    help_request.refresh_from_db()
    assert can_reopen_help(asker, help_request) and can_reopen_help(facilitator, help_request)
    assert not can_close_help(asker, help_request)
    assert not can_reply_help(asker, help_request)
    assert not can_reopen_help(other, help_request)
