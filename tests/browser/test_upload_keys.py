"""The library's uploader in Chromium sends each file with its own one-time key (the page's key
and the file's rank), so the files of a batch, and the same file chosen again in a later batch
from the same page, are each kept: none is taken for a double send."""

import pytest
from playwright.sync_api import expect

from communities.models import Submission
from documents.models import Document
from tests.browser.people import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTES = b"Observation notes: the class compared two ratio tables.\n"


def test_uploader_gives_every_file_its_own_key(demo, page, live_server):
    log_in(page, live_server, "member@example.com", "Maya Member")
    page.goto(f"{live_server.url}/c/math-teachers/documents/")
    uploader = page.locator("form[data-uploader][data-ready]")
    expect(uploader).to_be_attached()
    keys = Submission.objects.count()

    for batch, files in enumerate([["notes.txt", "plan.txt"], ["notes.txt"]], start=1):
        uploader.locator("input[type=file]").set_input_files(
            [{"name": name, "mimeType": "text/plain", "buffer": NOTES + name.encode()}
             for name in files]
        )  # fmt: skip
        uploader.get_by_role("button", name="Upload", exact=True).click()
        expect(uploader.locator("[data-upload-list] [data-state=done]")).to_have_count(
            3 if batch == 2 else 2
        )

    assert Document.objects.filter(community__slug="math-teachers", title="notes").count() == 2
    # Each file's request carried a key of its own, each claimed once.
    assert Submission.objects.count() == keys + 3
