"""Fixtures of the browser journeys (the browser itself comes from tests/conftest.py)."""

import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db):
    call_command("seed_demo")


@pytest.fixture
def new_page(browser, live_server):
    """Another person's browser: a fresh English context, with its console errors collected."""
    contexts = []

    def open_page():
        context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        tab = context.new_page()
        errors: list[str] = []
        tab.on("console", lambda message: message.type == "error" and errors.append(message.text))
        tab.console_errors = errors
        return tab

    yield open_page
    for context in contexts:
        context.close()
