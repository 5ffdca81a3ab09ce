"""A newcomer's first visit, in Chromium: sign up, verify, log in, fill the profile, go French."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Correct-horse-battery-42"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "darkorange").save(buffer, format="PNG")
    return buffer.getvalue()


def test_journey_sign_up_verify_log_in_edit_profile_go_french_log_out(
    page, live_server, mailoutbox
):
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Sign up"
    ).click()

    page.get_by_label("Email").fill("noor@example.org")
    page.get_by_label("Display name").fill("Noor Haddad")
    # Labels of required fields end with a visual asterisk.
    page.get_by_label(re.compile(r"^Password\W*$")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password \(again\)")).fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[0].body).group(0)
    assert link.startswith(live_server.url)

    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    # Verified, not yet signed in: allauth asks for the password.
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    page.get_by_label("Email").fill("noor@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Welcome, Noor Haddad")).to_be_visible()

    page.get_by_role("button", name="Noor Haddad").click()
    page.get_by_role("link", name="Profile").first.click()
    page.get_by_label("Organization").fill("Coastal Heritage Trust")
    page.get_by_label("Discipline").fill("Heritage conservation")
    page.get_by_label("Sector").select_option("non_profit")
    page.get_by_label("About you").fill("Restores lighthouses; learning from planners.")
    page.get_by_label("Avatar").set_input_files(
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_role("status")).to_contain_text("Your profile has been saved.")
    expect(page.locator(".card img.avatar")).to_be_visible()
    noor = User.objects.get(email="noor@example.org")
    assert noor.organization == "Coastal Heritage Trust"
    assert noor.sector == "non_profit"
    assert noor.avatar.name.endswith(".jpg")

    page.get_by_role("button", name="FR — Français").click()

    expect(page.get_by_role("heading", name="Modifier votre profil")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    noor.refresh_from_db()
    assert noor.language == "fr"

    page.get_by_role("button", name="Noor Haddad").click()
    page.get_by_role("button", name="Se déconnecter").click()

    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(nav.get_by_role("link", name="Se connecter")).to_be_visible()
    expect(page.get_by_role("heading", name="Améliorez votre pratique, ensemble.")).to_be_visible()
    assert page.console_errors == [], "the browser reported errors (CSP violations included)"


def test_journey_phone_width_menu_and_skip_link(page, live_server):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/accounts/login/")

    # The first Tab lands on the skip link, which is then visible.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()

    # On a phone the navigation folds behind a toggle; nothing overflows sideways.
    signup = page.get_by_role("navigation").get_by_role("link", name="Sign up")
    expect(signup).to_be_hidden()
    page.get_by_role("button", name="Toggle navigation").click()
    expect(signup).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.console_errors == []
