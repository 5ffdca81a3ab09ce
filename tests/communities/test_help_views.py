"""The help desk pages: asking, the private conversation, the facilitators' queue, the layout's
"Ask the facilitators" link."""

from urllib.parse import quote

import pytest
from django.core.cache import cache

from communities import submissions
from communities.models import Community, HelpMessage, HelpRequest, Membership
from communities.services import ask_for_help, close_help, reply_to_help
from tests.communities.helpers import after_redirect, text
from tests.communities.test_queries import _assert_flat
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

KEY = "0123456789abcdef0123456789abcdef"
State = HelpRequest.State


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _ask(cast, community=None, actor=None, subject="Cannot upload") -> HelpRequest:
    return ask_for_help(
        community or cast.public,
        actor=actor or cast.member,
        subject=subject,
        body="The button does nothing.",
    )


def _url(help_request: HelpRequest, community=None, suffix: str = "") -> str:
    slug = (community or help_request.community).slug
    return f"/c/{slug}/help/{help_request.pk}/{suffix}"


# --- Asking ------------------------------------------------------------------------------------


def test_help_ask_page_keeps_the_page_asked_from(cast, member_client):
    response = member_client.get(
        "/c/open-practice/help/new/?from=/c/open-practice/members/%3Fq%3Dx"
    )
    assert response.status_code == 200
    assert 'name="from" value="/c/open-practice/members/?q=x"' in text(response)
    assert 'name="submission"' in text(response)
    assert 'data-draft="u' in text(response)

    response = member_client.post(
        "/c/open-practice/help/new/",
        {"subject": "Lost", "body": "Where is the search?", "from": "/c/open-practice/members/"},
    )

    help_request = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == help_request.get_absolute_url()
    assert help_request.asked_from == "/c/open-practice/members/"
    assert help_request.asker == cast.member
    assert help_request.messages.get().body == "Where is the search?"


@pytest.mark.parametrize(
    "given",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example",
        "javascript:alert(1)",
        "relative/path",
        "/c/x/\x00",
        "/" + "x" * 600,
    ],
)
def test_help_ask_drops_a_from_that_is_not_a_page_of_this_site(cast, member_client, given):
    page = member_client.get("/c/open-practice/help/new/", {"from": given})
    # A NUL byte in a query string is refused before any view (400).
    assert page.status_code == (400 if "\x00" in given else 200)
    assert 'name="from"' not in text(page)

    member_client.post(
        "/c/open-practice/help/new/", {"subject": "Lost", "body": "Help", "from": given}
    )

    assert HelpRequest.objects.get().asked_from == ""


def test_help_ask_from_the_list_page_form(cast, member_client):
    page = member_client.get("/c/open-practice/help/")
    assert page.status_code == 200
    assert 'action="/c/open-practice/help/new/"' in text(page)


def test_help_ask_the_same_form_sent_twice_makes_one_request(cast, member_client):
    data = {"subject": "Twice", "body": "Double click", submissions.FIELD: KEY}

    first = member_client.post("/c/open-practice/help/new/", data)
    second = member_client.post("/c/open-practice/help/new/", data)

    help_request = HelpRequest.objects.get()
    assert first["Location"] == second["Location"] == help_request.get_absolute_url()
    assert HelpMessage.objects.count() == 1
    assert "sent twice" in after_redirect(member_client, second)


def test_help_ask_failed_submit_keeps_the_text(cast, member_client):
    response = member_client.post(
        "/c/open-practice/help/new/?from=/c/open-practice/",
        {"subject": "", "body": "My long <careful> explanation", "from": "/c/open-practice/"},
    )

    assert response.status_code == 400
    page = text(response)
    assert "My long &lt;careful&gt; explanation" in page
    assert 'name="from" value="/c/open-practice/"' in page
    assert not HelpRequest.objects.exists()


def test_help_ask_bad_input_never_fails(cast, member_client):
    response = member_client.post(
        "/c/open-practice/help/new/", {"subject": "x\x00y", "body": "a\x00b", "from": "\x00"}
    )
    assert response.status_code == 400
    response = member_client.post("/c/open-practice/help/new/", {"subject": "s" * 5000})
    assert response.status_code == 400
    assert not HelpRequest.objects.exists()


def test_help_ask_is_for_members(cast, client_for):
    assert client_for("anonymous").get("/c/open-practice/help/new/").status_code == 302
    assert client_for("anonymous").get("/c/closed-circle/help/new/").status_code == 404
    assert client_for("outsider").get("/c/open-practice/help/new/").status_code == 403
    assert client_for("outsider").get("/c/closed-circle/help/new/").status_code == 404
    assert client_for("other_member").get("/c/closed-circle/help/new/").status_code == 404
    assert client_for("staff").get("/c/open-practice/help/new/").status_code == 403
    assert client_for("member").get("/c/closed-circle/help/new/").status_code == 200


def test_help_silenced_member_may_ask_suspended_may_not(cast, member_client):
    from datetime import timedelta

    from django.utils import timezone

    membership = Membership.objects.get(community=cast.public, user=cast.member)
    membership.silenced_until = timezone.now() + timedelta(days=1)
    membership.save(update_fields=["silenced_until"])
    response = member_client.post("/c/open-practice/help/new/", {"subject": "S", "body": "B"})
    assert response.status_code == 302
    assert HelpRequest.objects.count() == 1

    membership.state = Membership.State.SUSPENDED
    membership.save(update_fields=["state"])
    response = member_client.post("/c/open-practice/help/new/", {"subject": "S", "body": "B2"})
    assert response.status_code == 403
    assert member_client.get("/c/closed-circle/help/").status_code == 200  # still a member there
    assert HelpRequest.objects.count() == 1


def test_help_archived_community_is_read_only(cast, member_client, facilitator_client):
    help_request = _ask(cast)
    cast.public.status = Community.Status.ARCHIVED
    cast.public.save(update_fields=["status"])

    response = member_client.post("/c/open-practice/help/new/", {"subject": "S", "body": "B"})
    assert response.status_code == 302
    assert "archived" in after_redirect(member_client, response)
    page = member_client.get(_url(help_request))
    assert page.status_code == 200 and 'name="body"' not in text(page)
    queue = facilitator_client.get("/c/open-practice/help/?state=all")
    assert queue.status_code == 200 and "Cannot upload" in text(queue)
    response = facilitator_client.post(_url(help_request), {"body": "Late"})
    assert response.status_code == 302
    assert HelpMessage.objects.count() == 1
    assert HelpRequest.objects.count() == 1


# --- The conversation --------------------------------------------------------------------------


def test_help_conversation_shows_the_messages_oldest_first(cast, member_client):
    help_request = _ask(cast)
    reply_to_help(help_request, actor=cast.facilitator, body="First answer")
    reply_to_help(help_request, actor=cast.member, body="Second question")

    page = text(member_client.get(_url(help_request)))

    assert page.index("The button does nothing.") < page.index("First answer")
    assert page.index("First answer") < page.index("Second question")
    assert "Fatou Facilitator" in page and "Facilitator</span>" in page
    assert 'name="body"' in page


def test_help_facilitator_reply_answers_and_asker_reply_reopens(
    cast, member_client, facilitator_client
):
    help_request = _ask(cast)

    response = facilitator_client.post(_url(help_request), {"body": "Try **this**"})
    help_request.refresh_from_db()
    assert response.status_code == 302
    message = help_request.messages.last()
    assert response["Location"] == f"{_url(help_request)}#message-{message.pk}"
    assert help_request.state == State.ANSWERED
    assert message.from_facilitator and "<strong>this</strong>" in message.body_html

    member_client.post(_url(help_request), {"body": "It did not work"})
    help_request.refresh_from_db()
    assert help_request.state == State.OPEN


def test_help_reply_sent_twice_is_written_once(cast, member_client):
    help_request = _ask(cast)
    data = {"body": "Again", submissions.FIELD: KEY}
    member_client.post(_url(help_request), data)
    member_client.post(_url(help_request), data)
    assert help_request.messages.count() == 2


def test_help_reply_failed_submit_keeps_the_text(cast, member_client):
    help_request = _ask(cast)
    response = member_client.post(_url(help_request), {"body": "   "})
    assert response.status_code == 400
    assert "is-invalid" in text(response)
    long = "y" * 10_001
    response = member_client.post(_url(help_request), {"body": long})
    assert response.status_code == 400
    assert long in text(response)
    assert help_request.messages.count() == 1


def test_help_conversation_is_private(cast, client_for, login):
    help_request = _ask(cast)
    private_request = _ask(cast, community=cast.private)
    bystander = MembershipFactory(community=cast.public).user

    # Another member: 404, as if it did not exist, whatever the method.
    for url in (_url(help_request), _url(help_request, suffix="close/")):
        assert login(bystander).get(url).status_code == 404
    assert login(bystander).post(_url(help_request), {"body": "Me"}).status_code == 404
    assert login(bystander).post(_url(help_request, suffix="reopen/")).status_code == 404
    assert client_for("outsider").get(_url(help_request)).status_code == 404
    assert client_for("outsider").get(_url(private_request)).status_code == 404
    assert client_for("anonymous").get(_url(private_request)).status_code == 404
    assert client_for("anonymous").get(_url(help_request)).status_code == 302
    assert client_for("staff").get(_url(help_request)).status_code == 404
    assert client_for("other_member").get(_url(private_request)).status_code == 404
    for principal in ("member", "facilitator", "organizer"):
        assert client_for(principal).get(_url(help_request)).status_code == 200
    assert help_request.messages.count() == 1


def test_help_request_of_another_community_is_not_found(cast, member_client, facilitator_client):
    help_request = _ask(cast)
    # cast.private has the same people: the request of open-practice at closed-circle's URL.
    assert member_client.get(_url(help_request, cast.private)).status_code == 404
    assert facilitator_client.get(_url(help_request, cast.private)).status_code == 404
    assert (
        facilitator_client.post(_url(help_request, cast.private), {"body": "x"}).status_code == 404
    )


@pytest.mark.parametrize("request_id", ["0", "999999", "99999999999999999999"])
def test_help_wrong_ids_are_not_found(cast, member_client, request_id):
    assert member_client.get(f"/c/open-practice/help/{request_id}/").status_code == 404
    assert member_client.post(f"/c/open-practice/help/{request_id}/close/").status_code == 404
    assert member_client.post(f"/c/open-practice/help/{request_id}/reopen/").status_code == 404


def test_help_close_asks_first_then_closes_and_reopens(cast, member_client, facilitator_client):
    help_request = _ask(cast)

    confirm = facilitator_client.get(_url(help_request, suffix="close/"))
    assert confirm.status_code == 200 and "Yes, close it" in text(confirm)
    help_request.refresh_from_db()
    assert help_request.state == State.OPEN

    response = facilitator_client.post(_url(help_request, suffix="close/"))
    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.state == State.CLOSED
    page = text(member_client.get(_url(help_request)))
    assert "Closed by Fatou Facilitator" in page
    assert 'name="body"' not in page and "Reopen the request" in page

    # Writing in a closed request says so, and writes nothing.
    response = member_client.post(_url(help_request), {"body": "Still broken"})
    assert "closed" in after_redirect(member_client, response)
    assert help_request.messages.count() == 1

    member_client.post(_url(help_request, suffix="reopen/"))
    help_request.refresh_from_db()
    assert help_request.state == State.OPEN
    assert member_client.get(_url(help_request, suffix="reopen/")).status_code == 405


def test_help_asked_from_is_shown_to_facilitators_only(cast, member_client, facilitator_client):
    help_request = ask_for_help(
        cast.public,
        actor=cast.member,
        subject="S",
        body="B",
        asked_from="/c/open-practice/members/",
    )
    assert "Asked from this page" in text(facilitator_client.get(_url(help_request)))
    assert "Asked from this page" not in text(member_client.get(_url(help_request)))


# --- Lists ------------------------------------------------------------------------------------


def test_help_member_sees_only_their_own_requests_open_first(cast, member_client, login):
    closed = _ask(cast, subject="Old closed one")
    close_help(closed, actor=cast.member)
    _ask(cast, subject="Still open")
    bystander = MembershipFactory(community=cast.public).user
    _ask(cast, actor=bystander, subject="Someone else's")

    page = text(member_client.get("/c/open-practice/help/"))

    assert page.index("Still open") < page.index("Old closed one")
    assert "Someone else" not in page
    assert "Still open" not in text(login(bystander).get("/c/open-practice/help/?state=all"))


def test_help_queue_filters_by_state(cast, facilitator_client):
    _ask(cast, subject="Waiting one")
    answered = _ask(cast, subject="Answered one")
    reply_to_help(answered, actor=cast.facilitator, body="Done")
    closed = _ask(cast, subject="Closed one")
    close_help(closed, actor=cast.facilitator)
    _ask(cast, community=cast.private, subject="Other community")

    def shown(query: str) -> str:
        response = facilitator_client.get(f"/c/open-practice/help/{query}")
        assert response.status_code == 200
        return text(response)

    default = shown("")
    assert "Waiting one" in default and "Answered one" not in default
    assert "Answered one" in shown("?state=answered")
    assert "Closed one" in shown("?state=closed") and "Waiting one" not in shown("?state=closed")
    everything = shown("?state=all")
    assert all(s in everything for s in ("Waiting one", "Answered one", "Closed one"))
    assert "Other community" not in everything
    assert "Waiting one" in shown("?state=nonsense&page=99999999999999999999")


def test_help_list_is_for_members_only(cast, client_for):
    assert client_for("anonymous").get("/c/open-practice/help/").status_code == 302
    assert client_for("anonymous").get("/c/closed-circle/help/").status_code == 404
    assert client_for("outsider").get("/c/open-practice/help/").status_code == 403
    assert client_for("outsider").get("/c/closed-circle/help/").status_code == 404
    assert client_for("staff").get("/c/open-practice/help/").status_code == 403
    assert client_for("other_member").get("/c/closed-circle/help/").status_code == 404
    for principal in ("member", "facilitator", "organizer"):
        assert client_for(principal).get("/c/closed-circle/help/").status_code == 200
    assert client_for("member").post("/c/open-practice/help/").status_code == 405


def test_help_queue_query_count_is_flat(cast, facilitator_client):
    def add(count):
        for number in range(count):
            asker = MembershipFactory(community=cast.public).user
            help_request = _ask(cast, actor=asker, subject=f"Question {number}")
            reply_to_help(help_request, actor=asker, body="More")

    _assert_flat(facilitator_client, "/c/open-practice/help/?state=all", 'class="help-row', add)


def test_help_member_list_query_count_is_flat(cast, member_client):
    def add(count):
        for number in range(count):
            _ask(cast, subject=f"Question {number}")

    _assert_flat(member_client, "/c/open-practice/help/", 'class="list-group-item', add)


# --- The layout's link ------------------------------------------------------------------------


def test_help_layout_link_for_members_carries_the_page(cast, member_client):
    page = text(member_client.get("/c/open-practice/members/?q=a"))
    assert "Ask the facilitators" in page
    assert f"/c/open-practice/help/new/?from={quote('/c/open-practice/members/?q=a', safe='')}" in (
        page
    )


def test_help_layout_link_for_facilitators_opens_the_queue(cast, facilitator_client):
    page = text(facilitator_client.get("/c/open-practice/"))
    assert 'href="/c/open-practice/help/"' in page


@pytest.mark.parametrize("principal", ["anonymous", "outsider", "staff"])
def test_help_layout_link_absent_for_non_members(cast, client_for, principal):
    page = text(client_for(principal).get("/c/open-practice/"))
    assert "Ask the facilitators" not in page
    assert "/help/" not in page


def test_help_layout_link_absent_for_suspended_members(cast, login):
    person = UserFactory()
    MembershipFactory(community=cast.public, user=person, state=Membership.State.SUSPENDED)
    assert "Ask the facilitators" not in text(login(person).get("/c/open-practice/"))


def test_help_ask_rate_limited_keeps_the_text(cast, member_client):
    cast.public.post_rate_limit = 1
    cast.public.save(update_fields=["post_rate_limit"])
    member_client.post("/c/open-practice/help/new/", {"subject": "One", "body": "First"})

    response = member_client.post("/c/open-practice/help/new/", {"subject": "Two", "body": "Kept"})

    assert response.status_code == 400
    assert "in the last minute" in text(response) and "Kept" in text(response)
    assert HelpRequest.objects.count() == 1


def test_help_staff_do_not_read_private_conversations(cast, client_for):
    help_request = _ask(cast, community=cast.private)
    staff = client_for("staff")
    assert staff.get("/c/closed-circle/help/").status_code == 403
    assert staff.get("/c/closed-circle/help/new/").status_code == 403
    assert staff.get(_url(help_request)).status_code == 404
    assert staff.get(_url(help_request, suffix="close/")).status_code == 404


def test_help_notifications_read_well_and_lead_to_the_request(cast, facilitator_client):
    help_request = _ask(cast)

    page = text(facilitator_client.get("/notifications/"))

    assert "Mateo Member asks the facilitators of Open Practice for help" in page
    notification = cast.facilitator.notifications.get()
    opened = facilitator_client.get(f"/notifications/{notification.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == help_request.get_absolute_url()
