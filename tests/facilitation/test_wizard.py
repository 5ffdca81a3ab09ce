"""The set-up wizard's pages (/start/): who may use it, each step's validation, the draft that
keeps every answer (resume, back and next), the presets of the orientation, launching once."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from assessments.models import Cycle
from communities.models import Community, Invitation, Membership, SiteSettings
from documents.models import Folder
from facilitation.models import WizardDraft
from facilitation.wizard.launch import launch
from forums.models import Forum
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

THEME = {
    "name": "Coastal Heritage Planners",
    "theme": "Protecting coastal heritage through planning",
    "practice": "Planners and heritage specialists of the coast compare how they work.",
    "language": "en",
}
ORIENTATION = {
    "rank_content": "1",
    "rank_access_to_expertise": "2",
    "rank_meetings": "3",
    "rank_relationships": "4",
}
PRIVACY = {"visibility": "public", "join_policy": "request", "premoderated_posts": "2"}
RECRUITMENT = {
    "emails": "ana@example.org\nben@example.org",
    "facilitators": "fay@example.org",
    "message": "Come and share what works.",
    "create_link": "on",
    "link_days": "14",
    "link_max_uses": "50",
}


def _forums(*rows, removed=()) -> dict:
    data = {
        "forum-TOTAL_FORMS": str(len(rows)),
        "forum-INITIAL_FORMS": str(len(rows)),
        "forum-MIN_NUM_FORMS": "0",
        "forum-MAX_NUM_FORMS": "20",
    }
    for index, (name, description) in enumerate(rows):
        data[f"forum-{index}-name"] = name
        data[f"forum-{index}-description"] = description
        if index in removed:
            data[f"forum-{index}-DELETE"] = "on"
    return data


FORUMS = _forums(
    ("General discussion", "Everything about coastal heritage."),
    ("Questions and answers", "Ask those who know."),
    ("Meetings", "Agendas and notes."),
)


def _assessment(**changes) -> dict:
    opens_on = (timezone.localdate() + timedelta(days=7)).isoformat()
    return {"template": "pulse", "recurrence": "quarterly", "opens_on": opens_on, **changes}


STEPS = {1: THEME, 2: ORIENTATION, 3: PRIVACY, 4: FORUMS, 5: RECRUITMENT}


def _post(client, step: int, data: dict, action: str = "next"):
    return client.post(f"/start/{step}/", {**data, "action": action})


def _run_to(client, last: int) -> None:
    """Answer steps 1 to `last` (valid answers), each with Next."""
    for step in range(1, last + 1):
        data = _assessment() if step == 6 else STEPS[step]
        response = _post(client, step, data)
        assert response.status_code == 302, (step, response.content.decode()[:3000])


def _draft(user) -> WizardDraft:
    return WizardDraft.objects.get(owner=user, launched_at__isnull=True)


@pytest.fixture
def organizer(db):
    return UserFactory(email="olga@example.org", display_name="Olga Founder")


@pytest.fixture
def wizard(client, organizer):
    client.force_login(organizer)
    return client


# --- Who may start a community --------------------------------------------------------------


def test_wizard_anonymous_is_sent_to_log_in(client):
    for url in ("/start/", "/start/1/", "/start/discard/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_wizard_refused_when_only_marked_organizers_may_start(client):
    SiteSettings.objects.create(pk=1, community_creators=SiteSettings.Creators.ORGANIZERS)
    person = UserFactory()
    client.force_login(person)
    for url in ("/start/", "/start/1/", "/start/7/", "/start/discard/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "only the people the site’s staff have marked as organizers" in (
            response.content.decode()
        )
    response = _post(client, 1, THEME)
    assert response.status_code == 403
    assert not WizardDraft.objects.exists()


def test_wizard_open_to_marked_organizers_and_staff(client):
    SiteSettings.objects.create(pk=1, community_creators=SiteSettings.Creators.ORGANIZERS)
    marked = UserFactory(may_create_communities=True)
    staff = UserFactory(is_staff=True)
    for person in (marked, staff):
        client.force_login(person)
        assert client.get("/start/").url == "/start/1/"
        assert client.get("/start/1/").status_code == 200


def test_wizard_open_to_anyone_signed_in_by_default(wizard):
    response = wizard.get("/start/1/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-current="step"' in page
    assert "Step 1 of 7" in page


# --- Step validation ------------------------------------------------------------------------


def test_wizard_theme_requires_each_answer_and_keeps_the_text(wizard, organizer):
    response = _post(wizard, 1, {**THEME, "name": "  ", "practice": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert THEME["theme"] in page
    # Kept in the draft, not saved as answers: the step is not done.
    draft = _draft(organizer)
    assert draft.step == 1
    assert "theme" not in draft.data
    assert draft.data["typed"]["theme"]["theme"] == [THEME["theme"]]


def test_wizard_theme_refuses_an_unknown_language_and_a_short_name(wizard):
    response = _post(wizard, 1, {**THEME, "language": "xx", "name": "A"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice." in page
    assert "at least 3 characters" in page


def test_wizard_orientation_needs_one_rank_and_unique_ranks(wizard, organizer):
    _run_to(wizard, 1)
    response = _post(wizard, 2, {})
    assert response.status_code == 400
    assert "Rank at least one orientation" in response.content.decode()
    response = _post(wizard, 2, {"rank_meetings": "1", "rank_projects": "1", "rank_content": "2"})
    assert response.status_code == 400
    assert response.content.decode().count("Rank 1 is given to more than one orientation") == 2
    response = _post(wizard, 2, {"rank_meetings": "10"})
    assert response.status_code == 400
    response = _post(wizard, 2, {"rank_meetings": "3", "rank_projects": "1", "rank_content": "2"})
    assert response.status_code == 302
    assert _draft(organizer).data["orientation"] == {"ranking": ["projects", "content", "meetings"]}
    # Shown again as ranked.
    page = wizard.get("/start/2/").content.decode()
    assert '<option value="3" selected>3</option>' in page


def test_wizard_privacy_checks_its_choices(wizard):
    _run_to(wizard, 2)
    response = _post(
        wizard, 3, {"visibility": "secret", "join_policy": "open", "premoderated_posts": "-1"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice." in page
    assert "greater than or equal to 0" in page
    response = _post(wizard, 3, {**PRIVACY, "premoderated_posts": "99999999999999999999"})
    assert response.status_code == 400


def test_wizard_forums_refuse_duplicates_the_help_forum_and_nameless_rows(wizard):
    _run_to(wizard, 3)
    response = _post(
        wizard,
        4,
        _forums(("Meetings", ""), ("meetings", ""), ("Help and how-to", ""), ("", "orphan")),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Two forums have this name" in page
    assert "The help forum is always included" in page
    assert "Give this forum a name, or remove the row." in page


def test_wizard_forums_rows_are_added_removed_and_renamed(wizard, organizer):
    _run_to(wizard, 3)
    rows = _forums(("General discussion", ""), ("Meetings", "Notes"), removed=(1,))
    rows["forum-0-name"] = "Talk"
    response = _post(wizard, 4, rows, action="add")
    assert response.status_code == 302
    page = wizard.get("/start/4/").content.decode()
    # The typed rows are kept, with one more empty row.
    assert 'name="forum-TOTAL_FORMS" value="3"' in page
    assert 'value="Talk"' in page
    assert 'name="forum-2-name"' in page
    data = _forums(("Talk", ""), ("Meetings", "Notes"), ("", ""), removed=(1,))
    data["forum-2-name"] = "Field visits"
    response = _post(wizard, 4, data)
    assert response.status_code == 302
    assert _draft(organizer).data["forums"]["forums"] == [
        {"name": "Talk", "description": ""},
        {"name": "Field visits", "description": ""},
    ]


def test_wizard_forums_without_management_data_do_not_fail(wizard):
    _run_to(wizard, 3)
    response = _post(wizard, 4, {"forum-0-name": "Talk"})
    assert response.status_code == 400
    response = _post(wizard, 4, {**FORUMS, "forum-TOTAL_FORMS": "999999999999"})
    assert response.status_code == 400
    response = _post(wizard, 4, {**FORUMS, "forum-TOTAL_FORMS": "x"}, action="add")
    assert response.status_code == 302


def test_wizard_recruitment_checks_every_line(wizard, organizer):
    _run_to(wizard, 4)
    response = _post(
        wizard,
        5,
        {**RECRUITMENT, "emails": "ana@example.org\nnot an address\n", "facilitators": "x@"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 2: “not an address” — not a valid email address" in page
    assert "“x@” — not a valid email address" in page
    assert "ana@example.org" in page
    response = _post(wizard, 5, {**RECRUITMENT, "link_days": "", "create_link": "on"})
    assert response.status_code == 400
    response = _post(wizard, 5, {**RECRUITMENT, "emails": "a@example.org\n" * 501})
    assert response.status_code == 302  # duplicates are skipped, not counted
    many = "\n".join(f"p{n}@example.org" for n in range(501))
    response = _post(wizard, 5, {**RECRUITMENT, "emails": many})
    assert response.status_code == 400
    assert "at most 500 can be invited at once" in response.content.decode()


def test_wizard_recruitment_reads_a_csv_and_skips_the_organizer(wizard, organizer):
    _run_to(wizard, 4)
    upload = io.BytesIO(b"email,name\ncarla@example.org,Carla\nOLGA@example.org,Me\n")
    upload.name = "people.csv"
    response = wizard.post(
        "/start/5/",
        {
            **RECRUITMENT,
            "emails": "ana@example.org",
            "facilitators": "fay@example.org\nana@example.org",
            "csv_file": upload,
            "action": "next",
        },
    )
    assert response.status_code == 302
    answers = _draft(organizer).data["recruitment"]
    assert answers["facilitators"] == ["fay@example.org", "ana@example.org"]
    # Ana is a facilitator already; the organizer needs no invitation.
    assert answers["emails"] == ["carla@example.org"]
    assert answers["link"] == {"days": 14, "max_uses": 50}
    # Back on the step, the CSV's addresses are in the list.
    page = wizard.get("/start/5/").content.decode()
    assert "carla@example.org" in page


def test_wizard_recruitment_may_invite_nobody_yet(wizard, organizer):
    _run_to(wizard, 4)
    response = _post(wizard, 5, {"emails": "", "facilitators": "", "message": ""})
    assert response.status_code == 302
    assert _draft(organizer).data["recruitment"] == {
        "emails": [],
        "facilitators": [],
        "message": "",
        "link": None,
    }


def test_wizard_assessment_checks_the_first_day(wizard, organizer):
    _run_to(wizard, 5)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    far = (timezone.localdate() + timedelta(days=400)).isoformat()
    for opens_on, error in (
        ("", "Choose the day the first assessment opens."),
        (yesterday, "Choose today or a later day."),
        (far, "Choose a day within the coming year."),
        ("99999-01-01", "Enter a valid date."),
    ):
        response = _post(wizard, 6, _assessment(opens_on=opens_on))
        assert response.status_code == 400
        assert error in response.content.decode()
    response = _post(wizard, 6, _assessment(template="nonsense"))
    assert response.status_code == 400
    response = _post(wizard, 6, {"template": "", "recurrence": "", "opens_on": ""})
    assert response.status_code == 302
    assert _draft(organizer).data["assessment"] == {
        "template": "",
        "recurrence": "",
        "opens_on": "",
    }


# --- The draft: resume, back and next, steps reachable --------------------------------------


def test_wizard_steps_beyond_the_furthest_are_not_reachable(wizard, organizer):
    assert wizard.get("/start/3/").url == "/start/1/"
    assert wizard.get("/start/7/").url == "/start/1/"
    _run_to(wizard, 2)
    assert wizard.get("/start/5/").url == "/start/3/"
    assert wizard.get("/start/2/").status_code == 200
    assert wizard.get("/start/0/").status_code == 404
    assert wizard.get("/start/8/").status_code == 404
    assert wizard.get("/start/99999999999999999999/").status_code == 404
    response = _post(wizard, 5, RECRUITMENT)
    assert response.url == "/start/3/"
    assert "recruitment" not in _draft(organizer).data


def test_wizard_resumes_at_the_furthest_step_after_leaving(wizard, organizer):
    _run_to(wizard, 2)
    response = _post(wizard, 3, PRIVACY, action="leave")
    assert response.url == "/"
    draft = _draft(organizer)
    assert draft.data["privacy"]["join_policy"] == "request"
    # Leaving saves without moving on: the step itself is where one resumes.
    assert draft.step == 3
    WizardDraft.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - timedelta(days=1))
    before = WizardDraft.objects.get(pk=draft.pk).updated_at
    response = wizard.get("/start/", follow=True)
    assert response.redirect_chain == [("/start/3/", 302)]
    page = response.content.decode()
    assert "Welcome back: your draft continues at step 3" in page
    assert 'value="request" class="form-check-input" id="id_join_policy_1" checked' in page or (
        "checked" in page
    )
    _post(wizard, 3, PRIVACY)
    after = _draft(organizer)
    assert after.step == 4
    assert after.updated_at > before
    assert WizardDraft.objects.filter(owner=organizer).count() == 1


def test_wizard_back_keeps_typed_text_even_when_invalid(wizard, organizer):
    _run_to(wizard, 2)
    # Invalid (no join policy), yet what was typed comes back.
    response = _post(
        wizard, 3, {"visibility": "private", "premoderated_posts": "abc"}, action="back"
    )
    assert response.url == "/start/2/"
    page = wizard.get("/start/3/").content.decode()
    assert 'value="abc"' in page
    assert 'value="private" class="form-check-input" id="id_visibility_1" required checked' in (
        page
    ) or ('id="id_visibility_1"' in page and "checked" in page)
    # Valid: saved as answers, the furthest step unchanged.
    response = _post(wizard, 3, PRIVACY, action="back")
    assert response.url == "/start/2/"
    draft = _draft(organizer)
    assert draft.data["privacy"] == {
        "visibility": "public",
        "join_policy": "request",
        "premoderated_posts": 2,
    }
    assert draft.step == 3
    assert "privacy" not in draft.data["typed"]
    # Next then Back from step 1 and 2: the text is there.
    page = wizard.get("/start/1/").content.decode()
    assert THEME["practice"] in page


def test_wizard_typed_text_with_nul_bytes_never_reaches_the_draft(wizard, organizer):
    response = _post(wizard, 1, {**THEME, "name": "Bad\x00name"})
    assert response.status_code == 400
    for draft in WizardDraft.objects.filter(owner=organizer):
        assert "\x00" not in str(draft.data)
        assert "theme" not in draft.data
    assert wizard.get("/start/1/").status_code in (200, 400)


def test_wizard_return_to_review_once_reached(wizard):
    _run_to(wizard, 6)
    page = wizard.get("/start/2/").content.decode()
    assert 'value="review"' in page
    response = _post(wizard, 2, ORIENTATION, action="review")
    assert response.url == "/start/7/"


def test_wizard_discard_asks_then_throws_the_draft_away(wizard, organizer):
    _run_to(wizard, 2)
    page = wizard.get("/start/discard/").content.decode()
    assert "Discard the draft?" in page
    assert THEME["name"] in page
    assert WizardDraft.objects.filter(owner=organizer).exists()
    response = wizard.post("/start/discard/")
    assert response.url == "/"
    assert not WizardDraft.objects.filter(owner=organizer).exists()
    assert wizard.get("/start/").url == "/start/1/"
    assert wizard.get("/start/discard/").url == "/start/"


# --- The orientation's presets --------------------------------------------------------------


def _suggested(wizard, ranks: dict) -> str:
    _post(wizard, 1, THEME)
    _post(wizard, 2, ranks)
    _post(wizard, 3, PRIVACY)
    return wizard.get("/start/4/").content.decode()


def test_wizard_presets_questions_and_meetings_forums(wizard):
    page = _suggested(wizard, {"rank_access_to_expertise": "1", "rank_meetings": "2"})
    assert 'value="Questions and answers"' in page
    assert 'value="Meetings"' in page
    assert 'value="General discussion"' in page
    assert "Open discussion on our theme: Protecting coastal heritage through planning." in page
    assert 'value="Open conversation"' not in page
    assert "Help and how-to" in page


def test_wizard_presets_more_forums_for_open_conversation(wizard):
    page = _suggested(wizard, {"rank_open_conversation": "1"})
    assert 'value="Open conversation"' in page
    assert 'value="Ideas to explore"' in page
    assert 'value="Questions and answers"' not in page


def test_wizard_presets_follow_only_the_top_three(wizard, organizer):
    page = _suggested(
        wizard,
        {
            "rank_relationships": "1",
            "rank_projects": "2",
            "rank_serving_context": "3",
            "rank_meetings": "4",
        },
    )
    assert 'value="Meetings"' not in page
    assert 'value="Projects"' in page


def test_wizard_suggest_again_after_changing_the_orientation(wizard, organizer):
    _run_to(wizard, 4)
    _post(wizard, 2, {"rank_open_conversation": "1"}, action="review")
    page = wizard.get("/start/4/").content.decode()
    # The saved list stays the organizer's own until they ask for suggestions again.
    assert 'value="Open conversation"' not in page
    response = _post(wizard, 4, {}, action="suggest")
    assert response.url == "/start/4/"
    page = wizard.get("/start/4/").content.decode()
    assert 'value="Open conversation"' in page


def test_wizard_review_shows_every_answer_with_change_links(wizard):
    _run_to(wizard, 6)
    page = wizard.get("/start/7/").content.decode()
    for text in (
        THEME["name"],
        THEME["theme"],
        "Content",
        "Access to expertise",
        "On request: facilitators approve each request",
        "The first 2 posts of each new member wait",
        "Help and how-to",
        "Questions and answers",
        "Guides and how-tos",
        "ana@example.org, ben@example.org",
        "fay@example.org",
        "Yes: valid 14 days, 50 uses at most",
        "Community pulse (5 questions)",
        "Every quarter",
    ):
        assert text in page, text
    for step in range(1, 7):
        assert f'href="/start/{step}/"' in page


# --- Launch ---------------------------------------------------------------------------------


def test_wizard_launch_makes_the_community_and_opens_its_dashboard(
    wizard, organizer, django_capture_on_commit_callbacks
):
    _run_to(wizard, 6)
    with django_capture_on_commit_callbacks(execute=True):
        response = wizard.post("/start/7/", {"action": "launch", "submission": "a" * 32})
    community = Community.objects.get(name=THEME["name"])
    assert response.status_code == 302
    assert response.url == f"/c/{community.slug}/facilitate/"
    assert community.slug == "coastal-heritage-planners"
    assert community.join_policy == "request"
    assert community.premoderated_posts == 2
    assert community.description_html
    assert community.orientation["ranking"] == [
        "content",
        "access_to_expertise",
        "meetings",
        "relationships",
    ]
    assert Membership.objects.get(community=community, user=organizer).role == "organizer"
    assert set(Forum.objects.filter(community=community).values_list("name", flat=True)) == {
        "Help and how-to",
        "General discussion",
        "Questions and answers",
        "Meetings",
    }
    assert Folder.objects.filter(community=community).count() == 3
    assert set(
        Invitation.objects.filter(community=community, kind="email").values_list("email", "role")
    ) == {
        ("ana@example.org", "member"),
        ("ben@example.org", "member"),
        ("fay@example.org", "facilitator"),
    }
    assert Invitation.objects.filter(community=community, kind="link").count() == 1
    assert sorted(email.to[0] for email in mail.outbox) == [
        "ana@example.org",
        "ben@example.org",
        "fay@example.org",
    ]
    cycle = Cycle.objects.get(community=community)
    assert cycle.recurrence == "quarterly"
    assert cycle.survey.template == "pulse"
    draft = WizardDraft.objects.get(owner=organizer)
    assert draft.community == community
    assert draft.launched_at is not None
    # A new /start/ begins afresh.
    assert wizard.get("/start/").url == "/start/1/"
    assert wizard.get("/start/1/").status_code == 200


def test_wizard_launch_sent_twice_makes_one_community(wizard, organizer):
    _run_to(wizard, 6)
    key = "b" * 32
    first = wizard.post("/start/7/", {"action": "launch", "submission": key})
    second = wizard.post("/start/7/", {"action": "launch", "submission": key})
    assert Community.objects.filter(name=THEME["name"]).count() == 1
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    # Without the key (an old page), the second send finds the draft launched.
    third = wizard.post("/start/7/", {"action": "launch"})
    assert third.url == first.url
    assert Community.objects.filter(name=THEME["name"]).count() == 1


def test_wizard_launch_waiting_behind_an_earlier_send_is_shown_its_result(wizard, organizer):
    _run_to(wizard, 6)
    # What a second send read before the first one committed: the draft not launched yet.
    stale = _draft(organizer)
    community = launch(stale, actor=organizer)
    with mock.patch("facilitation.wizard.views.drafts.open_draft_of", return_value=stale):
        response = wizard.post("/start/7/", {"action": "launch"})
    assert response.url == f"/c/{community.slug}/facilitate/"
    assert Community.objects.count() == 1


def test_wizard_launch_needs_the_review_reached(wizard):
    _run_to(wizard, 5)
    response = wizard.post("/start/7/", {"action": "launch"})
    assert response.url == "/start/6/"
    assert not Community.objects.exists()


def test_wizard_launch_refused_once_the_right_is_withdrawn(wizard, organizer):
    _run_to(wizard, 6)
    SiteSettings.objects.create(pk=1, community_creators=SiteSettings.Creators.ORGANIZERS)
    response = wizard.post("/start/7/", {"action": "launch"})
    assert response.status_code == 403
    assert not Community.objects.exists()


def test_wizard_recruitment_errors_come_back_with_the_text_after_going_back(wizard):
    _run_to(wizard, 4)
    response = _post(wizard, 5, {**RECRUITMENT, "emails": "ana@example.org\nnope"}, "back")
    assert response.url == "/start/4/"
    page = wizard.get("/start/5/").content.decode()
    assert "Line 2: “nope” — not a valid email address" in page
    assert "ana@example.org\nnope" in page
