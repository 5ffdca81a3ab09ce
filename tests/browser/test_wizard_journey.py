"""The set-up wizard in Chromium (issue 14's acceptance journey, its wizard part): a new verified
account starts a community, stops after step 3 and comes back the next day to find its draft at
step 4, edits the suggested forums, invites people by a pasted list, a CSV file and as
co-facilitators, chooses an assessment rhythm, reviews and launches; it lands on the new
community's dashboard, the invitees have their emails, and the forums, guidelines and
assessment cycle exist as chosen."""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Cycle
from communities.models import Community, Invitation, Membership
from facilitation.models import CommunitySetup, Guidelines, WizardDraft
from forums.models import Forum
from tests.browser.people import expect_told, log_in
from tests.conftest import TEST_PASSWORD
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Coastal Heritage Planners"
SLUG = "coastal-heritage-planners"
FOUNDER = ("noor@example.org", "Noor Haddad")
# What Chromium logs for a page answered with 400 (the orientation step sent with an error).
INVALID_PAGE = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


def _next(page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def _no_serious_accessibility_problem(page) -> None:
    """axe-core finds nothing serious or critical on the page as it is now."""
    violations = Axe().run(page).response["violations"]
    serious = [
        f"{violation['id']}: {[node['target'] for node in violation['nodes'][:3]]}"
        for violation in violations
        if violation.get("impact") in ("serious", "critical")
    ]
    assert serious == [], page.url


def _current_step(page, title: str):
    return page.get_by_role("navigation", name="Set-up steps").locator('[aria-current="step"]')


def _log_out(page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    page.get_by_role("button", name="Log out").click()
    expect(
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Log in")
    ).to_be_visible()


def test_journey_organizer_starts_a_community_resumes_the_next_day_and_launches(
    page, live_server, mailoutbox, new_page
):
    founder = UserFactory(email=FOUNDER[0], display_name=FOUNDER[1])
    log_in(page, live_server, *FOUNDER, password=TEST_PASSWORD)
    page.get_by_role("link", name="Start a community").click()

    # 1. Theme.
    expect(page).to_have_url(live_server.url + "/start/1/")
    expect(page.get_by_role("heading", name="Step 1 of 7: Theme")).to_be_visible()
    expect(_current_step(page, "Theme")).to_contain_text("Theme")
    _no_serious_accessibility_problem(page)
    page.get_by_label("Name of the community").fill(NAME)
    page.get_by_label("Theme statement").fill("Protecting coastal heritage through planning")
    page.get_by_label("The practice it serves").fill(
        "Planners, councillors and heritage specialists of the coast compare how they work."
    )
    _next(page)

    # 2. Orientation: a rank for each, keyboard-friendly selects; a duplicate rank is refused.
    expect(page.get_by_role("heading", name="Step 2 of 7: Orientation")).to_be_visible()
    page.get_by_label("Content", exact=True).select_option("1")
    page.get_by_label("Access to expertise", exact=True).select_option("1")
    _next(page)
    expect(page.get_by_text("Rank 1 is given to more than one orientation").first).to_be_visible()
    _no_serious_accessibility_problem(page)
    page.get_by_label("Access to expertise", exact=True).select_option("2")
    page.get_by_label("Meetings", exact=True).select_option("3")
    _next(page)

    # 3. Privacy and joining; then the organizer stops for the day.
    expect(page.get_by_role("heading", name="Step 3 of 7: Privacy and joining")).to_be_visible()
    _no_serious_accessibility_problem(page)
    page.get_by_label("On request: facilitators approve each request").check()
    page.get_by_label("Posts held for approval").fill("2")
    _next(page)
    expect(page.get_by_role("heading", name="Step 4 of 7: Forums")).to_be_visible()
    _log_out(page, FOUNDER[1])

    # The next day (the draft's clock moved back a day): /start/ resumes at step 4.
    draft = WizardDraft.objects.get(owner=founder)
    assert draft.step == 4
    yesterday = timezone.now() - timedelta(days=1)
    WizardDraft.objects.filter(pk=draft.pk).update(created_at=yesterday, updated_at=yesterday)
    log_in(page, live_server, *FOUNDER, password=TEST_PASSWORD)
    page.get_by_role("link", name="Start a community").click()
    expect(page).to_have_url(live_server.url + "/start/4/")
    expect_told(page, "Welcome back: your draft continues at step 4, Forums.")
    # The earlier steps kept their answers.
    page.get_by_role("navigation", name="Set-up steps").get_by_role("link", name="1. Theme").click()
    expect(page.get_by_label("Name of the community")).to_have_value(NAME)
    page.get_by_role("navigation", name="Set-up steps").get_by_role(
        "link", name="4. Forums"
    ).click()

    # 4. Forums: the orientation's suggestions, edited; the help forum always there.
    expect(page.locator(".help-forum")).to_contain_text("Help and how-to")
    _no_serious_accessibility_problem(page)
    names = page.get_by_label("Forum name")
    expect(names).to_have_count(3)
    expect(names.nth(0)).to_have_value("General discussion")
    expect(names.nth(1)).to_have_value("Questions and answers")
    expect(names.nth(2)).to_have_value("Meetings")
    names.nth(0).fill("Coastal talk")
    page.get_by_label("Remove this forum").nth(2).check()
    page.get_by_role("button", name="Add a row").click()
    expect(names).to_have_count(4)
    # What was typed before adding the row is still there.
    expect(names.nth(0)).to_have_value("Coastal talk")
    names.nth(3).fill("Field visits")
    page.get_by_label("What it is for").nth(3).fill("Reports from site visits.")
    _next(page)

    # 5. Recruitment: pasted addresses, a CSV file, a co-facilitator, a link.
    expect(page.get_by_role("heading", name="Step 5 of 7: Recruitment")).to_be_visible()
    _no_serious_accessibility_problem(page)
    page.get_by_label("Invite members by email").fill("ana@example.org\nben@example.org")
    page.get_by_label("Or a CSV file").set_input_files(
        files=[
            {
                "name": "people.csv",
                "mimeType": "text/csv",
                "buffer": b"email,name\ncarla@example.org,Carla\n",
            }
        ]
    )
    page.get_by_label("Co-facilitators").fill("fay@example.org")
    page.get_by_label("Also create an invitation link to share").check()
    _next(page)

    # 6. Assessment rhythm (the page is usable at phone width too).
    expect(page.get_by_role("heading", name="Step 6 of 7: Assessment rhythm")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _no_serious_accessibility_problem(page)
    page.get_by_label("Community pulse (5 questions)").check()
    page.get_by_label("Repeat").select_option(label="Every quarter")
    opens_on = timezone.localdate() + timedelta(days=10)
    page.get_by_label("The first assessment opens on").fill(opens_on.isoformat())
    _next(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # 7. Review, then launch.
    expect(page.get_by_role("heading", name="Step 7 of 7: Review and launch")).to_be_visible()
    _no_serious_accessibility_problem(page)
    review = page.locator(".review")
    for text in (
        NAME,
        "On request: facilitators approve each request",
        "Coastal talk",
        "Field visits",
        "ana@example.org, ben@example.org, carla@example.org",
        "fay@example.org",
        "Community pulse (5 questions)",
        "Every quarter",
    ):
        expect(review).to_contain_text(text)
    expect(review.locator("ul.forums")).not_to_contain_text("Meetings")
    page.get_by_role("button", name="Launch the community").click()

    expect(page).to_have_url(live_server.url + f"/c/{SLUG}/facilitate/")
    expect_told(page, f"{NAME} is launched.")
    expect(page.get_by_role("heading", name="Getting started")).to_be_visible()

    community = Community.objects.get(slug=SLUG)
    assert community.join_policy == "request"
    assert community.premoderated_posts == 2
    assert community.orientation["ranking"] == ["content", "access_to_expertise", "meetings"]
    assert Membership.objects.get(community=community, user=founder).role == "organizer"
    assert list(
        Forum.objects.filter(community=community)
        .order_by("position")
        .values_list("name", flat=True)
    ) == ["Help and how-to", "Coastal talk", "Questions and answers", "Field visits"]
    assert Guidelines.objects.filter(community=community).exists()
    cycle = Cycle.objects.get(community=community)
    assert (cycle.survey.template, cycle.recurrence) == ("pulse", "quarterly")
    assert timezone.localdate(cycle.opens_at) == opens_on
    assert CommunitySetup.objects.get(community=community).invitations_at_launch == 4
    assert Invitation.objects.filter(community=community, kind="link").count() == 1

    # The invitees received their emails, with a link into the new community.
    invited = {email.to[0]: email for email in mailoutbox if "/invite/" in email.body}
    assert sorted(invited) == [
        "ana@example.org",
        "ben@example.org",
        "carla@example.org",
        "fay@example.org",
    ]
    for email in invited.values():
        assert NAME in email.subject
        assert re.search(rf"{re.escape(live_server.url)}/c/{SLUG}/invite/\S+/", email.body)
    assert Invitation.objects.get(community=community, email="fay@example.org").role == (
        "facilitator"
    )
    draft.refresh_from_db()
    assert draft.community == community
    # The guidelines are drafted, with the thread where members will propose changes.
    expect(page.get_by_role("link", name="Guidelines", exact=True)).to_be_visible()

    # Ana follows her invitation, joins, and asks the facilitators for help from the forums.
    ana = new_page()
    UserFactory(email="ana@example.org", display_name="Ana Alves")
    log_in(ana, live_server, "ana@example.org", "Ana Alves", password=TEST_PASSWORD)
    link = re.search(r"https?://\S+/invite/\S+/", invited["ana@example.org"].body).group(0)
    ana.goto(link)
    ana.get_by_role("button", name="Accept and join").click()
    expect(ana).to_have_url(live_server.url + f"/c/{SLUG}/")
    ana.get_by_role("link", name="Forums", exact=True).click()
    ana.get_by_role("link", name="Ask the facilitators").click()
    ana.get_by_label("Subject").fill("Sharing a survey map")
    ana.get_by_label("What do you need help with?").fill("How do I attach a large map to a post?")
    ana.get_by_role("button", name="Send to the facilitators").click()
    expect(ana.get_by_role("heading", name="Sharing a survey map")).to_be_visible()

    # The founder sees it on the dashboard and answers from there.
    page.reload()
    expect(page.locator('[data-tile="help"] .tile-number')).to_have_text("1")
    page.get_by_role("link", name="Sharing a survey map").click()
    expect(page.get_by_text("How do I attach a large map to a post?")).to_be_visible()
    page.get_by_label("Message").fill("Put it in the library, then link it from your post.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Put it in the library, then link it from your post.")).to_be_visible()

    # Ana reads the answer; the request is answered, and gone from the dashboard's open list.
    ana.reload()
    expect(ana.get_by_text("Put it in the library, then link it from your post.")).to_be_visible()
    page.goto(live_server.url + f"/c/{SLUG}/facilitate/")
    expect(page.locator('[data-tile="help"] .tile-number')).to_have_text("0")
    assert ana.console_errors == []
    # The one step sent with a mistake answered 400; nothing else went wrong (CSP included).
    assert page.console_errors == [INVALID_PAGE], page.console_errors
