"""What a person does in every journey: log in through the form, read a flash message."""

from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD


def log_in(page, live_server, email: str, name: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form, like a person; lands on the front page."""
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Log in"
    ).click()
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    # The account menu carries the person's name, whatever their language.
    expect(page.get_by_role("button", name=name)).to_be_visible()


def expect_told(page, text: str) -> None:
    """A flash message with this text is shown (others may be shown too)."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()
