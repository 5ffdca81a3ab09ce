"""Hostile input never answers 500: every route, with broken path arguments, query strings,
bodies and headers.

Like the permission matrix (tests/test_permissions_matrix.py) this walks the URL resolver, so a
new route is walked as soon as it exists (or fails `test_hostile_every_route_is_walked` until it
has a real value for each of its arguments). Only the admin's routes are left out; allauth's
are ours to serve, so they are walked too.

Each route is called as a member and as a facilitator of a private community whose forums,
library, invitations and requests hold real objects (as the organizer too where facilitators are
refused, and as an anonymous visitor where a stranger can get in), first with its real
arguments, then with each path argument in turn replaced by hostile values, with hostile values
in the common query parameters, in the fields of POST bodies, and with broken headers and
cookies. No answer may be 5xx, and no exception may escape a view: one test per route collects
every failure of that route and reports them together.

The community and its objects are built once for the module (see `world`); each request runs in
a savepoint rolled back after it, so an action that succeeds (leave, delete, trash) does not
change what the next request finds.
"""

import copy
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, unquote

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls.converters import get_converters
from django.utils import timezone

from tests.conftest import Cast
from tests.test_permissions_matrix import all_routes

pytestmark = pytest.mark.django_db

PRINCIPALS = ("anonymous", "member", "facilitator")

# allauth's two routes written as regular expressions, as templates the walker can fill.
REGEX_ROUTES = {
    "account_confirm_email": "accounts/confirm-email/<str:key>/",
    "account_reset_password_from_key": "accounts/password/reset/key/<str:uidb36>-<str:key>/",
}

# Hostile values of a path argument, by converter. The resolver only lets digits through an
# `int` converter and [-a-zA-Z0-9_] through a `slug` one: the others must still end in a 404.
NUL = "\x00"
LONG = "a" * 300
_TEXT = ["-1", LONG, "%00", NUL, "abc%00def", "%2500", "%ff%fe", "../", "..%2f..%2f"]
PATH_VALUES = {
    "int": ["0", "99999999999999999999"],
    "slug": _TEXT,
    "str": _TEXT,
    "path": [*_TEXT, "avatars/..%2f..%2fsecret_key", "avatars/x%00.png"],
}

# Query parameters the views read, and the hostile values each takes (already URL-encoded: %ff
# is a byte that is not UTF-8).
QUERY_PARAMS = [
    "page",
    "parent",
    "q",
    "folder",
    "tag",
    "sort",
    "kind",
    "view",
    "uploader",
    "within",
    "community",
    "forum",
    "author",
    "since",
    "until",
    "role",
    "sector",
    "discipline",
    "organization",
    "language",
    "action",
    "actor",
    "member",
    "unread",
    "quote",
    "next",
    "key",
    "inline",
]
QUERY_VALUES = [
    "-1",
    "99999999999999999999",
    "abc",
    "%ff%fe",
    "x" * 5000,
    "0001-01-01",
    "9999-12-31",
    quote("²"),  # a digit to str.isdigit(), not to int()
]
QUERY_VALUES_ON_POST = ["abc", "99999999999999999999", "%ff%fe", "x" * 5000]

# Fields the forms and views read from POST bodies, and the values they get.
POST_FIELDS = [
    "body",
    "title",
    "name",
    "slug",
    "description",
    "theme",
    "reason",
    "text",
    "days",
    "max_uses",
    "role",
    "kind",
    "to",
    "action",
    "level",
    "decision",
    "reply",
    "message",
    "emails",
    "folder",
    "parent",
    "forum",
    "archive",
    "tags",
    "note",
    "next",
    "key",
    "language",
    "display_name",
    "organization",
    "discipline",
    "sector",
    "bio",
    "time_zone",
    "digest_frequency",
    "visibility",
    "join_policy",
    "status",
    "flag_threshold",
    "premoderated_posts",
    "post_rate_limit",
    "flag_rate_limit",
    "core_threshold",
    "active_threshold",
    "occasional_threshold",
    "subject",
    "practice",
    "kind_mentions",
    "kind_digest",
    "login",
    "password",
    "email",
    "quote",
    "page",
]
POST_VALUES = ["", "-1", "99999999999999999999", "abc", "x" * 5000, "²"]

BROKEN_HEADERS = {
    "HTTP_ACCEPT_LANGUAGE": "x" * 5000 + f",{NUL};q=abc,fr;q=99999999999999999999",
    "HTTP_IF_RANGE": f"{NUL}garbage",
    "HTTP_IF_MODIFIED_SINCE": "not a date",
    "HTTP_IF_NONE_MATCH": NUL,
    "HTTP_RANGE": "bytes=" + "9" * 5000 + "-",
    "HTTP_REFERER": f"%ff{NUL}",
    "HTTP_USER_AGENT": NUL * 10,
    "HTTP_X_FORWARDED_FOR": f"not-an-ip, {NUL}",
    "HTTP_HX_REQUEST": "true",
    "HTTP_HX_CURRENT_URL": f"%ff{NUL}",
    "HTTP_HX_TARGET": NUL,
    "HTTP_ORIGIN": "null",
}
BROKEN_COOKIES = [
    'sessionid="abcdefghij\\000klmnop"; csrftoken="\\000"; django_language="\\000"',
    f"sessionid=abcdefghij{NUL}klmnop; csrftoken={NUL}; django_language={NUL}",
    "sessionid=" + "9" * 200,  # a key we never gave out (longer ones the cache warns of)
]
BROKEN_RANGES = [
    "bytes=" + "9" * 5000 + "-",
    "bytes=-" + "9" * 5000,
    "bytes=0-" + "9" * 5000,
    "bytes=99999999999999999999-",
    "bytes=abc",
    "bytes=5-1",
    "bytes=-0",
    "bytes=" + "0-1," * 2000,
    f"bytes={NUL}",
]
FORM_CONTENT = "application/x-www-form-urlencoded"
DOWNLOADS = {"document_download", "document_version_download", "attachment", "media"}


def routes() -> dict[str, str]:
    """{name: route string} of the routes walked: all of ours, and allauth's (not the admin's)."""
    walked = {}
    for route in all_routes():
        name = route["name"]
        if name.startswith("admin:"):
            continue
        walked[name] = REGEX_ROUTES.get(name, route["route"])
    return walked


ROUTES = routes()
_ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


# --- The world: one private community with something behind every route ---------------------


@dataclass
class World:
    cast: Cast
    media_root: str
    args: dict = field(default_factory=dict)
    # Per-route and per-principal real arguments, where the shared ones would not do.
    route_args: dict = field(default_factory=dict)
    notifications: dict = field(default_factory=dict)
    own_posts: dict = field(default_factory=dict)

    def real_args(self, name: str, principal: str) -> dict:
        values = {**self.args, **self.route_args.get(name, {})}
        values["notification_id"] = self.notifications[principal]
        if name == "post_edit":
            values["post_id"] = self.own_posts[principal]
        return values


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 3), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def _build_world(media_root: str) -> World:
    from assessments.services.stories import create_story
    from communities import services as community_services
    from communities.emails import unsubscribe_token
    from communities.models import Invitation, Membership, Notification
    from documents import services as documents
    from documents.demo import pdf_bytes
    from documents.tasks import process_version
    from facilitation.guidelines import services as guidelines
    from forums import services as forums
    from forums.models import Attachment
    from tests.assessments.factories import make_cycle, make_survey
    from tests.factories import InvitationFactory, JoinRequestFactory, MembershipFactory

    cast = Cast()
    community = cast.private
    world = World(cast=cast, media_root=media_root)

    forum = forums.create_forum(
        community, actor=cast.organizer, name="Lesson studies", slug="lesson-studies"
    )
    forums.create_forum(community, actor=cast.organizer, name="Assessment", slug="assessment")
    thread = forums.start_thread(
        forum, actor=cast.member, title="How do you open a lesson?", body="With a question."
    )
    bystander = MembershipFactory(community=community)
    other_post = forums.reply(thread, actor=bystander.user, body="With a picture.")
    facilitator_post = forums.reply(thread, actor=cast.facilitator, body="With silence.")
    hidden = forums.reply(thread, actor=bystander.user, body="Buy now.")
    forums.hide_post(hidden, actor=cast.facilitator, reason="Advertising.")
    forums.flag_post(other_post, actor=cast.member, reason="spam")
    picture = _png()
    attachment = Attachment(
        post=other_post,
        community=community,
        uploader=bystander.user,
        name="board.png",
        size=len(picture),
        content_type="image/png",
        sha256="0" * 64,
    )
    attachment.file.save("forums/board.png", ContentFile(picture), save=False)
    attachment.save()

    folder = documents.create_folder(community, parent=None, name="Plans", actor=cast.member)
    documents.create_folder(community, parent=folder, name="Drafts", actor=cast.member)
    notes = documents.upload_document(
        community, upload=ContentFile(b"Notes.\n" * 100, name="notes.txt"), actor=cast.member
    ).document
    documents.add_version(
        notes, upload=ContentFile(b"Notes, again.\n" * 100, name="notes.txt"), actor=cast.member
    )
    image = documents.upload_document(
        community, upload=ContentFile(picture, name="board.png"), actor=cast.member
    ).document
    pdf = documents.upload_document(
        community,
        upload=ContentFile(pdf_bytes("Protocol", ["Notice."]), name="protocol.pdf"),
        actor=cast.member,
    ).document
    for document in (notes, image, pdf):
        process_version(document.current_version_id)  # a preview, a thumbnail, a page
    trashed = documents.upload_document(
        community, upload=ContentFile(b"Old.\n", name="old.txt"), actor=cast.member
    ).document
    documents.trash_document(trashed, actor=cast.member)

    suspended = MembershipFactory(
        community=community, state=Membership.State.SUSPENDED, suspended_reason="spam"
    )
    silenced = MembershipFactory(
        community=community, silenced_until=timezone.now() + timedelta(days=3)
    )
    join_request = JoinRequestFactory(community=community)
    invitation = InvitationFactory(community=community, created_by=cast.organizer)
    link = InvitationFactory(
        community=community,
        kind=Invitation.Kind.LINK,
        email="",
        max_uses=10,
        created_by=cast.organizer,
    )
    cast.member.avatar.save("avatars/member.png", ContentFile(picture))

    survey = make_survey(community, created_by=cast.facilitator)
    section = survey.revisions.get().sections.get()
    question = section.questions.first()
    open_cycle = make_cycle(survey, anonymous=False)
    closed_cycle = make_cycle(survey, started_days_ago=30, days_open=10, results_shared=True)
    story = create_story(
        community,
        actor=cast.member,
        title="Exit tickets",
        happened="We tried them.",
        changed="Monday planning.",
        for_whom="Year 9",
        value_cycles=["applied"],
        happened_on=timezone.localdate(),
    )

    help_request = community_services.ask_for_help(
        community, actor=cast.member, subject="Uploading", body="The button does nothing."
    )
    closed_help = community_services.ask_for_help(
        community, actor=cast.member, subject="Solved", body="Found it."
    )
    community_services.close_help(closed_help, actor=cast.member)
    guidelines.publish_guidelines(
        guidelines.start_guidelines(community, actor=cast.organizer), actor=cast.organizer
    )
    from tests.facilitation.knowledge_helpers import entry_of

    entry = entry_of(community, cast.facilitator)

    world.args = {
        "slug": community.slug,
        "forum_slug": forum.slug,
        "thread_id": thread.pk,
        "post_id": other_post.pk,
        "attachment_id": attachment.pk,
        "folder_id": folder.pk,
        "document_id": notes.pk,
        "number": 1,
        "membership_id": bystander.pk,
        "request_id": join_request.pk,
        "invitation_id": invitation.pk,
        "token": link.token,
        "path": cast.member.avatar.name,
        "key": "abc",
        "uidb36": "1",
        "survey_id": survey.pk,
        "section_id": section.pk,
        "question_id": question.pk,
        "cycle_id": open_cycle.pk,
        "story_id": story.pk,
        "entry_id": entry.pk,
        "user_id": cast.member.pk,
        "step": 1,
    }
    world.route_args = {
        "post_restore": {"post_id": hidden.pk},
        "document_thumbnail": {"document_id": image.pk},
        "document_page": {"document_id": pdf.pk},
        "document_restore": {"document_id": trashed.pk},
        "member_reinstate": {"membership_id": suspended.pk},
        "member_unsilence": {"membership_id": silenced.pk},
        "cycle_results": {"cycle_id": closed_cycle.pk},
        "cycle_export": {"cycle_id": closed_cycle.pk},
        "cycle_aggregates": {"cycle_id": closed_cycle.pk},
        "help_request": {"request_id": help_request.pk},
        "help_close": {"request_id": help_request.pk},
        "help_reopen": {"request_id": closed_help.pk},
        "email_unsubscribe": {"token": unsubscribe_token(cast.member, "mentions")},
    }
    for principal in (*PRINCIPALS, "organizer"):
        recipient = cast.person(principal) or cast.member
        world.notifications[principal] = Notification.objects.create(
            recipient=recipient, verb="x", summary="y", url="/"
        ).pk
    world.own_posts = {
        "anonymous": thread.posts.get(number=1).pk,
        "member": thread.posts.get(number=1).pk,
        "facilitator": facilitator_post.pk,
        "organizer": thread.posts.get(number=1).pk,
    }
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built and committed once for the module; the database is emptied after it,
    as Django's TransactionTestCase empties it after each of its tests.

    (It cannot live in a transaction left open for the module: Django's TestCase closes the
    connection after each test, and PostgreSQL would roll the world back with it.)
    """
    from django.core.management import call_command
    from django.test import override_settings

    media_root = str(tmp_path_factory.mktemp("hostile-media"))
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media_root),
        transaction.atomic(),
    ):
        built = _build_world(media_root)
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)
        # Shown with -s: what the walk costs.
        print(f"\nhostile walk: {WALKED['requests']} requests in {WALKED['seconds']:.1f} s")


# --- Walking ---------------------------------------------------------------------------------


def _fill(route: str, values: dict) -> str:
    return "/" + _ARGUMENT.sub(lambda match: str(values[match.group(2)]), route)


def _arguments(route: str) -> list[tuple[str, str]]:
    """(converter, name) of each argument of a route string."""
    return [(conv or "str", name) for conv, name in _ARGUMENT.findall(route)]


class Walker:
    """Sends requests as one principal, each in a rolled-back savepoint, and keeps the 5xx."""

    def __init__(self, client: Client, principal: str, failures: list[str]) -> None:
        self.client = client
        self.principal = principal
        self.failures = failures
        self.requests = 0

    def send(self, method: str, url: str, data=None, **extra) -> int | None:
        """The answer's status (None when an exception escaped); a 5xx is kept as a failure."""
        self.requests += 1
        cookies = self.client.cookies
        # A broken cookie may log the principal out, and a message may be left in a cookie:
        # each request starts from the principal's own cookies.
        self.client.cookies = copy.copy(cookies)
        try:
            return self._send(method, url, data, **extra)
        finally:
            self.client.cookies = cookies

    def _send(self, method: str, url: str, data=None, **extra) -> int | None:
        shown = f"{self.principal} {method} {url[:160]!r}"
        if extra:
            shown += f" {sorted(extra)!r}"
        try:
            with transaction.atomic():
                if method == "GET":
                    response = self.client.get(url, **extra)
                elif isinstance(data, bytes | str):
                    response = self.client.generic("POST", url, data, **extra)
                else:
                    response = self.client.post(url, data or {}, **extra)
                transaction.set_rollback(True)
        except Exception as error:  # noqa: BLE001 - every escape is a failure to report
            self.failures.append(f"{shown}: {type(error).__name__}: {str(error)[:200]}")
            return None
        if response.streaming:
            # Read to the end, which closes the file the way the test client expects (closing
            # it by hand would also close the database connection, as at the end of a request).
            b"".join(response.streaming_content)
        if response.status_code >= 500:
            self.failures.append(f"{shown}: {response.status_code}")
        return response.status_code


def _client(world: World, principal: str) -> Client:
    client = Client()
    person = world.cast.person(principal)
    if person is not None:
        client.force_login(person)
    return client


def _rotated(names: list[str], values: list[str], turn: int) -> dict[str, str]:
    """Each name with one of the values, shifted by `turn`: over len(values) turns every name
    takes every value, in as many requests as there are values."""
    return {name: values[(i + turn) % len(values)] for i, name in enumerate(names)}


def _query(values: dict[str, str]) -> str:
    return "?" + "&".join(f"{param}={value}" for param, value in values.items())


def _multipart_body() -> dict:
    upload = SimpleUploadedFile("notes.txt", b"Notes.\n", content_type="text/plain")
    return {
        **dict.fromkeys(POST_FIELDS, "99999999999999999999"),
        "files": upload,
        "file": SimpleUploadedFile("v2.txt", b"Again.\n", content_type="text/plain"),
        "attachments": SimpleUploadedFile("a.png", _png(), content_type="image/png"),
        "avatar_upload": SimpleUploadedFile("a.png", b"not a png", content_type="image/png"),
        "csv_file": SimpleUploadedFile("a.csv", b"\xff\xfe,\x00", content_type="text/csv"),
    }


def _reaches_the_view(converter: str, value: str) -> bool:
    """Whether the resolver lets the value through the converter (after percent-decoding)."""
    decoded = unquote(value, errors="surrogateescape")
    return re.fullmatch(get_converters()[converter].regex, decoded) is not None


def walk_query(walker: Walker, method: str, url: str, values: list[str], plain) -> None:
    """Every query parameter with every value, a few requests for all: each request gives each
    parameter another value. A parameter that decides the answer on its own (?unread= sends to
    the first unread post, an unknown ?parent= is 404) would hide what the others do with
    theirs: it is found, walked alone, and the others walked again without it."""
    params = list(QUERY_PARAMS)
    while params and plain is not None:
        deviating = None
        for turn in range(len(values)):
            query = _rotated(params, values, turn)
            if walker.send(method, url + _query(query)) != plain and deviating is None:
                deviating = query
        if deviating is None:
            return
        deciding = [
            param
            for param in params
            if walker.send(method, url + _query({param: deviating[param]})) != plain
        ]
        if not deciding:
            return  # only the combination answers otherwise: each value was still sent
        for param in deciding:
            for value in values:
                walker.send(method, url + _query({param: value}))
        params = [param for param in params if param not in deciding]


def walk(walker: Walker, world: World, name: str, *, first: bool) -> dict[str, int | None]:
    """Every hostile request of one route as one principal; returns the plain answers. What
    ends the same whoever asks (a path the resolver refuses, a cookie that is dropped) is only
    sent by the first principal to walk the route."""
    route = ROUTES[name]
    real = world.real_args(name, walker.principal)
    url = _fill(route, real)
    plain = {method: walker.send(method, url) for method in ("GET", "POST")}
    # A method the view refuses outright (405), or refuses this person (403), reads neither
    # query nor body: it is not walked further.
    methods = [method for method, status in plain.items() if status not in {403, 405}]
    # Each path argument in turn, the others real.
    for converter, argument in _arguments(route):
        for value in PATH_VALUES[converter]:
            hostile_url = _fill(route, {**real, argument: value})
            if _reaches_the_view(converter, value):
                for method in methods or ["GET"]:
                    walker.send(method, hostile_url)
            elif first:
                walker.send("GET", hostile_url)
    if first:
        for cookie in BROKEN_COOKIES:
            walker.send((methods or ["GET"])[0], url, HTTP_COOKIE=cookie)
    if not methods:
        return plain
    # Every common query parameter takes every hostile value; NUL (refused for the whole site
    # whatever the view) in a request of its own. Views that take a POST read the query too.
    walker.send(methods[0], url + _query(dict.fromkeys(QUERY_PARAMS, "%00")))
    walk_query(walker, methods[0], url, QUERY_VALUES, plain[methods[0]])
    if "POST" in methods[1:]:
        walk_query(walker, "POST", url, QUERY_VALUES_ON_POST, plain["POST"])
    if "POST" in methods:
        # Bodies: every field takes every hostile value; NUL, multipart broken or with files.
        for turn in range(len(POST_VALUES)):
            walker.send("POST", url, _rotated(POST_FIELDS, POST_VALUES, turn))
        walker.send("POST", url, {**dict.fromkeys(POST_FIELDS, "ok"), "body": f"a{NUL}b"})
        walker.send("POST", url, "body=%ff%fe&title=%00", content_type=FORM_CONTENT)
        walker.send("POST", url, _multipart_body())
        nul_multipart = {"body": f"a{NUL}b", "files": ContentFile(b"x", "a.txt")}
        walker.send(
            "POST", url, encode_multipart(BOUNDARY, nul_multipart), content_type=MULTIPART_CONTENT
        )
        walker.send("POST", url, b"--x\r\nbroken", content_type=MULTIPART_CONTENT)
        walker.send("POST", url, b"broken", content_type="multipart/form-data")
    walker.send(methods[0], url, **BROKEN_HEADERS)
    if name in DOWNLOADS:
        for header in BROKEN_RANGES:
            walker.send("GET", url, HTTP_RANGE=header)
            walker.send("GET", url, HTTP_RANGE=header, HTTP_IF_RANGE=f"{NUL}x")
    return plain


# --- The tests -------------------------------------------------------------------------------


def test_hostile_every_route_is_walked(world):
    """Every route walked has a real value for each argument (add one to World.args)."""
    regex = sorted(name for name, route in ROUTES.items() if "(?P" in route)
    assert not regex, f"regular-expression routes without a template in REGEX_ROUTES: {regex}"
    for principal in (*PRINCIPALS, "organizer"):
        for name, route in ROUTES.items():
            arguments = {argument for _converter, argument in _arguments(route)}
            missing = arguments - set(world.real_args(name, principal))
            assert not missing, f"{name}: no real value for {sorted(missing)}"


def _principals(route: str) -> tuple[str, ...]:
    """Who walks a route. The community is private: to an anonymous visitor all its pages are
    the same 404, but for joining (with the key) and an invitation (with its token)."""
    if route.startswith("c/<slug:slug>/") and route not in ANONYMOUS_COMMUNITY_ROUTES:
        return ("member", "facilitator")
    return PRINCIPALS


ANONYMOUS_COMMUNITY_ROUTES = {"c/<slug:slug>/join/", "c/<slug:slug>/invite/<str:token>/"}
# Routes where the plain request (real arguments, no body) is 404 for all who walk it, and why.
HIDDEN_FROM_ALL_WALKERS = {
    "withdraw_request": "only the person who asked may withdraw a request, and the walkers are "
    "members already",
    "post_react": "an empty body names no reaction: there is no such reaction to add",
    "threads_feed": "the world's community is private: its feed is 404 to everyone, its "
    "members included (a feed reader has no session)",
    "knowledge_feed": "the world's community does not allow public knowledge: it has no feed",
}
WALKED = {"requests": 0, "seconds": 0.0}


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_hostile_input_never_answers_500(world, settings, name):
    """As each principal, then as the organizer where facilitators are refused."""
    settings.MEDIA_ROOT = world.media_root
    started = time.monotonic()
    failures: list[str] = []
    answers: set[int | None] = set()
    for index, principal in enumerate(_principals(ROUTES[name])):
        walkers = [Walker(_client(world, principal), principal, failures)]
        plain = walk(walkers[0], world, name, first=index == 0)
        if principal == "facilitator" and 403 in plain.values():
            walkers.append(Walker(_client(world, "organizer"), "organizer", failures))
            plain |= walk(walkers[-1], world, name, first=False)
        answers |= set(plain.values())
        WALKED["requests"] += sum(walker.requests for walker in walkers)
    WALKED["seconds"] += time.monotonic() - started
    assert not failures, f"{len(failures)} answers ≥ 500:\n" + "\n".join(failures)
    # The walk reaches the view: its real arguments find the real objects.
    assert answers - {404, 405} or name in HIDDEN_FROM_ALL_WALKERS, f"{name}: {answers}"


def test_hostile_host_headers_are_refused_by_django(world):
    """Django refuses a host it does not serve (400) before any view."""
    client = Client()
    for host in ["evil.example", f"a{NUL}b", "x" * 300, "[::1"]:
        assert client.get("/", HTTP_HOST=host).status_code == 400, host
    assert client.get("/", HTTP_HOST="localhost:99999999999999999999").status_code < 500
