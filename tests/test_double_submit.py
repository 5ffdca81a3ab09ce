"""Two identical POSTs of a create form at the same instant make one thing, through a live server.

Each test fetches the form page as a logged-in person without JavaScript (its session and CSRF
cookies, its hidden fields: the one-time `submission` key among them), then sends the same POST
twice from two threads released together by a barrier, a few times over. Neither answer may be a
server error, exactly one thing is created, and both answers lead to it.

On PostgreSQL the two requests really run at once (the second waits on the first's key). On
SQLite the live server's threads share one in-memory connection, so the fixture below serves its
requests one at a time: the second then arrives once the first is done, as a double click does.
"""

import http.client
import http.cookies
import json
import threading
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from communities.models import Invitation
from documents.models import Document, Folder
from forums.models import Attachment, Post, Reaction, Thread
from tests.forums.factories import forum_in, png_bytes, start_thread

pytestmark = pytest.mark.django_db(transaction=True)

TRIES = 3


@pytest.fixture
def server(live_server) -> str:
    """The live server's address; requests one at a time on in-memory SQLite (see above)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        httpd = live_server.thread.httpd
        application = httpd.get_app()
        lock = threading.Lock()

        def one_at_a_time(environ, start_response):
            with lock:
                return application(environ, start_response)

        httpd.set_app(one_at_a_time)
    return live_server.url


# --- A browser without JavaScript -------------------------------------------------------------


class _Forms(HTMLParser):
    """Every form of a page: its attributes and the values of its hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[dict, dict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append((attrs, {}))
        elif tag == "input" and attrs.get("type") == "hidden" and self.forms:
            self.forms[-1][1][attrs.get("name", "")] = attrs.get("value", "")


def hidden_fields(page: str, **match: str) -> dict[str, str]:
    """The hidden fields of the one form of `page` whose attributes (and hidden values, for
    `kind`) contain what `match` says."""
    parser = _Forms()
    parser.feed(page)
    found = [
        hidden
        for attrs, hidden in parser.forms
        if all(_has(attrs | hidden, name, value) for name, value in match.items())
    ]
    assert len(found) == 1, (match, len(found))
    return found[0]


def _has(attrs: dict, name: str, value: str) -> bool:
    actual = attrs.get(name, "")
    return actual == value if not value else value in actual.split()


@dataclass
class Answer:
    status: int
    location: str = ""
    hx_redirect: str = ""
    body: str = ""


@dataclass
class Person:
    """A logged-in person's cookies; requests are sent as they are, redirects are not followed."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)

    @classmethod
    def logged_in(cls, base: str, user) -> "Person":
        client = Client()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        return cls(base, {name: client.cookies[name].value})

    def _connection(self) -> http.client.HTTPConnection:
        address = urlsplit(self.base)
        return http.client.HTTPConnection(address.hostname, address.port, timeout=60)

    def _keep(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)

    def headers(self, **extra: str) -> dict[str, str]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {"Cookie": cookie, **extra}

    def get(self, path: str) -> str:
        connection = self._connection()
        connection.request("GET", path, headers=self.headers())
        response = connection.getresponse()
        self._keep(response)
        body = response.read().decode()
        connection.close()
        assert response.status == 200, (path, response.status)
        return body

    def at_once(
        self, path: str, fields: dict, *, files: dict | None = None, copies: int = 2, **headers
    ) -> list[Answer]:
        """Send the same POST `copies` times at the same instant; the answers in sending order."""
        return self.together(
            [(path, fields, files)] * copies,
            **headers,
        )

    def together(self, posts: list[tuple], **headers: str) -> list[Answer]:
        """Send several POSTs (path, fields, files) at the same instant; their answers."""
        start = threading.Barrier(len(posts))
        answers: list[Answer | BaseException | None] = [None] * len(posts)

        def send(index: int, path: str, fields: dict, files: dict | None) -> None:
            body, content_type = _encode(fields, files)
            connection = self._connection()
            try:
                connection.connect()
                start.wait(timeout=30)
                connection.request(
                    "POST",
                    path,
                    body,
                    headers=self.headers(**{"Content-Type": content_type}, **headers),
                )
                response = connection.getresponse()
                answers[index] = Answer(
                    response.status,
                    response.getheader("Location", ""),
                    response.getheader("HX-Redirect", ""),
                    response.read().decode(),
                )
            except BaseException as error:  # noqa: BLE001 - every failure is what we report
                answers[index] = error
            finally:
                connection.close()

        threads = [
            threading.Thread(target=send, args=(index, *post)) for index, post in enumerate(posts)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        for answer in answers:
            assert isinstance(answer, Answer), answer
            assert answer.status < 500, (answer.status, answer.body[:2000])
        return answers


def _encode(fields: dict, files: dict | None) -> tuple[bytes, str]:
    if not files:
        return urlencode(fields, doseq=True).encode(), "application/x-www-form-urlencoded"
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for name, items in files.items():
        for filename, content in items:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _stored_files(folder: str) -> list[Path]:
    """The files stored under `folder` of the media storage, its subfolders (thumbnails, page
    images) left out."""
    files = (Path(settings.MEDIA_ROOT) / folder).rglob("*")
    return [
        item for item in files if item.is_file() and item.parent.name not in {"thumbs", "pages"}
    ]


# --- Forums -----------------------------------------------------------------------------------


def test_double_submit_of_a_new_thread_makes_one_thread(server, cast):
    forum = forum_in(cast.public)
    person = Person.logged_in(server, cast.member)
    path = f"/c/{cast.public.slug}/forums/{forum.slug}/new/"
    made = []
    for attempt in range(TRIES):
        hidden = hidden_fields(person.get(path), **{"class": "composer"})
        title = f"Two clicks, one thread ({attempt})"
        fields = {**hidden, "title": title, "body": "Does this open once?"}
        files = {"attachments": [("diagram.png", png_bytes(color=(attempt, 0, 0)))]}
        answers = person.at_once(path, fields, files=files)
        threads = list(Thread.objects.filter(title=title))
        made.append(len(threads))
        if len(threads) == 1:
            assert [answer.status for answer in answers] == [302, 302]
            assert {answer.location for answer in answers} == {threads[0].get_absolute_url()}
    assert made == [1] * TRIES
    # The second send's copy of the attachment is not kept.
    assert Attachment.objects.count() == TRIES
    assert not Attachment.objects.filter(post__isnull=True).exists()
    assert len(_stored_files("forums")) == TRIES


def test_double_submit_of_a_reply_makes_one_post(server, cast):
    thread = start_thread(forum_in(cast.public), cast.facilitator)
    person = Person.logged_in(server, cast.member)
    page = thread.get_absolute_url()
    path = f"{page}reply/"
    made = []
    for attempt in range(TRIES):
        hidden = hidden_fields(person.get(page), action=path)
        body = f"Only once, please ({attempt})."
        answers = person.at_once(path, {**hidden, "body": body})
        posts = list(Post.objects.filter(thread=thread, body=body))
        made.append(len(posts))
        if len(posts) == 1:
            target = f"{page}?page=1#post-{posts[0].number}"
            assert {(answer.status, answer.location) for answer in answers} == {(302, target)}
    assert made == [1] * TRIES


def test_double_submit_of_a_reply_through_htmx_makes_one_post(server, cast):
    thread = start_thread(forum_in(cast.public), cast.facilitator)
    person = Person.logged_in(server, cast.member)
    page = thread.get_absolute_url()
    path = f"{page}reply/"
    made = []
    for attempt in range(TRIES):
        hidden = hidden_fields(person.get(page), action=path)
        body = f"Only once through htmx ({attempt})."
        answers = person.at_once(path, {**hidden, "body": body}, **{"HX-Request": "true"})
        posts = list(Post.objects.filter(thread=thread, body=body))
        made.append(len(posts))
        if len(posts) == 1:
            anchor = f'id="post-{posts[0].number}"'
            # The first answer shows the new post; the second sends the page to it.
            shown = [answer for answer in answers if anchor in answer.body]
            sent_to = [answer for answer in answers if answer.hx_redirect]
            assert len(shown) == 1 and len(sent_to) == 1, answers
            assert sent_to[0].hx_redirect == f"{page}?page=1#post-{posts[0].number}"
    assert made == [1] * TRIES


def test_double_submit_of_a_reaction_toggles_once(server, cast):
    thread = start_thread(forum_in(cast.public), cast.facilitator)
    post = thread.posts.get()
    person = Person.logged_in(server, cast.member)
    path = f"/c/{cast.public.slug}/p/{post.pk}/react/"
    made = []
    # One kind each time, so each attempt starts from "not reacted".
    for kind in Reaction.Kind.values[:TRIES]:
        hidden = hidden_fields(person.get(thread.get_absolute_url()), action=path, kind=kind)
        answers = person.at_once(path, hidden)
        made.append(Reaction.objects.filter(post=post, user=cast.member, kind=kind).count())
        assert {(answer.status, answer.location) for answer in answers} == {
            (302, post.get_absolute_url())
        }
    assert made == [1] * TRIES


# --- Documents --------------------------------------------------------------------------------


def test_double_submit_of_a_new_folder_makes_one_folder(server, cast):
    person = Person.logged_in(server, cast.member)
    library = f"/c/{cast.public.slug}/documents/"
    path = f"{library}folders/new/"
    made = []
    for attempt in range(TRIES):
        hidden = hidden_fields(person.get(library), action=path)
        name = f"Lesson studies {attempt}"
        answers = person.at_once(path, {**hidden, "name": name})
        folders = list(Folder.objects.filter(community=cast.public, name=name))
        made.append(len(folders))
        if len(folders) == 1:
            target = folders[0].get_absolute_url()
            assert {(answer.status, answer.location) for answer in answers} == {(302, target)}
    assert made == [1] * TRIES


def _uploader(person: Person, community) -> tuple[str, dict]:
    path = f"/c/{community.slug}/documents/upload/"
    return path, hidden_fields(person.get(f"/c/{community.slug}/documents/"), action=path)


def _as_script_sends(hidden: dict, rank: int) -> dict:
    """The fields static/js/uploads.js sends with the `rank`-th file (from 1) sent from a page."""
    fields = {"csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"]}
    if hidden.get("submission"):
        fields["submission"] = f"{hidden['submission']}-{rank}"
    return fields


def test_double_submit_of_an_upload_by_the_script_makes_one_document(server, cast):
    person = Person.logged_in(server, cast.member)
    made = []
    for attempt in range(TRIES):
        path, hidden = _uploader(person, cast.public)
        files = {"files": [(f"plan-{attempt}.png", png_bytes(color=(attempt, 90, 160)))]}
        answers = person.at_once(
            path, _as_script_sends(hidden, 1), files=files, Accept="application/json"
        )
        documents = list(Document.objects.filter(title=f"plan-{attempt}"))
        made.append(len(documents))
        if len(documents) == 1:
            urls = {json.loads(answer.body)["uploaded"][0]["url"] for answer in answers}
            assert urls == {documents[0].get_absolute_url()}
    assert made == [1] * TRIES
    # The second send's stored copy is removed: one file a version.
    assert len(_stored_files(f"documents/{cast.public.pk}")) == TRIES


def test_two_files_of_one_batch_at_once_are_two_documents(server, cast):
    person = Person.logged_in(server, cast.member)
    path, hidden = _uploader(person, cast.public)
    answers = person.together(
        [
            (path, _as_script_sends(hidden, rank), {"files": [(f"sheet-{rank}.png", png)]})
            for rank, png in enumerate([png_bytes(color="red"), png_bytes(color="blue")], start=1)
        ],
        Accept="application/json",
    )
    assert [answer.status for answer in answers] == [200, 200]
    assert Document.objects.filter(title__startswith="sheet-").count() == 2


def test_double_submit_of_the_plain_upload_form_keeps_each_file_once(server, cast):
    person = Person.logged_in(server, cast.member)
    made = []
    for attempt in range(TRIES):
        path, hidden = _uploader(person, cast.public)
        names = [f"a-{attempt}.png", f"b-{attempt}.png"]
        files = {"files": [(name, png_bytes(color=name[0] == "a" and "red" or "blue"))
                           for name in names]}  # fmt: skip
        answers = person.at_once(path, hidden, files=files)
        made.append(Document.objects.filter(title__in=[n[:-4] for n in names]).count())
        assert {answer.status for answer in answers} == {302}
        assert len({answer.location for answer in answers}) == 1
    assert made == [2] * TRIES


def test_double_submit_of_a_new_version_adds_one_version(server, cast):
    from documents import services
    from tests.documents.conftest import uploaded

    document = services.upload_document(
        cast.public, upload=uploaded("plan.png", png_bytes()), actor=cast.member
    ).document
    person = Person.logged_in(server, cast.member)
    path = f"/c/{cast.public.slug}/documents/{document.pk}/versions/new/"
    made = []
    for attempt in range(TRIES):
        hidden = hidden_fields(person.get(path), action=path)
        files = {"file": [("plan.png", png_bytes(color=(attempt, 10, 10)))]}
        note = f"Round {attempt}"
        answers = person.at_once(path, {**hidden, "note": note}, files=files)
        made.append(document.versions.filter(note=note).count())
        assert {(answer.status, answer.location) for answer in answers} == {
            (302, document.get_absolute_url())
        }
    assert made == [1] * TRIES


# --- Communities ------------------------------------------------------------------------------


def test_double_submit_of_an_invitation_invites_once(server, cast):
    person = Person.logged_in(server, cast.facilitator)
    path = f"/c/{cast.public.slug}/invitations/"
    made = []
    for attempt in range(TRIES):
        hidden = hidden_fields(person.get(path), action=path)
        email = f"newcomer{attempt}@example.net"
        answers = person.at_once(path, {**hidden, "emails": email, "role": "member"})
        made.append(Invitation.objects.filter(community=cast.public, email=email).count())
        assert {(answer.status, answer.location) for answer in answers} == {(302, path)}
    assert made == [1] * TRIES


def test_double_submit_of_an_invitation_link_makes_one_link(server, cast):
    person = Person.logged_in(server, cast.facilitator)
    page = f"/c/{cast.public.slug}/invitations/"
    path = f"{page}link/"
    made = []
    for attempt in range(TRIES):
        hidden = hidden_fields(person.get(page), action=path)
        uses = 40 + attempt
        answers = person.at_once(path, {**hidden, "role": "member", "days": 7, "max_uses": uses})
        made.append(Invitation.objects.filter(community=cast.public, max_uses=uses).count())
        assert {(answer.status, answer.location) for answer in answers} == {(302, page)}
    assert made == [1] * TRIES


def test_double_submit_of_a_new_forum_opens_one_forum(server, cast):
    person = Person.logged_in(server, cast.facilitator)
    path = f"/c/{cast.public.slug}/forums/"
    made = []
    for attempt in range(TRIES):
        hidden = hidden_fields(person.get(path), action="", method="post")
        name = f"Assessment {attempt}"
        answers = person.at_once(path, {**hidden, "name": name, "slug": "", "description": ""})
        made.append(cast.public.forums.filter(name=name).count())
        assert {(answer.status, answer.location) for answer in answers} == {(302, path)}
    assert made == [1] * TRIES


# --- Every create form carries its key ---------------------------------------------------------


def test_double_submit_of_a_promotion_makes_one_knowledge_entry(server, cast):
    from facilitation.models import KnowledgeEntry

    thread = start_thread(forum_in(cast.public), cast.member)
    person = Person.logged_in(server, cast.facilitator)
    path = f"/c/{cast.public.slug}/knowledge/promote/"
    made = []
    for attempt in range(TRIES):
        page = person.get(f"{path}?thread={thread.pk}")
        hidden = hidden_fields(page, action=path)
        title = f"Opening a lesson ({attempt})"
        fields = {
            **hidden,
            "title": title,
            "summary": "Start with a question the class cares about.",
            "tags": "lessons",
            "steward": cast.facilitator.pk,
            "review_on": "2030-01-01",
            "status": "draft",
            "visibility": "members",
        }
        answers = person.at_once(path, fields)
        entries = list(KnowledgeEntry.objects.filter(title=title))
        made.append(len(entries))
        if len(entries) == 1:
            assert [answer.status for answer in answers] == [302, 302]
            assert {answer.location for answer in answers} == {entries[0].get_absolute_url()}
    assert made == [1] * TRIES


def test_every_create_form_carries_a_one_time_key(cast, client_for):
    from communities.services import ask_for_help
    from documents import services
    from tests.assessments.factories import make_survey
    from tests.documents.conftest import uploaded

    forum = forum_in(cast.public)
    thread = start_thread(forum, cast.facilitator)
    post = thread.posts.get()
    document = services.upload_document(
        cast.public, upload=uploaded("plan.png", png_bytes()), actor=cast.member
    ).document
    slug = cast.public.slug
    documents = f"/c/{slug}/documents/"
    version = f"{documents}{document.pk}/versions/new/"
    thread_page = thread.get_absolute_url()
    assessments = f"/c/{slug}/assessments/"
    builder = f"{assessments}s/{make_survey(cast.public).pk}/"
    asked = ask_for_help(cast.public, actor=cast.member, subject="Uploads", body="How?")
    help_page = f"/c/{slug}/help/{asked.pk}/"
    forms = {
        "member": [
            (f"/c/{slug}/forums/{forum.slug}/new/", {"class": "composer"}),
            (thread_page, {"action": f"{thread_page}reply/"}),
            (thread_page, {"action": f"/c/{slug}/p/{post.pk}/react/", "kind": "idea"}),
            (documents, {"action": f"{documents}upload/"}),
            (documents, {"action": f"{documents}folders/new/"}),
            (f"{documents}upload/", {"action": f"{documents}upload/"}),
            (f"{documents}folders/new/", {"action": "", "method": "post"}),
            (document.get_absolute_url(), {"action": version}),
            (version, {"action": version}),
            (f"{assessments}stories/new/", {"action": "", "method": "post"}),
            (f"/c/{slug}/help/new/", {"action": f"/c/{slug}/help/new/"}),
            (help_page, {"class": "help-reply"}),
        ],
        "facilitator": [
            (f"{assessments}new/", {"action": "", "method": "post"}),
            (f"{builder}sections/new/", {"action": "", "method": "post"}),
            (f"{builder}questions/new/", {"action": "", "method": "post"}),
            (f"{builder}cycles/new/", {"action": "", "method": "post"}),
            (f"/c/{slug}/invitations/", {"action": f"/c/{slug}/invitations/"}),
            (f"/c/{slug}/invitations/", {"action": f"/c/{slug}/invitations/link/"}),
            (f"/c/{slug}/forums/", {"action": "", "method": "post"}),
            (f"/c/{slug}/facilitate/welcome/", {"action": "", "method": "post"}),
            (f"/c/{slug}/facilitate/introductions/", {"action": "", "method": "post"}),
            (f"/c/{slug}/guidelines/", {"action": f"/c/{slug}/guidelines/start/"}),
            (
                f"/c/{slug}/knowledge/promote/?thread={thread.pk}",
                {"action": f"/c/{slug}/knowledge/promote/"},
            ),
        ],
    }
    for principal, pages in forms.items():
        client = client_for(principal)
        for page, match in pages:
            response = client.get(page)
            assert response.status_code == 200, page
            key = hidden_fields(response.content.decode(), **match).get("submission", "")
            assert len(key) == 32, (page, match)


def test_a_reply_through_htmx_gives_the_form_a_new_key(cast, client_for):
    thread = start_thread(forum_in(cast.public), cast.facilitator)
    client = client_for("member")
    page = thread.get_absolute_url()
    action = f"{page}reply/"
    hidden = hidden_fields(client.get(page).content.decode(), action=action)

    answer = client.post(action, {**hidden, "body": "First."}, headers={"HX-Request": "true"})

    assert answer.status_code == 200
    again = hidden_fields(answer.content.decode(), action=action)
    # The form stays on the page: a second reply typed in it is a new submission.
    assert len(again["submission"]) == 32 and again["submission"] != hidden["submission"]
    second = client.post(action, {**again, "body": "Second."}, headers={"HX-Request": "true"})
    assert second.status_code == 200
    assert list(thread.posts.values_list("body", flat=True)) == [
        "With a question the class cares about.",
        "First.",
        "Second.",
    ]
