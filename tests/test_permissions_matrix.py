"""The permission matrix (STYLE.md, "Tests"): every route × every principal → the expected answer.

`MATRIX` has one row per named URL pattern of the project (walked from the resolver, minus the
`EXCLUDED` routes that are not ours). A row gives, for GET and for the route's POST action, what
each principal of the cast (tests/conftest.py) gets. A new route without a row, or a row whose
route is gone, fails the suite.

Community routes run on both communities of the cast. A row's cells describe `cast.public`; on
`cast.private` the strangers (anonymous, outsider, member of another community) get 404 on every
page and action — the same answer as for a community that does not exist — and everyone else gets
what they get on the public one, unless the row spells out a "private" entry of its own.

Every case builds its own objects: `ROUTE_CALLS` makes, for one route, community and person, the
URL arguments and the POST body that would succeed.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from communities.models import Community, Invitation, JoinRequest, Membership, Notification
from documents import services as document_services
from documents.models import Document, Folder
from forums import services as forum_services
from forums.models import Attachment, Forum, Post, Thread
from tests.conftest import PRINCIPALS
from tests.factories import (
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(shared_cast):
    """The cast is built once for the module (tests/conftest.py, module_cast): every case runs
    in its own savepoint over it."""
    return shared_cast


# --- What a request can come back with -------------------------------------------------------

OK = 200
REDIRECT = 302  # a 302 elsewhere than the login page and with no error message: done
LOGIN = "302 to login"  # a 302 to the login page
REFUSED = "302 refused"  # a 302 carrying an error message: the rules refused the action
FORBIDDEN = 403
HIDDEN = 404
NOT_ALLOWED = 405

STRANGERS = ("anonymous", "outsider", "other_member")
MEMBERS = ("member", "facilitator", "organizer")
FACILITATORS = ("facilitator", "organizer")


def expect(default, **cells) -> dict[str, object]:
    """`default` for every principal, except the ones named."""
    unknown = set(cells) - set(PRINCIPALS)
    assert not unknown, f"not principals of the cast: {sorted(unknown)}"
    return {principal: cells.get(principal, default) for principal in PRINCIPALS}


def everyone(outcome) -> dict[str, object]:
    return expect(outcome)


def signed_in(outcome) -> dict[str, object]:
    """Login required: anonymous visitors are sent to log in, everyone else gets `outcome`."""
    return expect(outcome, anonymous=LOGIN)


def only(*allowed: str, then, others=FORBIDDEN) -> dict[str, object]:
    """Login required; `then` for the principals allowed, `others` (403) for the rest."""
    return expect(others, anonymous=LOGIN, **dict.fromkeys(allowed, then))


def hidden_from_strangers(cells: dict[str, object]) -> dict[str, object]:
    """The cells of a private community: 404 to those who may not know it exists."""
    return {**cells, **dict.fromkeys(STRANGERS, HIDDEN)}


# --- The matrix ------------------------------------------------------------------------------

MATRIX: dict[str, dict[str, dict]] = {
    # Site-wide pages.
    "healthz": {"GET": everyone(OK)},
    "home": {"GET": everyone(OK)},
    "notifications": {"GET": signed_in(OK)},
    "notifications_read_all": {"GET": signed_in(NOT_ALLOWED), "POST": signed_in(REDIRECT)},
    "notification_read": {"GET": signed_in(NOT_ALLOWED), "POST": signed_in(REDIRECT)},
    "notification_open": {"GET": signed_in(REDIRECT)},
    "profile": {"GET": signed_in(OK), "POST": signed_in(REDIRECT)},
    # Email: each person's preferences; the unsubscribe link works without logging in, for the
    # person and kind its signed token names (here the cast's member, mentions).
    "email_preferences": {"GET": signed_in(OK), "POST": signed_in(REDIRECT)},
    "email_unsubscribe": {"GET": everyone(OK), "POST": everyone(OK)},
    "digest_test": {"GET": signed_in(NOT_ALLOWED), "POST": signed_in(REDIRECT)},
    "set_language": {"GET": everyone(NOT_ALLOWED), "POST": everyone(REDIRECT)},
    # The set-up wizard: anyone signed in may start a community (the site's default setting);
    # /start/ opens the furthest step of their draft.
    "start": {"GET": signed_in(REDIRECT)},
    "start_step": {"GET": signed_in(OK), "POST": signed_in(REDIRECT)},
    "start_discard": {"GET": signed_in(OK), "POST": signed_in(REDIRECT)},
    # A community (cells for cast.public; see hidden_from_strangers for cast.private).
    "community": {"GET": everyone(OK)},
    "join": {
        # Members are sent back to the community; the rest see the form, then join (or ask to).
        "GET": expect(OK, anonymous=LOGIN, **dict.fromkeys(MEMBERS, REDIRECT)),
        "POST": expect(REDIRECT, anonymous=LOGIN),
    },
    # Nobody of the cast has a pending request: no one may withdraw a stranger's.
    "withdraw_request": {"GET": signed_in(NOT_ALLOWED), "POST": signed_in(HIDDEN)},
    "leave": {
        "GET": only(*MEMBERS, then=OK),
        # The organizer is the last one: told to appoint another first, and sent back.
        "POST": only("member", "facilitator", then=REDIRECT) | {"organizer": REFUSED},
    },
    "members": {"GET": only(*MEMBERS, "staff", then=OK)},
    "member_role": {"GET": signed_in(NOT_ALLOWED), "POST": only("organizer", then=REDIRECT)},
    "member_suspend": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "member_reinstate": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "member_silence": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "member_unsilence": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "join_requests": {"GET": only(*FACILITATORS, then=OK)},
    "join_request_decide": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "invitations": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "invitation_link": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "invitation_revoke": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "invitation_resend": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    # The token is what grants sight of the community, private or not: the holder of a usable
    # link sees the page; accepting sends anonymous visitors back to it, the others in.
    "invitation": {
        "GET": everyone(OK),
        "POST": everyone(REDIRECT),
        "private": {"GET": everyone(OK), "POST": everyone(REDIRECT)},
    },
    "community_settings": {
        "GET": only("organizer", then=OK),
        "POST": only("organizer", then=REDIRECT),
    },
    "audit_log": {"GET": only(*FACILITATORS, "staff", then=OK)},
    # Guidelines: published, everyone who sees the community reads them and their history;
    # facilitators draft them from the template (where there are none yet) and edit them.
    "guidelines": {"GET": everyone(OK)},
    "guidelines_start": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "guidelines_edit": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "guidelines_history": {"GET": everyone(OK)},
    # The facilitators' dashboard, its one-click starter threads and nudges, and exports.
    "facilitate": {"GET": only(*FACILITATORS, then=OK)},
    "facilitate_welcome": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "facilitate_introductions": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    # Nudging the cast's member (a friendly notification).
    "facilitate_nudge": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "export_members": {"GET": only(*FACILITATORS, then=OK)},
    "export_activity": {"GET": only(*FACILITATORS, then=OK)},
    # Closing a community (issue 16): organizers only, after a confirmation; reopening likewise.
    "community_close": {
        "GET": only("organizer", then=OK),
        "POST": only("organizer", then=REDIRECT),
    },
    "community_reopen": {
        "GET": only("organizer", then=OK),
        "POST": only("organizer", then=REDIRECT),
    },
    # Answers and summaries (issue 16): the asker or a moderator marks the answer of a question;
    # moderators write a thread's summary; its history is as public as the thread.
    "thread_answer": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only("member", *FACILITATORS, then=REDIRECT),
    },
    "thread_summary": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "thread_summary_history": {"GET": everyone(OK)},
    # A public community's new threads as Atom: a feed reader has no session, so a private
    # community's feed is 404 to everyone, its members included.
    "threads_feed": {
        "GET": everyone(OK),
        "private": {"GET": everyone(HIDDEN)},
    },
    # Curated knowledge (issue 16): members read published entries (members-only here),
    # facilitators promote and change them; the feed lists public entries only, and is 404
    # where the organizer has not allowed public knowledge (the cast's default).
    "knowledge": {"GET": everyone(OK)},
    "knowledge_entry": {"GET": expect(HIDDEN, **dict.fromkeys(MEMBERS, OK))},
    "knowledge_edit": {
        "GET": only(*FACILITATORS, then=OK, others=FORBIDDEN)
        | dict.fromkeys(("outsider", "other_member", "staff"), HIDDEN),
        "POST": only(*FACILITATORS, then=REDIRECT)
        | dict.fromkeys(("outsider", "other_member", "staff"), HIDDEN),
    },
    "knowledge_status": {
        "GET": expect(NOT_ALLOWED, anonymous=LOGIN),
        "POST": only(*FACILITATORS, then=REDIRECT)
        | dict.fromkeys(("outsider", "other_member", "staff"), HIDDEN),
    },
    "knowledge_promote": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "knowledge_promote_posts": {"GET": only(*FACILITATORS, then=OK)},
    "knowledge_feed": {"GET": everyone(HIDDEN)},
    # The help desk: members ask the facilitators; a request is a private conversation between
    # the member who asked (the cast's member) and the facilitators. Anyone else, staff
    # included, is not told it exists.
    "help_requests": {"GET": only(*MEMBERS, then=OK)},
    "help_ask": {"GET": only(*MEMBERS, then=OK), "POST": only(*MEMBERS, then=REDIRECT)},
    "help_request": {
        "GET": only(*MEMBERS, then=OK, others=HIDDEN),
        "POST": only(*MEMBERS, then=REDIRECT, others=HIDDEN),
    },
    "help_close": {
        "GET": only(*MEMBERS, then=OK, others=HIDDEN),
        "POST": only(*MEMBERS, then=REDIRECT, others=HIDDEN),
    },
    # A closed request of the member's.
    "help_reopen": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*MEMBERS, then=REDIRECT, others=HIDDEN),
    },
    # Forums: anyone who sees the community reads them; members post and react; facilitators
    # open, edit and order the forums.
    "forum_list": {
        "GET": everyone(OK),
        # Not a login page: the form is only there for facilitators, so anyone else is refused.
        "POST": expect(FORBIDDEN, **dict.fromkeys(FACILITATORS, REDIRECT)),
    },
    "forum": {"GET": everyone(OK)},
    "forum_edit": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "forum_move": {"GET": signed_in(NOT_ALLOWED), "POST": only(*FACILITATORS, then=REDIRECT)},
    "thread_new": {"GET": only(*MEMBERS, then=OK), "POST": only(*MEMBERS, then=REDIRECT)},
    "forum_subscription": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*MEMBERS, then=REDIRECT),
    },
    "latest": {"GET": everyone(OK)},
    "thread": {"GET": everyone(OK)},
    "thread_reply": {"GET": signed_in(NOT_ALLOWED), "POST": only(*MEMBERS, then=REDIRECT)},
    "thread_subscription": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*MEMBERS, then=REDIRECT),
    },
    # The lasting address of a post sends everyone who may read it to its page of the thread.
    "post": {"GET": everyone(REDIRECT)},
    # Each member edits a post of their own here (someone else's: POST_EDIT_OF_ANOTHER).
    "post_edit": {"GET": only(*MEMBERS, then=OK), "POST": only(*MEMBERS, then=REDIRECT)},
    "post_revisions": {"GET": everyone(OK)},
    "post_react": {"GET": signed_in(NOT_ALLOWED), "POST": only(*MEMBERS, then=REDIRECT)},
    "mention_suggestions": {"GET": only(*MEMBERS, then=OK)},
    "attachment": {"GET": everyone(OK)},
    # Moderation: members flag others' posts; facilitators hide, restore, dismiss flags,
    # approve held posts, use the thread tools and read the review queue.
    "post_flag": {"GET": only(*MEMBERS, then=OK), "POST": only(*MEMBERS, then=REDIRECT)},
    "post_hide": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "post_restore": {"GET": signed_in(NOT_ALLOWED), "POST": only(*FACILITATORS, then=REDIRECT)},
    "post_dismiss_flags": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "post_approve": {"GET": signed_in(NOT_ALLOWED), "POST": only(*FACILITATORS, then=REDIRECT)},
    "thread_tools": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "moderation_queue": {"GET": only(*FACILITATORS, then=OK)},
    # The document library: anyone who sees the community reads and downloads; members upload,
    # make folders and change their own documents (another's: CHANGE_OF_ANOTHER); the cases
    # below act on folders and documents of the member, so facilitators may change them too.
    # Staff oversee read-only: they read everything but upload nothing, and see no trash.
    "documents": {"GET": everyone(OK)},
    "documents_folder": {"GET": everyone(OK)},
    "document_upload": {"GET": only(*MEMBERS, then=OK), "POST": only(*MEMBERS, then=REDIRECT)},
    "documents_trash": {"GET": only(*MEMBERS, then=OK)},
    "folder_new": {"GET": only(*MEMBERS, then=OK), "POST": only(*MEMBERS, then=REDIRECT)},
    "folder_edit": {"GET": only(*MEMBERS, then=OK), "POST": only(*MEMBERS, then=REDIRECT)},
    "folder_delete": {"GET": only(*MEMBERS, then=OK), "POST": only(*MEMBERS, then=REDIRECT)},
    "document": {"GET": everyone(OK)},
    "document_edit": {"GET": only(*MEMBERS, then=OK), "POST": only(*MEMBERS, then=REDIRECT)},
    "document_download": {"GET": everyone(OK)},
    "document_thumbnail": {"GET": everyone(OK)},
    "document_page": {"GET": everyone(OK)},
    "document_version_download": {"GET": everyone(OK)},
    # GET asks for confirmation.
    "document_trash": {"GET": only(*MEMBERS, then=OK), "POST": only(*MEMBERS, then=REDIRECT)},
    # A trashed document of the member: those who may not upload are refused (403) before the
    # document is looked up, so they learn nothing of what the trash holds.
    "document_restore": {"GET": signed_in(NOT_ALLOWED), "POST": only(*MEMBERS, then=REDIRECT)},
    "document_version_new": {
        "GET": only(*MEMBERS, then=OK),
        "POST": only(*MEMBERS, then=REDIRECT),
    },
    "document_version_restore": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*MEMBERS, then=REDIRECT),
    },
    # Search: the site-wide page searches what each person may see; a community's, that one.
    "search": {"GET": everyone(OK)},
    "community_search": {"GET": everyone(OK)},
    # Assessments: members answer the open cycles, read the results shared with them, and
    # write and read value stories; facilitators build the surveys, schedule the cycles, read
    # and export every result, share them and feature stories; organizers alone read the value
    # report. Those who are no members (staff included) see none of it: 403 where the rules
    # refuse the action, 404 where the cycle is one they may not know of.
    "assessments": {"GET": only(*MEMBERS, then=OK)},
    "survey_new": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "survey": {"GET": only(*FACILITATORS, then=OK)},
    "survey_edit": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "survey_preview": {"GET": only(*FACILITATORS, then=OK)},
    "section_new": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "section_edit": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "section_move": {"GET": signed_in(NOT_ALLOWED), "POST": only(*FACILITATORS, then=REDIRECT)},
    "section_delete": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "question_new": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "question_edit": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "question_move": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "question_delete": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "cycle_new": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    # An open cycle: every member answers it (facilitators and organizers are members too);
    # to the others it is a cycle they may not know of.
    "cycle": {
        "GET": only(*MEMBERS, then=OK, others=HIDDEN),
        "POST": only(*MEMBERS, then=REDIRECT, others=HIDDEN),
    },
    "cycle_edit": {
        "GET": only(*FACILITATORS, then=OK),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    # A closed cycle whose results are shared: members read them too.
    "cycle_results": {"GET": only(*MEMBERS, then=OK, others=HIDDEN)},
    "cycle_share": {"GET": signed_in(NOT_ALLOWED), "POST": only(*FACILITATORS, then=REDIRECT)},
    "cycle_export": {"GET": only(*FACILITATORS, then=OK)},
    "cycle_aggregates": {"GET": only(*FACILITATORS, then=OK)},
    "survey_trends": {"GET": only(*FACILITATORS, then=OK)},
    "value_stories": {"GET": only(*MEMBERS, then=OK)},
    "value_story_new": {
        "GET": only(*MEMBERS, then=OK),
        "POST": only(*MEMBERS, then=REDIRECT),
    },
    "value_story": {"GET": only(*MEMBERS, then=OK)},
    # A story of the member's: its author edits it, and facilitators any story.
    "value_story_edit": {
        "GET": only(*MEMBERS, then=OK),
        "POST": only(*MEMBERS, then=REDIRECT),
    },
    "value_story_feature": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*FACILITATORS, then=REDIRECT),
    },
    "value_report": {"GET": only("organizer", then=OK)},
    "value_report_pdf": {"GET": only("organizer", then=OK)},
}

# Editing a post written by another member: only moderators may (cells for cast.public).
POST_EDIT_OF_ANOTHER = {
    "GET": only(*FACILITATORS, then=OK),
    "POST": only(*FACILITATORS, then=REDIRECT),
}

# Changing a folder or document of another member: only facilitators may (cells for
# cast.public; test_matrix_change_of_someone_elses_document covers cast.private too).
_FACILITATORS_CHANGE = {
    "GET": only(*FACILITATORS, then=OK),
    "POST": only(*FACILITATORS, then=REDIRECT),
}
_FACILITATORS_ACT = {
    "GET": signed_in(NOT_ALLOWED),
    "POST": only(*FACILITATORS, then=REDIRECT),
}
CHANGE_OF_ANOTHER = {
    "folder_edit": _FACILITATORS_CHANGE,
    "folder_delete": _FACILITATORS_CHANGE,
    "document_edit": _FACILITATORS_CHANGE,
    "document_trash": _FACILITATORS_CHANGE,
    "document_version_new": _FACILITATORS_CHANGE,
    "document_version_restore": _FACILITATORS_ACT,
    # Another's trashed document is out of the member's sight (404), as in the trash list.
    "document_restore": {
        "GET": signed_in(NOT_ALLOWED),
        "POST": only(*FACILITATORS, then=REDIRECT) | {"member": HIDDEN},
    },
}

# A document in the trash shows to those who may restore it only: its uploader (the member)
# and facilitators. Everyone else, staff included, gets 404 as for a document that is gone.
TRASHED_DOCUMENT = {
    "GET": expect(HIDDEN, **dict.fromkeys(MEMBERS, OK)),
}

# --- Routes that are not ours to put in the matrix -------------------------------------------

EXCLUDED = {
    "admin": "Django's admin site (namespace `admin:`): staff only, guarded by the admin itself",
    "allauth": "allauth's own views under /accounts/ (log in, sign up, password, email): meant "
    "for anonymous visitors and tested in tests/accounts/; our profile and set_language stay in",
    "media": "avatars by their exact stored name: only a name that is somebody's stored avatar "
    "is served, inert, as public as the avatars the pages show; tested in "
    "tests/core/test_security.py",
}


def exclusion_of(route: dict) -> str | None:
    """The EXCLUDED key that covers a route, or None when it must have a row."""
    if route["name"].startswith("admin:"):
        return "admin"
    if route["route"].startswith("accounts/") and route["module"].startswith("allauth."):
        return "allauth"
    if route["name"] == "media" and route["module"] == "accounts.views":
        return "media"
    return None


def all_routes() -> list[dict]:
    """Every URL pattern of the project: its route string, full name and view module."""
    routes: list[dict] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                routes.append(
                    {
                        "route": route,
                        # A route without a name is keyed by its string: it fails until named.
                        "name": f"{namespace}{pattern.name or route}",
                        "module": getattr(pattern.callback, "__module__", "") or "",
                    }
                )

    walk(get_resolver().url_patterns, "", "")
    return routes


def matrix_routes() -> dict[str, str]:
    """{name: route string} of the routes that must have a row."""
    return {r["name"]: r["route"] for r in all_routes() if exclusion_of(r) is None}


ROUTES = matrix_routes()
COMMUNITY_ROUTES = sorted(name for name, route in ROUTES.items() if "<slug:slug>" in route)

# --- How to call each route so that its action would succeed ---------------------------------


@dataclass
class Call:
    kwargs: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    # The query string of a GET (e.g. which thread to promote).
    query: str = ""


def _plain(cast, community, person) -> Call:
    return Call()


def _community(cast, community, person) -> Call:
    return Call({"slug": community.slug})


def _own_notification(cast, community, person) -> Call:
    # Anonymous visitors are sent to log in before the notification is looked up.
    recipient = person or cast.member
    notification = Notification.objects.create(recipient=recipient, verb="x", summary="y", url="/")
    return Call({"notification_id": notification.pk})


def _profile(cast, community, person) -> Call:
    return Call(
        data={
            "display_name": "A new name",
            "organization": "Another organisation",
            "discipline": "Urban planning",
            "sector": "academic",
            "bio": "",
            "language": "en",
            "time_zone": "Europe/Paris",
            "digest_frequency": "daily",
        }
    )


def _join(cast, community, person) -> Call:
    # Open communities ignore the message; the private one takes it as a join request.
    return Call({"slug": community.slug}, {"message": "I teach geometry and want to learn more."})


def _withdraw(cast, community, person) -> Call:
    JoinRequestFactory(community=community)  # someone else's pending request
    return Call({"slug": community.slug})


def _email_preferences(cast, community, person) -> Call:
    from communities import emails

    data = {"digest_frequency": "daily", "time_zone": "Europe/Paris", "language": "fr"}
    data |= {f"kind_{kind.name}": kind.default for kind in emails.KINDS.values()}
    return Call(data=data)


def _unsubscribe(cast, community, person) -> Call:
    from communities import emails

    return Call({"token": emails.unsubscribe_token(cast.member, "mentions")})


def _wizard_step(cast, community, person) -> Call:
    data = {
        "name": "Heritage keepers",
        "theme": "Restoring listed buildings together",
        "practice": "Architects, masons and planners.",
        "language": "en",
        "action": "next",
    }
    return Call({"step": 1}, data)


def _wizard_draft(cast, community, person) -> Call:
    from facilitation.wizard.drafts import save_step

    if person is not None:
        save_step(actor=person, number=1, answers={"name": "Heritage keepers"}, advance=True)
    return Call()


def _starter_thread(cast, community, person) -> Call:
    forum = _forum(community, cast)
    data = {"forum": forum.pk, "title": "Welcome!", "body": "Tell us about your practice."}
    return Call({"slug": community.slug}, data)


def _published_guidelines(cast, community, person, data=None) -> Call:
    from facilitation.guidelines.services import publish_guidelines, start_guidelines

    publish_guidelines(start_guidelines(community, actor=cast.organizer), actor=cast.organizer)
    return Call({"slug": community.slug}, data or {})


def _help_request(cast, community, person, data=None, *, closed=False) -> Call:
    from communities.services import ask_for_help, close_help

    asked = ask_for_help(
        community, actor=cast.member, subject="The upload button", body="It does nothing."
    )
    if closed:
        close_help(asked, actor=cast.member)
    return Call({"slug": community.slug, "request_id": asked.pk}, data or {})


def _plain_member(community, cast) -> Membership:
    return Membership.objects.get(community=community, user=cast.member)


def _role(cast, community, person) -> Call:
    target = _plain_member(community, cast)
    return Call({"slug": community.slug, "membership_id": target.pk}, {"role": "facilitator"})


def _suspend(cast, community, person) -> Call:
    target = _plain_member(community, cast)
    return Call({"slug": community.slug, "membership_id": target.pk}, {"reason": "spam"})


def _reinstate(cast, community, person) -> Call:
    target = MembershipFactory(
        community=community, state=Membership.State.SUSPENDED, suspended_reason="spam"
    )
    return Call({"slug": community.slug, "membership_id": target.pk})


def _silence(cast, community, person) -> Call:
    target = _plain_member(community, cast)
    data = {"reason": "spam", "days": "3"}
    return Call({"slug": community.slug, "membership_id": target.pk}, data)


def _unsilence(cast, community, person) -> Call:
    from datetime import timedelta

    from django.utils import timezone

    target = MembershipFactory(
        community=community,
        silenced_until=timezone.now() + timedelta(days=3),
        silenced_reason="spam",
    )
    return Call({"slug": community.slug, "membership_id": target.pk})


def _decide(cast, community, person) -> Call:
    join_request = JoinRequestFactory(community=community)
    return Call({"slug": community.slug, "request_id": join_request.pk}, {"decision": "approve"})


def _invite(cast, community, person) -> Call:
    return Call({"slug": community.slug}, {"emails": "newcomer@example.net", "role": "member"})


def _invitation_link(cast, community, person) -> Call:
    return Call({"slug": community.slug}, {"role": "member", "days": "7", "max_uses": "5"})


def _email_invitation(cast, community, person) -> Call:
    invitation = InvitationFactory(community=community, created_by=cast.organizer)
    return Call({"slug": community.slug, "invitation_id": invitation.pk})


def _link_invitation(cast, community, person) -> Call:
    invitation = InvitationFactory(
        community=community,
        kind=Invitation.Kind.LINK,
        email="",
        max_uses=10,
        created_by=cast.organizer,
    )
    return Call({"slug": community.slug, "token": invitation.token})


def _settings(cast, community, person) -> Call:
    data = {
        "name": "Renamed community",
        "slug": community.slug,
        "theme": community.theme,
        "description": community.description,
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "language": community.language,
        "status": community.status,
        "flag_threshold": community.flag_threshold,
        "premoderated_posts": community.premoderated_posts,
        "post_rate_limit": community.post_rate_limit,
        "core_threshold": community.core_threshold,
        "active_threshold": community.active_threshold,
        "occasional_threshold": community.occasional_threshold,
        "flag_rate_limit": community.flag_rate_limit,
    }
    return Call({"slug": community.slug}, data)


def _forum(community, cast, slug: str = "lesson-studies") -> Forum:
    return forum_services.create_forum(
        community, actor=cast.organizer, name=f"Forum {slug}", slug=slug
    )


def _thread(community, cast, author=None) -> Thread:
    return forum_services.start_thread(
        _forum(community, cast),
        actor=author or cast.member,
        title="How do you open a lesson?",
        body="With a question the class cares about.",
    )


def _first_post(community, cast, author=None) -> Post:
    return _thread(community, cast, author).posts.get(number=1)


def _forum_args(forum: Forum) -> dict:
    return {"slug": forum.community.slug, "forum_slug": forum.slug}


def _new_forum(cast, community, person) -> Call:
    return Call({"slug": community.slug}, {"name": "Lesson studies", "slug": "", "description": ""})


def _a_forum(cast, community, person) -> Call:
    return Call(_forum_args(_forum(community, cast)))


def _forum_edit(cast, community, person) -> Call:
    forum = _forum(community, cast)
    return Call(_forum_args(forum), {"name": "Lesson study", "slug": forum.slug, "description": ""})


def _forum_move(cast, community, person) -> Call:
    _forum(community, cast, "first")
    return Call(_forum_args(_forum(community, cast, "second")), {"to": "up"})


def _thread_new(cast, community, person) -> Call:
    data = {"title": "A question on feedback", "body": "What do you write in the margins?"}
    return Call(_forum_args(_forum(community, cast)), data)


def _forum_subscription(cast, community, person) -> Call:
    return Call(_forum_args(_forum(community, cast)), {"level": "watching"})


def _with_a_thread(cast, community, person) -> Call:
    _thread(community, cast)
    return Call({"slug": community.slug})


def _a_thread(cast, community, person, data=None) -> Call:
    thread = _thread(community, cast)
    return Call({"slug": community.slug, "thread_id": thread.pk}, data or {})


def _a_post(cast, community, person, data=None, author=None) -> Call:
    post = _first_post(community, cast, author)
    return Call({"slug": community.slug, "post_id": post.pk}, data or {})


def _own_post_edit(cast, community, person) -> Call:
    # Members edit a post of their own; the others (who write none here) one by a member.
    author = person if person in (cast.member, cast.facilitator, cast.organizer) else None
    return _a_post(cast, community, person, {"body": "With a question, and a pause."}, author)


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 3), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def _attachment(cast, community, person) -> Call:
    from django.core.files.base import ContentFile

    post = _first_post(community, cast)
    content = _png()
    item = Attachment(
        post=post,
        community=community,
        uploader=cast.member,
        name="board.png",
        size=len(content),
        content_type="image/png",
        sha256="0" * 64,
    )
    item.file.save("forums/board.png", ContentFile(content), save=False)
    item.save()
    return Call({"slug": community.slug, "attachment_id": item.pk})


def _post_of_another(community, cast) -> Post:
    """The first post of a thread by a member who is none of the cast (anyone may flag it)."""
    return _first_post(community, cast, MembershipFactory(community=community).user)


def _post_args(post: Post, data: dict | None = None) -> Call:
    return Call({"slug": post.thread.community.slug, "post_id": post.pk}, data or {})


def _flag(cast, community, person) -> Call:
    return _post_args(_post_of_another(community, cast), {"reason": "spam"})


def _hide(cast, community, person) -> Call:
    return _post_args(_post_of_another(community, cast), {"reason": "Off-topic advertising."})


def _restore(cast, community, person) -> Call:
    post = _post_of_another(community, cast)
    forum_services.hide_post(post, actor=cast.facilitator, reason="Advertising.")
    return _post_args(post)


def _dismiss_flags(cast, community, person) -> Call:
    post = _post_of_another(community, cast)
    forum_services.flag_post(post, actor=UserFactory(), reason="spam")
    return _post_args(post)


def _approve(cast, community, person) -> Call:
    # A newcomer's first post, held for approval.
    Community.objects.filter(pk=community.pk).update(premoderated_posts=1)
    community.refresh_from_db()
    post = _post_of_another(community, cast)
    assert post.is_pending
    return _post_args(post)


def _text_file(name: str = "notes.txt", content: bytes = b"Notes on the first lesson.\n"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/plain")


def _folder(community, cast, owner=None) -> Folder:
    return document_services.create_folder(
        community, parent=None, name="Lesson plans", actor=owner or cast.member
    )


def _document(community, cast, owner=None, name="notes.txt", content=None) -> Document:
    """A live document uploaded by the member (or `owner`)."""
    from django.core.files.base import ContentFile

    content = content or f"Notes on the lesson in {community.name}.\n".encode()
    uploaded = document_services.upload_document(
        community, upload=ContentFile(content, name=name), actor=owner or cast.member
    )
    return uploaded.document


def _document_args(document: Document, **extra) -> dict:
    return {"slug": document.community.slug, "document_id": document.pk, **extra}


def _upload(cast, community, person) -> Call:
    return Call({"slug": community.slug}, {"files": _text_file()})


def _a_folder(cast, community, person, data=None, owner=None) -> Call:
    folder = _folder(community, cast, owner)
    return Call({"slug": community.slug, "folder_id": folder.pk}, data or {})


def _a_document(cast, community, person, data=None, owner=None) -> Call:
    return Call(_document_args(_document(community, cast, owner)), data or {})


def _document_edit(cast, community, person, owner=None) -> Call:
    data = {"title": "Observation notes", "description": "Round one.", "tags": "x", "folder": ""}
    return _a_document(cast, community, person, data, owner)


def _image_document(cast, community, person) -> Call:
    """An image with its thumbnail. The task runs on commit, and a test's transaction never
    commits: so it is run here."""
    from documents.tasks import process_version

    document = _document(community, cast, name="board.png", content=_png())
    assert process_version(document.current_version_id)
    document.current_version.refresh_from_db()
    assert document.current_version.thumbnail
    return Call(_document_args(document))


def _pdf_document(cast, community, person) -> Call:
    """A PDF with its first page drawn as an image (the task is run here, as for images)."""
    from documents.demo import pdf_bytes
    from documents.tasks import process_version

    content = pdf_bytes("Observation protocol", ["Notice what pupils say."])
    document = _document(community, cast, name="protocol.pdf", content=content)
    assert process_version(document.current_version_id)
    document.current_version.refresh_from_db()
    assert document.current_version.preview_pages
    return Call(_document_args(document, number=1))


def _trashed_document(cast, community, person, owner=None) -> Call:
    document = _document(community, cast, owner)
    document_services.trash_document(document, actor=owner or cast.member)
    return Call(_document_args(document))


def _with_a_trashed_document(cast, community, person) -> Call:
    _trashed_document(cast, community, person)
    return Call({"slug": community.slug})


def _version_new(cast, community, person, owner=None) -> Call:
    data = {"file": _text_file(content=b"Notes, second round.\n"), "note": "Second round"}
    return _a_document(cast, community, person, data, owner)


def _version_download(cast, community, person) -> Call:
    return Call(_document_args(_document(community, cast), number=1))


def _version_restore(cast, community, person, owner=None) -> Call:
    from django.core.files.base import ContentFile

    document = _document(community, cast, owner)
    document_services.add_version(
        document,
        upload=ContentFile(b"Notes, second round.\n", name="notes.txt"),
        actor=cast.member,
    )
    return Call(_document_args(document, number=1))


# --- Assessments -----------------------------------------------------------------------------

_DATETIME = "%Y-%m-%dT%H:%M"  # assessments.forms.cycles.FORMAT


def _moment(value) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime(_DATETIME)


def _survey(community):
    from tests.assessments.factories import make_survey

    return make_survey(community)


def _latest_revision(survey):
    return survey.revisions.order_by("-number").first()


def _first_section(survey):
    return _latest_revision(survey).sections.order_by("position", "pk").first()


def _first_question(survey):
    return _first_section(survey).questions.order_by("position", "pk").first()


def _survey_args(survey, **extra) -> dict:
    return {"slug": survey.community.slug, "survey_id": survey.pk, **extra}


def _survey_new(cast, community, person) -> Call:
    data = {"start": "blank", "title": "Our yearly pulse", "description": "How are we doing?"}
    return Call({"slug": community.slug}, data)


def _a_survey(cast, community, person, data=None) -> Call:
    return Call(_survey_args(_survey(community)), data or {})


def _survey_edit(cast, community, person) -> Call:
    return _a_survey(cast, community, person, {"title": "Pulse, renamed", "description": "x"})


def _section_new(cast, community, person) -> Call:
    return _a_survey(cast, community, person, {"title": "Our practice", "description": ""})


def _a_section(cast, community, person, data=None) -> Call:
    survey = _survey(community)
    return Call(_survey_args(survey, section_id=_first_section(survey).pk), data or {})


def _section_move(cast, community, person) -> Call:
    from assessments.models import Section

    survey = _survey(community)
    Section.objects.create(revision=_latest_revision(survey), position=1, title="Next steps")
    # The first of two sections, moved down.
    data = {"direction": "down"}
    return Call(_survey_args(survey, section_id=_first_section(survey).pk), data)


def _question_data(section) -> dict:
    return {
        "section": section.pk,
        "kind": "likert",
        "text": "Do you feel heard?",
        "help_text": "",
        "required": "on",
        "low_label": "Not at all",
        "high_label": "A great deal",
        "options": "",
        "value_cycle": "immediate",
    }


def _question_new(cast, community, person) -> Call:
    survey = _survey(community)
    return Call(_survey_args(survey), _question_data(_first_section(survey)))


def _a_question(cast, community, person, data=None) -> Call:
    survey = _survey(community)
    return Call(_survey_args(survey, question_id=_first_question(survey).pk), data or {})


def _question_edit(cast, community, person) -> Call:
    survey = _survey(community)
    question = _first_question(survey)
    data = _question_data(question.section)
    return Call(_survey_args(survey, question_id=question.pk), data)


def _cycle_data(title: str, opens_at, closes_at, anonymous=True, results_shared=False) -> dict:
    data = {
        "title": title,
        "opens_at": _moment(opens_at),
        "closes_at": _moment(closes_at),
        "recurrence": "",
    }
    if anonymous:
        data["anonymous"] = "on"
    if results_shared:
        data["results_shared"] = "on"
    return data


def _cycle_new(cast, community, person) -> Call:
    from datetime import timedelta

    from django.utils import timezone

    opens_at = timezone.now() + timedelta(days=1)
    data = _cycle_data("Spring pulse", opens_at, opens_at + timedelta(days=14))
    return Call(_survey_args(_survey(community)), data)


def _open_cycle(community):
    from tests.assessments.factories import make_cycle

    return make_cycle(_survey(community))


def _with_an_open_cycle(cast, community, person) -> Call:
    _open_cycle(community)
    return Call({"slug": community.slug})


def _cycle_args(cycle) -> dict:
    return {"slug": cycle.community.slug, "cycle_id": cycle.pk}


def _answers(cycle) -> dict:
    """The answer form's fields (q<id>) for the required questions of the cycle."""
    values = {"Useful?": "4", "Trust?": "3", "Role?": "Teacher", "Anything else?": "More time."}
    return {f"q{q.pk}": values[q.text] for q in cycle.revision.questions.all()}


def _a_cycle(cast, community, person) -> Call:
    cycle = _open_cycle(community)
    return Call(_cycle_args(cycle), _answers(cycle))


def _cycle_edit(cast, community, person) -> Call:
    cycle = _open_cycle(community)
    data = _cycle_data(
        "Pulse, renamed", cycle.opens_at, cycle.closes_at, cycle.anonymous, cycle.results_shared
    )
    return Call(_cycle_args(cycle), data)


def _results_cycle(community, cast, results_shared=True):
    """A closed cycle answered by the three members of the cast (enough for results to show)."""
    from datetime import timedelta

    from tests.assessments.factories import answer, make_cycle

    cycle = make_cycle(
        _survey(community), started_days_ago=30, days_open=10, results_shared=results_shared
    )
    answered = cycle.opens_at + timedelta(hours=1)
    for n, person in enumerate((cast.member, cast.facilitator, cast.organizer)):
        by_text = {"Useful?": 3 + n % 2, "Trust?": 4, "Role?": "Teacher"}
        answer(cycle, person, by_text, now=answered)
    return cycle


def _cycle_results(cast, community, person) -> Call:
    return Call(_cycle_args(_results_cycle(community, cast)))


def _cycle_share(cast, community, person) -> Call:
    cycle = _results_cycle(community, cast, results_shared=False)
    return Call(_cycle_args(cycle), {"shared": "1"})


def _survey_trends(cast, community, person) -> Call:
    cycle = _results_cycle(community, cast)
    return Call(_survey_args(cycle.survey))


_STORY = {
    "title": "A lesson study that travelled",
    "happened": "Two schools tried the protocol we wrote together.",
    "changed": "Pupils now explain their reasoning aloud.",
    "for_whom": "Year 5 classes",
}


def _story(community, author):
    from datetime import date

    from assessments.services.stories import create_story

    return create_story(
        community,
        actor=author,
        value_cycles=["immediate", "applied"],
        happened_on=date(2024, 3, 1),
        **_STORY,
    )


def _story_data() -> dict:
    return {**_STORY, "value_cycles": ["potential", "applied"], "happened_on": "2024-04-02"}


def _with_a_story(cast, community, person) -> Call:
    _story(community, cast.member)
    return Call({"slug": community.slug})


def _value_story_new(cast, community, person) -> Call:
    return Call({"slug": community.slug}, _story_data())


def _a_story(cast, community, person, data=None) -> Call:
    story = _story(community, cast.member)
    return Call({"slug": community.slug, "story_id": story.pk}, data or {})


def _value_story_edit(cast, community, person) -> Call:
    data = {**_story_data(), "title": "A lesson study that travelled far"}
    return _a_story(cast, community, person, data)


def _value_report(cast, community, person) -> Call:
    _story(community, cast.member)
    return Call({"slug": community.slug})


def _closed_community(cast, community, person) -> Call:
    from communities.services.communities import close_community

    close_community(community, actor=cast.organizer)
    return Call({"slug": community.slug})


def _question(cast, community, person) -> Call:
    """A question of the member's in a questions forum, with a facilitator's reply to mark."""
    forum = forum_services.create_forum(
        community, actor=cast.organizer, name="Questions", slug="questions", kind="questions"
    )
    thread = forum_services.start_thread(
        forum, actor=cast.member, title="How do you open a lesson?", body="Any tips?"
    )
    reply = forum_services.reply(thread, actor=cast.facilitator, body="With a puzzle.")
    return Call({"slug": community.slug, "thread_id": thread.pk}, {"post": reply.pk})


def _knowledge_entry(cast, community, person, data=None) -> Call:
    from tests.facilitation.knowledge_helpers import entry_of

    entry = entry_of(community, cast.facilitator)
    return Call({"slug": community.slug, "entry_id": entry.pk}, data or {})


def _knowledge_edit(cast, community, person) -> Call:
    data = {
        "title": "Opening a lesson",
        "summary": "Start with a question the class cares about.",
        "tags": "lessons",
        "steward": cast.facilitator.pk,
        "review_on": "2030-01-01",
        "status": "published",
        "visibility": "members",
    }
    return _knowledge_entry(cast, community, person, data)


def _knowledge_promote(cast, community, person) -> Call:
    thread = _thread(community, cast)
    data = {
        "thread": thread.pk,
        "title": "Opening a lesson",
        "summary": "Start with a question.",
        "tags": "lessons",
        "steward": cast.facilitator.pk,
        "review_on": "2030-01-01",
        "status": "draft",
        "visibility": "members",
    }
    return Call({"slug": community.slug}, data, query=f"thread={thread.pk}")


ROUTE_CALLS: dict[str, Callable[..., Call]] = {
    "healthz": _plain,
    "home": _plain,
    "notifications": _plain,
    "notifications_read_all": _plain,
    "notification_read": _own_notification,
    "notification_open": _own_notification,
    "profile": _profile,
    "set_language": lambda cast, community, person: Call(data={"language": "fr", "next": "/"}),
    "community": _community,
    "join": _join,
    "withdraw_request": _withdraw,
    "leave": _community,
    "members": _community,
    "member_role": _role,
    "member_suspend": _suspend,
    "member_reinstate": _reinstate,
    "member_silence": _silence,
    "member_unsilence": _unsilence,
    "join_requests": _community,
    "join_request_decide": _decide,
    "invitations": _invite,
    "invitation_link": _invitation_link,
    "invitation_revoke": _email_invitation,
    "invitation_resend": _email_invitation,
    "invitation": _link_invitation,
    "community_settings": _settings,
    "audit_log": _community,
    "forum_list": _new_forum,
    "forum": _a_forum,
    "forum_edit": _forum_edit,
    "forum_move": _forum_move,
    "thread_new": _thread_new,
    "forum_subscription": _forum_subscription,
    "latest": _with_a_thread,
    "thread": _a_thread,
    "thread_reply": lambda cast, community, person: _a_thread(
        cast, community, person, {"body": "Thanks, I will try it on Monday."}
    ),
    "thread_subscription": lambda cast, community, person: _a_thread(
        cast, community, person, {"level": "muted"}
    ),
    "post": _a_post,
    "post_edit": _own_post_edit,
    "post_revisions": _a_post,
    "post_react": lambda cast, community, person: _a_post(
        cast, community, person, {"kind": "heart"}
    ),
    "mention_suggestions": _community,
    "attachment": _attachment,
    "post_flag": _flag,
    "post_hide": _hide,
    "post_restore": _restore,
    "post_dismiss_flags": _dismiss_flags,
    "post_approve": _approve,
    "thread_tools": lambda cast, community, person: _a_thread(
        cast, community, person, {"action": "lock"}
    ),
    "moderation_queue": _community,
    "documents": _community,
    "documents_folder": _a_folder,
    "document_upload": _upload,
    "documents_trash": _with_a_trashed_document,
    "folder_new": lambda cast, community, person: Call(
        {"slug": community.slug}, {"name": "Observation protocols"}
    ),
    "folder_edit": lambda cast, community, person: _a_folder(
        cast, community, person, {"name": "Lesson studies"}
    ),
    "folder_delete": _a_folder,
    "document": _a_document,
    "document_edit": _document_edit,
    "document_download": _a_document,
    "document_thumbnail": _image_document,
    "document_page": _pdf_document,
    "document_version_download": _version_download,
    "document_trash": _a_document,
    "document_restore": _trashed_document,
    "document_version_new": _version_new,
    "document_version_restore": _version_restore,
    "email_preferences": _email_preferences,
    "email_unsubscribe": _unsubscribe,
    "digest_test": _plain,
    "start": _plain,
    "start_step": _wizard_step,
    "start_discard": _wizard_draft,
    "guidelines": _published_guidelines,
    "guidelines_start": _community,
    "guidelines_edit": lambda cast, community, person: _published_guidelines(
        cast, community, person, {"body": "Be kind; cite your sources.", "note": "Shorter"}
    ),
    "guidelines_history": _published_guidelines,
    "export_members": _community,
    "export_activity": _community,
    "facilitate": _community,
    "facilitate_welcome": _starter_thread,
    "facilitate_introductions": _starter_thread,
    "facilitate_nudge": lambda cast, community, person: Call(
        {"slug": community.slug, "user_id": cast.member.pk},
        {"message": "We miss your questions!"},
    ),
    "community_close": lambda cast, community, person: Call(
        {"slug": community.slug}, {"confirm": "on"}
    ),
    "community_reopen": _closed_community,
    "thread_answer": _question,
    "thread_summary": lambda cast, community, person: _a_thread(
        cast, community, person, {"body": "We agreed to **open with a puzzle**."}
    ),
    "thread_summary_history": _a_thread,
    "threads_feed": _with_a_thread,
    "knowledge": lambda cast, community, person: Call(
        {"slug": community.slug} if _knowledge_entry(cast, community, person) else {}
    ),
    "knowledge_entry": _knowledge_entry,
    "knowledge_edit": _knowledge_edit,
    "knowledge_status": lambda cast, community, person: _knowledge_entry(
        cast, community, person, {"action": "retire"}
    ),
    "knowledge_promote": _knowledge_promote,
    "knowledge_promote_posts": _a_thread,
    "knowledge_feed": _community,
    "help_requests": _community,
    "help_ask": lambda cast, community, person: Call(
        {"slug": community.slug}, {"subject": "Uploading a video", "body": "How large may it be?"}
    ),
    "help_request": lambda cast, community, person: _help_request(
        cast, community, person, {"body": "Which browser do you use?"}
    ),
    "help_close": _help_request,
    "help_reopen": lambda cast, community, person: _help_request(
        cast, community, person, closed=True
    ),
    "search": _plain,
    "community_search": _with_a_thread,
    "assessments": _with_an_open_cycle,
    "survey_new": _survey_new,
    "survey": _a_survey,
    "survey_edit": _survey_edit,
    "survey_preview": _a_survey,
    "section_new": _section_new,
    "section_edit": lambda cast, community, person: _a_section(
        cast, community, person, {"title": "About our practice", "description": "Be frank."}
    ),
    "section_move": _section_move,
    "section_delete": _a_section,
    "question_new": _question_new,
    "question_edit": _question_edit,
    "question_move": lambda cast, community, person: _a_question(
        cast, community, person, {"direction": "down"}
    ),
    "question_delete": _a_question,
    "cycle_new": _cycle_new,
    "cycle": _a_cycle,
    "cycle_edit": _cycle_edit,
    "cycle_results": _cycle_results,
    "cycle_share": _cycle_share,
    "cycle_export": _cycle_results,
    "cycle_aggregates": _cycle_results,
    "survey_trends": _survey_trends,
    "value_stories": _with_a_story,
    "value_story_new": _value_story_new,
    "value_story": _a_story,
    "value_story_edit": _value_story_edit,
    "value_story_feature": _a_story,
    "value_report": _value_report,
    "value_report_pdf": _value_report,
}


def outcome_of(response) -> object:
    """The response as the matrix names it (302s told apart by where and how they go)."""
    if response.status_code != 302:
        return response.status_code
    if response["Location"].startswith(reverse("account_login")):
        return LOGIN
    if any(m.level == message_levels.ERROR for m in get_messages(response.wsgi_request)):
        return REFUSED
    return REDIRECT


def request(cast, client, name: str, method: str, community: Community | None, principal: str):
    call = ROUTE_CALLS[name](cast, community, cast.person(principal))
    url = reverse(name, kwargs=call.kwargs)
    if method == "GET":
        url += f"?{call.query}" if call.query else ""
        return url, client.get(url)
    return url, client.post(url, call.data)


def _cells():
    for name, row in MATRIX.items():
        places = ("public", "private") if name in COMMUNITY_ROUTES else (None,)
        for method in ("GET", "POST"):
            if method not in row:
                continue
            for place in places:
                cells = row[method]
                if place == "private":
                    cells = row.get("private", {}).get(method) or hidden_from_strangers(cells)
                for principal in PRINCIPALS:
                    parts = [name, method, principal] + ([place] if place else [])
                    yield pytest.param(
                        name, method, principal, place, cells[principal], id="-".join(parts)
                    )


# --- The tests -------------------------------------------------------------------------------


def test_matrix_every_route_has_a_row():
    missing = sorted(set(ROUTES) - set(MATRIX))
    assert not missing, f"routes without a row in MATRIX (add one, or an exclusion): {missing}"


def test_matrix_every_row_names_a_route():
    stale = sorted(set(MATRIX) - set(ROUTES))
    assert not stale, f"rows of MATRIX whose route no longer exists: {stale}"


def test_matrix_every_row_is_complete():
    assert set(ROUTE_CALLS) == set(MATRIX)
    for name, row in MATRIX.items():
        assert "GET" in row, name
        assert set(row) <= {"GET", "POST", "private"}, name
        for method in ("GET", "POST"):
            if method in row:
                assert set(row[method]) == set(PRINCIPALS), (name, method)


def test_matrix_every_exclusion_is_used():
    used = {exclusion_of(route) for route in all_routes()}
    unused = set(EXCLUDED) - used
    assert not unused, f"exclusions that match no route: {sorted(unused)}"
    assert used - {None} <= set(EXCLUDED)


@pytest.mark.parametrize(("name", "method", "principal", "place", "expected"), list(_cells()))
def test_matrix(cast, client_for, name, method, principal, place, expected):
    community = getattr(cast, place) if place else None
    url, response = request(cast, client_for(principal), name, method, community, principal)
    assert outcome_of(response) == expected, (
        f"{method} {url} as {principal}: {response.status_code} {response.get('Location', '')}"
    )


@pytest.mark.parametrize("place", ["public", "private"])
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_matrix_post_edit_of_someone_elses_post(cast, client_for, principal, method, place):
    """A member may edit their own post (MATRIX) but not another's; moderators edit any post."""
    community = getattr(cast, place)
    author = MembershipFactory(community=community).user
    post = _first_post(community, cast, author)
    url = reverse("post_edit", args=[community.slug, post.pk])
    client = client_for(principal)
    body = "Rewritten by someone else."
    response = client.get(url) if method == "GET" else client.post(url, {"body": body})
    cells = POST_EDIT_OF_ANOTHER[method]
    if place == "private":
        cells = hidden_from_strangers(cells)
    assert outcome_of(response) == cells[principal], f"{method} {url} as {principal}"
    post.refresh_from_db()
    edited = method == "POST" and principal in FACILITATORS
    assert (post.body == body) is edited


PRIVATE_EXEMPT = {
    "invitation": "the token is what grants sight: a valid one shows the page to anyone "
    "(MATRIX), an unknown one is 404 (test_invitation_unknown_token_is_hidden)",
}


@pytest.mark.parametrize(
    ("name", "method", "principal"),
    [
        pytest.param(name, method, principal, id=f"{name}-{method}-{principal}")
        for name in COMMUNITY_ROUTES
        if name not in PRIVATE_EXEMPT
        for method in ("GET", "POST")
        for principal in STRANGERS
    ],
)
def test_private_community_is_hidden_from_strangers(cast, client_for, name, method, principal):
    """Whatever the route and the method, strangers to a private community get 404."""
    if name not in ROUTE_CALLS:
        pytest.fail(f"{name} has no entry in ROUTE_CALLS (nor a row in MATRIX)")
    url, response = request(cast, client_for(principal), name, method, cast.private, principal)
    assert response.status_code == 404, f"{method} {url} as {principal}: {response.status_code}"


@pytest.mark.parametrize("place", ["public", "private"])
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_invitation_unknown_token_is_hidden(cast, client_for, principal, method, place):
    url = reverse("invitation", args=[getattr(cast, place).slug, "no-such-token"])
    client = client_for(principal)
    response = client.get(url) if method == "GET" else client.post(url)
    assert response.status_code == 404


def test_invitation_token_of_another_community_is_hidden(cast, client_for):
    invitation = InvitationFactory(
        community=cast.public, kind=Invitation.Kind.LINK, email="", max_uses=10
    )
    url = reverse("invitation", args=[cast.private.slug, invitation.token])
    assert client_for("outsider").get(url).status_code == 404


@pytest.mark.parametrize("principal", ["anonymous", "outsider"])
def test_join_private_with_a_wrong_key_is_hidden(cast, client_for, principal):
    url = reverse("join", args=[cast.private.slug]) + "?key=not-the-key"
    assert client_for(principal).get(url).status_code == 404


def test_join_private_with_the_key_asks_anonymous_to_log_in(cast, client_for):
    url = reverse("join", args=[cast.private.slug]) + f"?key={cast.private.join_key}"
    assert outcome_of(client_for("anonymous").get(url)) == LOGIN


def test_join_private_with_the_key_lets_an_outsider_ask(cast, client_for):
    client = client_for("outsider")
    url = reverse("join", args=[cast.private.slug]) + f"?key={cast.private.join_key}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"message": "I teach geometry and want to learn more."})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert JoinRequest.objects.filter(
        community=cast.private, user=cast.outsider, state=JoinRequest.State.PENDING
    ).exists()
    # Asking does not open the community's pages.
    assert client.get(reverse("community", args=[cast.private.slug])).status_code == 404


def test_withdraw_request_by_its_requester(cast, client_for):
    join_request = JoinRequestFactory(community=cast.private, user=cast.outsider)
    client = client_for("outsider")
    url = reverse("withdraw_request", args=[cast.private.slug])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    join_request.refresh_from_db()
    assert join_request.state == JoinRequest.State.WITHDRAWN


@pytest.mark.parametrize("name", ["notification_read", "notification_open"])
def test_notification_of_someone_else_is_hidden(cast, client_for, name):
    notification = Notification.objects.create(recipient=cast.member, verb="x", summary="y")
    url = reverse(name, args=[notification.pk])
    client = client_for("outsider")
    response = client.post(url) if name == "notification_read" else client.get(url)
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_matrix_successful_actions_change_the_rows(cast, client_for):
    """A spot check that REDIRECT cells are real successes, not bounces."""
    organizer, facilitator = client_for("organizer"), client_for("facilitator")
    target = _plain_member(cast.private, cast)
    organizer.post(
        reverse("member_role", args=[cast.private.slug, target.pk]), {"role": "facilitator"}
    )
    target.refresh_from_db()
    assert target.role == Membership.Role.FACILITATOR
    newcomer = UserFactory()
    join_request = JoinRequestFactory(community=cast.private, user=newcomer)
    facilitator.post(
        reverse("join_request_decide", args=[cast.private.slug, join_request.pk]),
        {"decision": "approve"},
    )
    assert Membership.objects.filter(community=cast.private, user=newcomer).exists()


def test_matrix_successful_forum_actions_change_the_rows(cast, client_for):
    """A spot check that the forums' REDIRECT cells are real successes, not bounces."""
    member, facilitator = client_for("member"), client_for("facilitator")
    slug = cast.private.slug
    facilitator.post(reverse("forum_list", args=[slug]), {"name": "Lesson studies", "slug": ""})
    forum = Forum.objects.get(community=cast.private, slug="lesson-studies")
    member.post(
        reverse("thread_new", args=[slug, forum.slug]),
        {"title": "A question on feedback", "body": "What do you write in the margins?"},
    )
    thread = Thread.objects.get(forum=forum, author=cast.member)
    facilitator.post(reverse("thread_reply", args=[slug, thread.pk]), {"body": "Questions."})
    reply = thread.posts.get(number=2)
    assert reply.author == cast.facilitator
    member.post(reverse("post_react", args=[slug, reply.pk]), {"kind": "heart"})
    assert reply.reactions.filter(user=cast.member, kind="heart").exists()


# --- The document library: others' documents, the trash --------------------------------------


def _library_state(community) -> list:
    """What the changing actions of the library touch, to tell whether one took effect."""
    folders = list(Folder.objects.filter(community=community).values_list("pk", "name"))
    documents = list(
        Document.objects.filter(community=community)
        .order_by("pk")
        .values_list("pk", "title", "trashed_at", "version_count", "current_version")
    )
    return [folders, documents]


OF_ANOTHER_CALLS: dict[str, Callable[..., Call]] = {
    "folder_edit": lambda cast, community, owner: _a_folder(
        cast, community, None, {"name": "Lesson studies"}, owner
    ),
    "folder_delete": lambda cast, community, owner: _a_folder(cast, community, None, owner=owner),
    "document_edit": lambda cast, community, owner: _document_edit(cast, community, None, owner),
    "document_trash": lambda cast, community, owner: _a_document(
        cast, community, None, owner=owner
    ),
    "document_version_new": lambda cast, community, owner: _version_new(
        cast, community, None, owner
    ),
    "document_version_restore": lambda cast, community, owner: _version_restore(
        cast, community, None, owner
    ),
    "document_restore": lambda cast, community, owner: _trashed_document(
        cast, community, None, owner
    ),
}


@pytest.mark.parametrize("place", ["public", "private"])
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("name", sorted(CHANGE_OF_ANOTHER))
def test_matrix_change_of_someone_elses_document(cast, client_for, name, principal, method, place):
    """A member changes their own folders and documents (MATRIX), not another's; facilitators
    change any."""
    assert set(OF_ANOTHER_CALLS) == set(CHANGE_OF_ANOTHER)
    community = getattr(cast, place)
    owner = MembershipFactory(community=community).user
    call = OF_ANOTHER_CALLS[name](cast, community, owner)
    url = reverse(name, kwargs=call.kwargs)
    before = _library_state(community)
    client = client_for(principal)
    response = client.get(url) if method == "GET" else client.post(url, call.data)
    cells = CHANGE_OF_ANOTHER[name][method]
    if place == "private":
        cells = hidden_from_strangers(cells)
    assert outcome_of(response) == cells[principal], (
        f"{method} {url} as {principal}: {response.status_code} {response.get('Location', '')}"
    )
    changed = method == "POST" and principal in FACILITATORS
    assert (_library_state(community) != before) is changed


TRASHED_ROUTES = {
    "document": _a_document,
    "document_download": _a_document,
    "document_version_download": _version_download,
    "document_thumbnail": _image_document,
    "document_page": _pdf_document,
}


@pytest.mark.parametrize("place", ["public", "private"])
@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("name", sorted(TRASHED_ROUTES))
def test_matrix_trashed_document_is_hidden(cast, client_for, name, principal, place):
    community = getattr(cast, place)
    call = TRASHED_ROUTES[name](cast, community, cast.person(principal))
    document = Document.objects.get(pk=call.kwargs["document_id"])
    document_services.trash_document(document, actor=cast.member)
    url = reverse(name, kwargs=call.kwargs)
    response = client_for(principal).get(url)
    cells = TRASHED_DOCUMENT["GET"]
    if place == "private":
        cells = hidden_from_strangers(cells)
    assert outcome_of(response) == cells[principal], f"GET {url} as {principal}"
    assert "Location" not in response


def test_matrix_successful_document_actions_change_the_rows(cast, client_for):
    """A spot check that the library's REDIRECT cells are real successes, not bounces."""
    member, facilitator = client_for("member"), client_for("facilitator")
    slug = cast.private.slug
    member.post(reverse("folder_new", args=[slug]), {"name": "Lesson plans"})
    folder = Folder.objects.get(community=cast.private, name="Lesson plans")
    assert folder.created_by == cast.member
    member.post(
        reverse("document_upload", args=[slug]), {"files": _text_file(), "folder": folder.pk}
    )
    document = Document.objects.get(community=cast.private, uploaded_by=cast.member)
    assert document.folder == folder
    args = [slug, document.pk]
    member.post(
        reverse("document_edit", args=args),
        {"title": "Observation notes", "description": "", "tags": "fractions", "folder": ""},
    )
    document.refresh_from_db()
    assert (document.title, document.folder) == ("Observation notes", None)
    member.post(
        reverse("document_version_new", args=args),
        {"file": _text_file(content=b"Second round.\n"), "note": "Round two"},
    )
    document.refresh_from_db()
    assert document.version_count == 2
    facilitator.post(reverse("document_version_restore", args=[*args, 1]))
    document.refresh_from_db()
    assert document.version_count == 3
    assert document.current_version.restored_from.number == 1
    member.post(reverse("document_trash", args=args))
    document.refresh_from_db()
    assert document.is_trashed
    facilitator.post(reverse("document_restore", args=args))
    document.refresh_from_db()
    assert not document.is_trashed
    member.post(reverse("folder_delete", args=[slug, folder.pk]))
    assert not Folder.objects.filter(pk=folder.pk).exists()


# --- Assessments: the successes are real -----------------------------------------------------


def test_matrix_successful_assessment_actions_change_the_rows(cast, client_for):
    """A spot check that the assessments' REDIRECT cells are real successes, not bounces."""
    from assessments.models import Cycle, Response, Survey, ValueStory

    member, facilitator = client_for("member"), client_for("facilitator")
    community = cast.private
    slug = community.slug

    facilitator.post(reverse("survey_new", args=[slug]), _survey_new(cast, community, None).data)
    survey = Survey.objects.get(community=community, title="Our yearly pulse")
    assert survey.created_by == cast.facilitator

    call = _cycle_new(cast, community, None)
    facilitator.post(reverse("cycle_new", kwargs=call.kwargs), call.data)
    scheduled = Cycle.objects.get(survey_id=call.kwargs["survey_id"])
    assert (scheduled.title, scheduled.anonymous) == ("Spring pulse", True)

    call = _a_cycle(cast, community, None)
    response = member.post(reverse("cycle", kwargs=call.kwargs), call.data)
    assert outcome_of(response) == REDIRECT
    assert Response.objects.filter(cycle_id=call.kwargs["cycle_id"]).count() == 1

    member.post(reverse("value_story_new", args=[slug]), _story_data())
    story = ValueStory.objects.get(community=community, author=cast.member)
    assert (story.title, story.value_cycles) == (_STORY["title"], ["potential", "applied"])

    call = _cycle_share(cast, community, None)
    assert not Cycle.objects.get(pk=call.kwargs["cycle_id"]).results_shared
    facilitator.post(reverse("cycle_share", kwargs=call.kwargs), call.data)
    assert Cycle.objects.get(pk=call.kwargs["cycle_id"]).results_shared

    facilitator.post(reverse("value_story_feature", args=[slug, story.pk]))
    story.refresh_from_db()
    assert story.featured_by == cast.facilitator


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_matrix_story_of_someone_else(cast, client_for, principal, method):
    """A member edits their own story (MATRIX), not another's; facilitators edit any."""
    from assessments.models import ValueStory

    community = cast.public
    story = _story(community, MembershipFactory(community=community).user)
    url = reverse("value_story_edit", args=[community.slug, story.pk])
    data = {**_story_data(), "title": "Rewritten by someone else"}
    client = client_for(principal)
    response = client.get(url) if method == "GET" else client.post(url, data)
    expected = {"GET": only(*FACILITATORS, then=OK), "POST": only(*FACILITATORS, then=REDIRECT)}
    assert outcome_of(response) == expected[method][principal], f"{method} {url} as {principal}"
    edited = method == "POST" and principal in FACILITATORS
    assert (ValueStory.objects.get(pk=story.pk).title == data["title"]) is edited


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_matrix_results_not_shared_are_hidden_from_members(cast, client_for, principal):
    """Results of a closed cycle not shared: facilitators read them; to members (and everyone
    else) they are not there."""
    cycle = _results_cycle(cast.public, cast, results_shared=False)
    url = reverse("cycle_results", kwargs=_cycle_args(cycle))
    expected = only(*FACILITATORS, then=OK, others=HIDDEN)
    assert outcome_of(client_for(principal).get(url)) == expected[principal]
