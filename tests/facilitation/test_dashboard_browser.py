"""The dashboard in Chromium on the demo data: axe finds no serious violation at desktop and
phone width, nothing overflows a phone's width, and a facilitator nudges a member with one click."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from communities.models import Community, Notification
from facilitation.events import FacilitationEvent
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "math-teachers"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _log_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(live_server.url + "/")


def _serious(violations: list[dict]) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(", ".join(node["target"]) for node in violation["nodes"][:3])
        for violation in violations
        if violation.get("impact") in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_dashboard_browser_accessible_and_fits(browser, live_server, width):
    call_command("seed_demo")
    context = browser.new_context(locale="en-GB", viewport=WIDTHS[width])
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        _log_in(page, live_server, "facilitator@example.com")
        for address in (
            reverse("facilitate", args=[SLUG]),
            reverse("facilitate_welcome", args=[SLUG]),
            reverse("facilitate_introductions", args=[SLUG]),
        ):
            response = page.goto(live_server.url + address)
            assert response.status == 200, address
            # Open the folded parts, so axe checks them too.
            for summary in page.locator("details > summary").all():
                summary.click()
            assert _serious(Axe().run(page).response["violations"]) == [], address
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{address} is wider than the screen by {overflow}px"
        page.goto(live_server.url + reverse("facilitate", args=[SLUG]))
    finally:
        context.close()


def test_dashboard_browser_nudge_in_one_click(browser, live_server):
    call_command("seed_demo")
    # A newcomer who has said nothing in three weeks.
    MembershipFactory(
        community=Community.objects.get(slug=SLUG),
        user=UserFactory(display_name="Quiet Quentin"),
        joined_at=timezone.now() - timedelta(days=21),
    )
    context = browser.new_context(locale="en-GB", viewport=WIDTHS["desktop"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        _log_in(page, live_server, "facilitator@example.com")
        page.goto(live_server.url + reverse("facilitate", args=[SLUG]))
        buttons = page.locator("form.nudge-form button")
        assert buttons.count() == 1
        before = Notification.objects.filter(verb=FacilitationEvent.MEMBER_NUDGE).count()
        buttons.first.click()
        # Farid reads Praxis in French.
        expect(page.get_by_text("Votre message a été envoyé à")).to_be_visible()
        after = Notification.objects.filter(verb=FacilitationEvent.MEMBER_NUDGE)
        assert after.count() == before + 1
        assert after.filter(recipient__display_name="Quiet Quentin").exists()
        # Nudged: the button gave way to when it was sent.
        assert page.locator("form.nudge-form").count() == 0
        expect(page.get_by_text("Relancé·e il y a").first).to_be_visible()
    finally:
        context.close()
