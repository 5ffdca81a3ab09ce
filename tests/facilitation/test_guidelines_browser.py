"""The guidelines pages in Chromium: a facilitator drafts, edits and publishes; axe finds no
serious or critical violation at desktop and phone width."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from facilitation.guidelines import services
from facilitation.models import Guidelines
from tests.conftest import TEST_PASSWORD
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _log_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(live_server.url + "/")


def _serious(violations: list[dict]) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): {violation['nodes'][0]['target']}"
        for violation in violations
        if violation.get("impact") in ("serious", "critical")
    ]


def test_guidelines_browser_draft_edit_publish_and_axe(browser, live_server):
    community = CommunityFactory(slug="lesson-study", name="Lesson Study")
    facilitator = UserFactory(display_name="Fatou Facilitator")
    newcomer = UserFactory(display_name="Nina Newcomer")
    MembershipFactory(community=community, user=facilitator, role="facilitator")
    MembershipFactory(community=community, user=newcomer, joined_at=timezone.now())
    axe = Axe()
    problems: dict[str, list[str]] = {}

    def check(page, name: str) -> None:
        for width, size in WIDTHS.items():
            page.set_viewport_size(size)
            found = _serious(axe.run(page).response["violations"])
            if found:
                problems[f"{name} at {width}"] = found

    context = browser.new_context(locale="en-GB", viewport=WIDTHS["desktop"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        _log_in(page, live_server, facilitator.email)
        page.goto(live_server.url + reverse("guidelines", args=[community.slug]))
        check(page, "empty guidelines")
        page.get_by_role("button", name="Draft from the template").click()
        page.wait_for_url("**/guidelines/edit/")
        check(page, "edit")
        page.get_by_label("What changed").fill("Our first version")
        page.get_by_role("button", name="Save and publish").click()
        page.wait_for_url(live_server.url + reverse("guidelines", args=[community.slug]))
        assert page.get_by_role("heading", name="Why we are here").is_visible()
        check(page, "published guidelines")
        page.get_by_role("link", name="Propose a change").click()
        assert page.get_by_role("heading", name="Our guidelines: propose changes").is_visible()
        page.go_back()
        page.get_by_role("link", name="History of the changes").click()
        check(page, "history")
        context.clear_cookies()
        _log_in(page, live_server, newcomer.email)
        page.goto(live_server.url + reverse("community", args=[community.slug]))
        assert page.get_by_role("heading", name="Our guidelines").is_visible()
        check(page, "newcomer panel")
    finally:
        context.close()
    guidelines = Guidelines.objects.get(community=community)
    assert guidelines.is_published
    assert services.edit_guidelines(guidelines, actor=facilitator, body="x") is True
    assert problems == {}
