"""An archived community refuses every write (issue 16, closure).

Every URL pattern of the project under /c/<slug>/ is walked from the URL resolver (as the
permission matrix walks them) and sent a POST, plain and as htmx, with data that would succeed
in an open community, by the organizer, a facilitator and a member of an ARCHIVED community. No
row of any model may change, except the few writes an archived community allows (ALLOWED_WRITES).

A new route under /c/<slug>/ with an argument this file cannot fill fails here until ARGUMENTS
(or ROUTE_ARGUMENTS) says which object of the community it takes: so every new write path is
checked against closure.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from communities.models import Community, HelpRequest, Invitation, Membership
from communities.services.communities import SETTINGS_FIELDS
from tests.conftest import Cast
from tests.factories import InvitationFactory, JoinRequestFactory, MembershipFactory

pytestmark = pytest.mark.django_db

# The people of the community, and an outsider (who may not join a closed community).
PEOPLE = ("organizer", "facilitator", "member", "outsider")


# --- The routes ------------------------------------------------------------------------------


def all_routes() -> list[tuple[str, str]]:
    """(name, route string) of every named URL pattern of the project."""
    routes: list[tuple[str, str]] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                routes.append((f"{namespace}{pattern.name or route}", route))

    walk(get_resolver().url_patterns, "", "")
    return routes


ROUTES = {name: route for name, route in all_routes() if "<slug:slug>" in route}
COMMUNITY_ROUTES = sorted(ROUTES)


def route_arguments(name: str) -> list[str]:
    """The names of the route's arguments, from its pattern (<int:thread_id> → thread_id)."""
    return re.findall(r"<(?:\w+:)?(\w+)>", ROUTES[name])


# The writes an archived community still allows, with the models they may touch and why.
ALLOWED_WRITES = {
    "leave": (
        {"communities.membership", "communities.auditevent"},
        "leaving is always possible: nobody is kept in a closed community",
    ),
    "community_reopen": (
        {"communities.community", "communities.auditevent", "communities.notification"},
        "reopening is how an organizer undoes the closure",
    ),
    "thread": (
        {"forums.readstate"},
        "reading a thread moves the reader's own read marker (as reading notifications marks "
        "them read); the page answers a POST as a GET",
    ),
}
# What a request writes that is no part of the community: the test client's session (messages
# and the login live there).
IGNORED_MODELS = {"sessions.session"}


# --- The community and its objects, made before it is archived -------------------------------


@dataclass
class World:
    cast: Cast
    ids: dict
    # Objects some routes need instead of the default one of their argument.
    by_route: dict


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 3), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def _build() -> World:
    from assessments.models import Section
    from assessments.services.stories import create_story
    from communities.services import ask_for_help, close_help
    from communities.services.communities import close_community
    from documents import services as document_services
    from forums import services as forum_services
    from forums.models import Attachment, Forum
    from tests.assessments.factories import make_cycle, make_survey

    cast = Cast()
    community = cast.public
    target = MembershipFactory(community=community)
    suspended = MembershipFactory(
        community=community, state=Membership.State.SUSPENDED, suspended_reason="spam"
    )
    silenced = MembershipFactory(
        community=community,
        silenced_until=timezone.now() + timedelta(days=3),
        silenced_reason="spam",
    )
    forum = forum_services.create_forum(
        community, actor=cast.organizer, name="Lesson studies", slug="lesson-studies"
    )
    if hasattr(Forum, "Kind"):
        Forum.objects.filter(pk=forum.pk).update(kind="questions")
        forum.refresh_from_db()
    second_forum = forum_services.create_forum(
        community, actor=cast.organizer, name="Resources", slug="resources"
    )
    thread = forum_services.start_thread(
        forum, actor=cast.member, title="How do you open a lesson?", body="With a question."
    )
    post = thread.posts.get(number=1)
    reply = forum_services.reply(thread, actor=cast.facilitator, body="With a picture.")
    others = forum_services.start_thread(
        forum, actor=target.user, title="Margins", body="What do you write in them?"
    )
    other_post = others.posts.get(number=1)
    forum_services.flag_post(other_post, actor=cast.facilitator, reason="spam")
    hidden = forum_services.start_thread(
        forum, actor=target.user, title="Advertising", body="Buy now."
    ).posts.get(number=1)
    forum_services.hide_post(hidden, actor=cast.facilitator, reason="Advertising.")
    Community.objects.filter(pk=community.pk).update(premoderated_posts=5)
    community.refresh_from_db()
    forum.community = community
    newcomer = MembershipFactory(community=community).user
    pending = forum_services.start_thread(
        forum, actor=newcomer, title="Hello", body="First post."
    ).posts.get(number=1)
    assert pending.is_pending
    Community.objects.filter(pk=community.pk).update(premoderated_posts=0)
    community.refresh_from_db()
    attachment = Attachment(
        post=post,
        community=community,
        uploader=cast.member,
        name="board.png",
        size=len(_png()),
        content_type="image/png",
        sha256="0" * 64,
    )
    attachment.file.save("forums/board.png", ContentFile(_png()), save=False)
    attachment.save()
    folder = document_services.create_folder(
        community, parent=None, name="Lesson plans", actor=cast.member
    )
    document = document_services.upload_document(
        community, upload=ContentFile(b"Notes.\n", name="notes.txt"), actor=cast.member
    ).document
    trashed = document_services.upload_document(
        community, upload=ContentFile(b"Old notes.\n", name="old.txt"), actor=cast.member
    ).document
    document_services.trash_document(trashed, actor=cast.member)
    document_services.add_version(
        document, upload=ContentFile(b"Notes, second round.\n", name="notes.txt"), actor=cast.member
    )
    survey = make_survey(community)
    revision = survey.revisions.order_by("-number").first()
    section = revision.sections.order_by("position", "pk").first()
    question = section.questions.order_by("position", "pk").first()
    Section.objects.create(revision=revision, position=1, title="Next steps")
    cycle = make_cycle(survey)
    story = create_story(
        community,
        actor=cast.member,
        title="A lesson study that travelled",
        happened="Two schools tried the protocol.",
        changed="Pupils explain their reasoning.",
        for_whom="Year 5 classes",
        value_cycles=["immediate", "applied"],
        happened_on=date(2024, 3, 1),
    )
    help_request = ask_for_help(
        community, actor=cast.member, subject="The upload button", body="It does nothing."
    )
    closed_help = ask_for_help(
        community, actor=cast.member, subject="Avatars", body="Mine does not show."
    )
    close_help(closed_help, actor=cast.member)
    join_request = JoinRequestFactory(community=community)
    invitation = InvitationFactory(community=community, created_by=cast.organizer)
    link = InvitationFactory(
        community=community,
        kind=Invitation.Kind.LINK,
        email="",
        max_uses=10,
        created_by=cast.organizer,
    )
    from facilitation.guidelines.services import publish_guidelines, start_guidelines

    publish_guidelines(start_guidelines(community, actor=cast.organizer), actor=cast.organizer)

    entry = _knowledge_entry(community, cast)

    close_community(community, actor=cast.organizer)
    community.refresh_from_db()
    assert community.is_archived
    assert HelpRequest.objects.get(pk=closed_help.pk).state == HelpRequest.State.CLOSED
    ids = {
        "slug": community.slug,
        "membership_id": target.pk,
        "request_id": help_request.pk,
        "invitation_id": invitation.pk,
        "token": link.token,
        "forum_slug": forum.slug,
        "thread_id": thread.pk,
        "post_id": post.pk,
        "attachment_id": attachment.pk,
        "folder_id": folder.pk,
        "document_id": document.pk,
        "number": 1,
        "survey_id": survey.pk,
        "section_id": section.pk,
        "question_id": question.pk,
        "cycle_id": cycle.pk,
        "story_id": story.pk,
        "user_id": cast.member.pk,
        "entry_id": entry.pk if entry is not None else None,
    }
    by_route = {
        "member_reinstate": {"membership_id": suspended.pk},
        "member_unsilence": {"membership_id": silenced.pk},
        "join_request_decide": {"request_id": join_request.pk},
        "help_reopen": {"request_id": closed_help.pk},
        "post_flag": {"post_id": other_post.pk},
        "post_hide": {"post_id": other_post.pk},
        "post_dismiss_flags": {"post_id": other_post.pk},
        "post_restore": {"post_id": hidden.pk},
        "post_approve": {"post_id": pending.pk},
        "document_restore": {"document_id": trashed.pk},
        "forum_move": {"forum_slug": second_forum.slug},
        "_thread": thread.pk,
        "_post": post.pk,
        "_reply": reply.pk,
        "_forum": forum.pk,
        "_section": section.pk,
        "_cycle_questions": [q.pk for q in revision.questions.all()],
    }
    return World(cast, ids, by_route)


def _knowledge_entry(community, cast):
    """A published members-only knowledge entry (None while the knowledge base is not there)."""
    try:
        from facilitation.knowledge.services import promote_to_knowledge
        from facilitation.models import KnowledgeEntry
    except ImportError:
        return None
    return promote_to_knowledge(
        community,
        actor=cast.facilitator,
        sources=[],
        title="Opening a lesson",
        summary="Start with a question the class cares about.",
        tags=["lessons"],
        steward=cast.facilitator,
        review_on=date.today() + timedelta(days=180),
        status=KnowledgeEntry.Status.PUBLISHED,
        visibility=KnowledgeEntry.Visibility.MEMBERS,
    )


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction rolled back at its end (as the cast of
    the permission matrix): each test's savepoint undoes what it wrote."""
    media = tmp_path_factory.mktemp("archived-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        built = _build()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def world(module_world, db):
    return module_world


# --- What to send --------------------------------------------------------------------------


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _data(name: str, world: World) -> dict:
    """A POST body that would do the route's action in an open community."""
    community = Community.objects.get(slug=world.ids["slug"])
    data = {
        "body": "Thanks, I will try it on Monday.",
        "title": "A question on feedback",
        "name": "Observation protocols",
        "description": "Round one.",
        "subject": "Uploading a video",
        "message": "We miss your questions!",
        "reason": "spam",
        "days": "3",
        "role": "facilitator",
        "emails": "newcomer@example.net",
        "max_uses": "5",
        "decision": "approve",
        "action": "lock",
        "kind": "heart",
        "level": "muted",
        "direction": "down",
        "to": "up",
        "shared": "1",
        "note": "Second round",
        "tags": "x",
        "folder": "",
        "start": "blank",
        "confirm": "on",
        "summary": "Start with a question the class cares about.",
        "review_on": (date.today() + timedelta(days=90)).isoformat(),
        "visibility": "members",
    }
    if name == "community_settings":
        values = {field: getattr(community, field) for field in SETTINGS_FIELDS}
        data |= {field: "" if value is None else value for field, value in values.items()}
        data |= {"name": "Renamed community", "status": "active"}
    elif name == "forum_edit":
        data |= {"name": "Lesson study", "slug": world.ids["forum_slug"], "kind": ""}
    elif name == "forum_list":
        data |= {"name": "Lesson studies bis", "slug": "", "kind": ""}
    elif name == "thread_answer":
        data["post"] = world.by_route["_reply"]
    elif name == "knowledge_promote":
        data |= {"thread": world.by_route["_thread"], "status": "published", "steward": ""}
    elif name == "knowledge_edit":
        data |= {"title": "Opening a lesson, again", "status": "published", "steward": ""}
    elif name == "knowledge_status":
        data["action"] = "retire"
    elif name in ("question_new", "question_edit"):
        data |= {
            "section": world.by_route["_section"],
            "kind": "likert",
            "text": "Do you feel heard?",
            "help_text": "",
            "required": "on",
            "low_label": "Not at all",
            "high_label": "A great deal",
            "options": "",
            "value_cycle": "immediate",
        }
    elif name in ("cycle_new", "cycle_edit"):
        opens_at = timezone.now() + timedelta(days=1)
        data |= {
            "title": "Spring pulse",
            "opens_at": _moment(opens_at),
            "closes_at": _moment(opens_at + timedelta(days=14)),
            "recurrence": "",
            "anonymous": "on",
        }
    elif name == "cycle":
        questions = world.by_route["_cycle_questions"]
        answers = ["4", "3", "Teacher", "More time."]
        data |= {f"q{pk}": value for pk, value in zip(questions, answers, strict=False)}
    elif name in ("value_story_new", "value_story_edit"):
        data |= {
            "title": "A lesson study that travelled far",
            "happened": "Two schools tried the protocol we wrote together.",
            "changed": "Pupils now explain their reasoning aloud.",
            "for_whom": "Year 5 classes",
            "value_cycles": ["potential", "applied"],
            "happened_on": "2024-04-02",
        }
    elif name in ("facilitate_welcome", "facilitate_introductions"):
        data |= {"forum": world.by_route["_forum"], "title": "Welcome!"}
    elif name == "guidelines_edit":
        data |= {"body": "Be kind; cite your sources.", "note": "Shorter"}
    elif name == "document_upload":
        data["files"] = SimpleUploadedFile("new.txt", b"New notes.\n", content_type="text/plain")
    elif name == "document_version_new":
        data["file"] = SimpleUploadedFile("notes.txt", b"Notes, again.\n", "text/plain")
    return data


def _kwargs(name: str, world: World) -> dict:
    """The route's arguments, from the objects of the archived community; fails loudly for an
    argument nobody taught this test."""
    kwargs = {}
    for argument in route_arguments(name):
        overrides = world.by_route.get(name, {})
        if argument in overrides:
            kwargs[argument] = overrides[argument]
        elif world.ids.get(argument) is not None:
            kwargs[argument] = world.ids[argument]
        else:
            pytest.fail(
                f"{name}: no object for its argument {argument!r}. Add one to ARGUMENTS "
                "(world.ids / by_route in _build) so this route is checked against closure."
            )
    return kwargs


# --- What changed ----------------------------------------------------------------------------


def snapshot() -> dict[str, tuple[int, str]]:
    """Every model's row count and a digest of all its rows' values."""
    state = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label_lower in IGNORED_MODELS:
            continue
        fields = [f.attname for f in meta.concrete_fields]
        rows = list(model._base_manager.order_by("pk").values_list(*fields))
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        state[meta.label_lower] = (len(rows), digest)
    return state


def changed_models(before: dict, after: dict) -> set[str]:
    return {
        label for label in before.keys() | after.keys() if before.get(label) != after.get(label)
    }


# --- The walk ------------------------------------------------------------------------------


def test_archived_walk_covers_community_routes():
    """The walk sees the routes it must (and the closure flow itself)."""
    assert "thread_reply" in COMMUNITY_ROUTES
    assert "document_upload" in COMMUNITY_ROUTES
    assert "community_close" in COMMUNITY_ROUTES
    assert "community_reopen" in COMMUNITY_ROUTES
    assert set(ALLOWED_WRITES) <= set(COMMUNITY_ROUTES)


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("name", COMMUNITY_ROUTES)
def test_archived_community_refuses_every_write(world, name, person):
    client = Client()
    client.force_login(getattr(world.cast, person))
    url = reverse(name, kwargs=_kwargs(name, world))
    # Compared after each request: a toggle (a reaction) sent twice would undo itself.
    before = snapshot()
    client.post(url, _data(name, world))
    between = snapshot()
    client.post(url, _data(name, world), headers={"HX-Request": "true"})
    changed = changed_models(before, between) | changed_models(between, snapshot())
    allowed, reason = ALLOWED_WRITES.get(name, (set(), ""))
    assert changed <= allowed, (
        f"POST {url} as the {person} of an archived community changed {sorted(changed - allowed)}"
        + (f" (allowed: {sorted(allowed)}, {reason})" if allowed else "")
    )


# --- The data would write: the same walk in the community open again ------------------------
# Without this, a POST refused for bad data would pass the walk above without testing closure.
# Every route writes when the community is open (for at least one of PEOPLE) unless it is a
# page or download with nothing to do on a POST, or listed here with the reason our data cannot
# make it write.
PAGES = {
    "assessments",
    "attachment",
    "audit_log",
    "community",
    "community_search",
    "cycle_aggregates",
    "cycle_export",
    "cycle_results",
    "document",
    "document_download",
    "document_page",
    "document_thumbnail",
    "document_version_download",
    "documents",
    "documents_folder",
    "documents_trash",
    "export_activity",
    "export_members",
    "facilitate",
    "forum",
    "guidelines",
    "guidelines_history",
    "help_requests",
    "join_requests",
    "knowledge",
    "knowledge_entry",
    "knowledge_feed",
    "knowledge_promote_posts",
    "latest",
    "members",
    "mention_suggestions",
    "moderation_queue",
    "post",
    "post_revisions",
    "survey",
    "survey_preview",
    "survey_trends",
    "thread",
    "thread_summary_history",
    "threads_feed",
    "value_report",
    "value_report_pdf",
    "value_stories",
    "value_story",
}
NO_WRITE_WHEN_OPEN = {
    "community_reopen": "an open community has nothing to reopen",
    "guidelines_start": "the guidelines exist already (published before the closure)",
    "join": "everyone of PEOPLE but the outsider is a member; the outsider's join is the "
    "write (checked above as refused)",
    "invitation": "as join",
    "withdraw_request": "nobody of PEOPLE has a pending request",
}


@pytest.mark.parametrize("name", COMMUNITY_ROUTES)
def test_archived_walk_data_writes_in_an_open_community(world, name):
    if name in PAGES or name in ALLOWED_WRITES:
        return
    Community.objects.filter(slug=world.ids["slug"]).update(status=Community.Status.ACTIVE)
    wrote = []
    for person in PEOPLE:
        client = Client()
        client.force_login(getattr(world.cast, person))
        before = snapshot()
        client.post(reverse(name, kwargs=_kwargs(name, world)), _data(name, world))
        if changed_models(before, snapshot()):
            wrote.append(person)
            break
    if name in NO_WRITE_WHEN_OPEN:
        return
    assert wrote, (
        f"POST {name} wrote nothing even in an open community: give it data that would succeed "
        "(_data), or list it in PAGES / NO_WRITE_WHEN_OPEN with a reason"
    )
