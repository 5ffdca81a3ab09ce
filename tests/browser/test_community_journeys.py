"""Communities in Chromium, on the demo data: join an open community, ask to join a private one
and be let in, accept an emailed invitation by signing up."""

import re

import pytest
from playwright.sync_api import expect

from communities.models import Community, Invitation, JoinRequest, Membership
from tests.browser.people import expect_told, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEWCOMER_PASSWORD = "Correct-horse-battery-42"


def test_journey_outsider_finds_and_joins_an_open_community(demo, page, live_server):
    log_in(page, live_server, "outsider@example.com", "Oscar Outsider")
    expect(page.get_by_role("heading", name="Welcome, Oscar Outsider")).to_be_visible()
    expect(page.get_by_text("You have not joined a community yet.")).to_be_visible()

    # The directory filters as one types (htmx), without a reload.
    directory = page.locator("#directory")
    search = page.get_by_role("searchbox", name="Search by name or theme")
    search.fill("zoology")
    expect(directory).to_contain_text("No public community matches “zoology”.")
    search.fill("problem")
    community_link = directory.get_by_role("link", name="Mathematics Teachers Network")
    expect(community_link).to_be_visible()
    expect(directory).to_contain_text("Teaching secondary mathematics through problem solving")
    expect(page).to_have_url(re.compile(r"\?q=problem"))

    community_link.click()
    expect(page.get_by_role("heading", name="Mathematics Teachers Network")).to_be_visible()
    page.get_by_role("link", name="Join", exact=True).click()

    expect(page.get_by_role("heading", name="Join Mathematics Teachers Network")).to_be_visible()
    page.get_by_role("button", name="Join the community").click()

    expect(page).to_have_url(live_server.url + "/c/math-teachers/")
    expect_told(page, "Welcome to Mathematics Teachers Network!")
    expect(page.get_by_text("You are: Member")).to_be_visible()
    expect(page.get_by_role("link", name="Join", exact=True)).to_have_count(0)
    expect(page.get_by_role("navigation", name="Community sections")).to_contain_text("Members")

    membership = Membership.objects.get(
        community__slug="math-teachers", user__email="outsider@example.com"
    )
    assert membership.role == Membership.Role.MEMBER
    assert membership.is_active
    assert page.console_errors == [], "the browser reported errors (CSP violations included)"


def test_journey_outsider_asks_to_join_a_private_community_and_is_approved(
    demo, page, new_page, live_server
):
    # The organizer copies the request-to-join link from the settings page.
    organizer = new_page()
    log_in(organizer, live_server, "organizer@example.com", "Olivia Organizer")
    organizer.get_by_role("region", name="My communities").get_by_role(
        "link", name="Regional Planning Forum"
    ).click()
    organizer.get_by_role("navigation", name="Community sections").get_by_role(
        "link", name="Settings"
    ).click()
    expect(organizer).to_have_url(live_server.url + "/c/regional-planning/settings/")
    link = organizer.get_by_label("Request-to-join link").input_value()
    community = Community.objects.get(slug="regional-planning")
    assert link == f"{live_server.url}/c/regional-planning/join/?key={community.join_key}"

    # A private community is invisible to outsiders: not in the directory, 404 at its address...
    log_in(page, live_server, "outsider@example.com", "Oscar Outsider")
    page.get_by_role("searchbox", name="Search by name or theme").fill("planning")
    expect(page.locator("#directory")).to_contain_text("No public community matches “planning”.")
    assert page.request.get(live_server.url + "/c/regional-planning/").status == 404
    # ...but the link lets them ask to join.
    page.goto(link)
    expect(page.get_by_role("heading", name="Join Regional Planning Forum")).to_be_visible()
    message = "I advise two communes on their local plans and would like to compare methods."
    page.get_by_label("Why would you like to join?").fill(message)
    page.get_by_role("button", name="Send my request").click()
    expect_told(page, "Your request has been sent. The facilitators will answer it soon.")
    join_request = JoinRequest.objects.get(community=community, user__email="outsider@example.com")
    assert join_request.state == JoinRequest.State.PENDING
    assert join_request.message == message

    # The facilitator's saved language is French: their pages come in French. They switch to
    # English with the language buttons, which also saves English as their preference.
    facilitator = new_page()
    log_in(facilitator, live_server, "facilitator@example.com", "Farid Facilitator")
    expect(facilitator.locator("html")).to_have_attribute("lang", "fr")
    expect(facilitator.get_by_role("heading", name="Bienvenue, Farid Facilitator")).to_be_visible()
    facilitator.get_by_role("button", name="EN — English").click()
    expect(facilitator.locator("html")).to_have_attribute("lang", "en")
    expect(facilitator.get_by_role("heading", name="Welcome, Farid Facilitator")).to_be_visible()

    facilitator.get_by_role("region", name="My communities").get_by_role(
        "link", name="Regional Planning Forum"
    ).click()
    sections = facilitator.get_by_role("navigation", name="Community sections")
    sections.get_by_role("link", name="Join requests").click()
    expect(facilitator.get_by_role("heading", name="Waiting for an answer")).to_be_visible()
    row = facilitator.locator(".join-request").filter(has_text="Oscar Outsider")
    expect(row).to_contain_text(message)
    row.get_by_label("Reply (optional)").fill("Welcome, Oscar: introduce yourself in the forum.")
    # A marker on the window survives only if the page is not reloaded.
    facilitator.evaluate("window.notReloaded = true")
    row.get_by_role("button", name="Approve").click()
    expect(row.get_by_role("status")).to_have_text("Approved: now a member.")
    expect(row.get_by_role("button", name="Approve")).to_have_count(0)
    assert facilitator.evaluate("window.notReloaded") is True
    # The other pending requests are still there, untouched.
    expect(facilitator.locator(".join-request").filter(has_text="Hélène Roche")).to_be_visible()
    facilitator.reload()
    expect(facilitator.locator(".join-request").filter(has_text="Oscar Outsider")).to_have_count(0)
    answered = facilitator.get_by_role("table")
    expect(answered.get_by_role("row").filter(has_text="Oscar Outsider")).to_contain_text(
        "Approved"
    )
    # Nothing stale: the row already said so, no flash message trails to the next page.
    expect(facilitator.get_by_role("status")).to_have_count(0)

    join_request.refresh_from_db()
    assert join_request.state == JoinRequest.State.APPROVED
    assert join_request.decided_by.email == "facilitator@example.com"
    membership = Membership.objects.get(community=community, user__email="outsider@example.com")
    assert membership.role == Membership.Role.MEMBER

    # The outsider, back in their browser, is told.
    page.reload()
    nav = page.get_by_role("navigation", name="Main navigation")
    notifications_link = nav.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(notifications_link).to_have_accessible_name("Notifications 1 unread")
    notifications_link.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    approval = page.get_by_role("link", name=re.compile("Your request to join Regional Planning"))
    expect(approval).to_have_text(
        "Welcome! Your request to join Regional Planning Forum was approved. "
        "Farid Facilitator wrote: Welcome, Oscar: introduce yourself in the forum."
    )
    approval.click()

    expect(page).to_have_url(live_server.url + "/c/regional-planning/")
    expect(page.get_by_role("heading", name="Regional Planning Forum")).to_be_visible()
    expect(page.get_by_text("You are: Member")).to_be_visible()
    expect(notifications_link).to_have_accessible_name("Notifications")

    for tab in (page, organizer, facilitator):
        assert tab.console_errors == [], "the browser reported errors (CSP violations included)"


def test_journey_organizer_invites_by_csv_and_the_newcomer_signs_up_into_the_community(
    demo, page, new_page, live_server, mailoutbox
):
    log_in(page, live_server, "organizer@example.com", "Olivia Organizer")
    my_communities = page.get_by_role("region", name="My communities")
    my_communities.get_by_role("link", name="Mathematics Teachers Network").click()
    page.get_by_role("navigation", name="Community sections").get_by_role(
        "link", name="Invitations"
    ).click()
    expect(page).to_have_url(live_server.url + "/c/math-teachers/invitations/")

    csv = b"email,name\nnewcomer@example.org,Nia Newcomer\n"
    page.get_by_label("Or a CSV file").set_input_files(
        files=[{"name": "newcomers.csv", "mimeType": "text/csv", "buffer": csv}]
    )
    page.get_by_role("button", name="Send invitations").click()
    expect_told(page, "1 invitation sent.")
    expect(page.locator("table.invitations")).to_contain_text("newcomer@example.org")

    emails = [email for email in mailoutbox if email.to == ["newcomer@example.org"]]
    assert len(emails) == 1
    assert "Mathematics Teachers Network" in emails[0].subject
    link = re.search(r"https?://\S+/c/math-teachers/invite/[^/\s]+/", emails[0].body).group(0)
    assert link.startswith(live_server.url)

    newcomer = new_page()
    newcomer.goto(link)
    expect(
        newcomer.get_by_role("heading", name="Invitation to Mathematics Teachers Network")
    ).to_be_visible()
    newcomer.get_by_role("link", name="Create my account").click()

    expect(newcomer.get_by_label("Email")).to_have_value("newcomer@example.org")
    newcomer.get_by_label("Display name").fill("Nia Newcomer")
    newcomer.get_by_label(re.compile(r"^Password\W*$")).fill(NEWCOMER_PASSWORD)
    newcomer.get_by_label(re.compile(r"^Password \(again\)")).fill(NEWCOMER_PASSWORD)
    newcomer.get_by_role("button", name="Sign Up").click()

    # The link proved the address: no "Verify Your Email Address" step, straight in.
    expect(newcomer).to_have_url(live_server.url + "/c/math-teachers/")
    expect_told(newcomer, "You are now a member of Mathematics Teachers Network.")
    expect(newcomer.get_by_text("You are: Member")).to_be_visible()
    expect(newcomer.get_by_role("button", name="Nia Newcomer")).to_be_visible()
    assert [email for email in mailoutbox if email.to == ["newcomer@example.org"]] == emails

    membership = Membership.objects.get(
        community__slug="math-teachers", user__email="newcomer@example.org"
    )
    assert membership.role == Membership.Role.MEMBER
    assert membership.user.emailaddress_set.get().verified
    invitation = Invitation.objects.get(
        community__slug="math-teachers", email="newcomer@example.org"
    )
    assert invitation.use_count == 1

    for tab in (page, newcomer):
        assert tab.console_errors == [], "the browser reported errors (CSP violations included)"
