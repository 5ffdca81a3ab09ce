"""A PDF that tries to run something, in Chromium: a member opens its page, each page image and
its download, and nothing of the PDF runs. The page shows images drawn on the server; the PDF
itself only ever comes as an attachment, never rendered in a page or a frame of ours.

Before the page images, the document page framed the PDF (`download/?inline=1`) and Chromium's
viewer ran its JavaScript on our origin: the /OpenAction PDF showed its two alerts ('x', 'y'), the
/Names /JavaScript one its alert, the form field one its page-open alert (and its field actions on
focus). This test then counted those dialogs; now it counts none.
"""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from accounts.models import User
from communities.models import Community
from documents import services
from documents.models import DocumentVersion
from tests.browser.people import log_in
from tests.documents.hostile_pdfs import HOSTILE_PDFS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Response types a browser would hand to its PDF viewer.
PDF_TYPES = ("application/pdf", "application/x-pdf")


@pytest.fixture
def watched(page):
    """The page, noting every dialog (dismissed at once) and every PDF it is sent."""
    page.dialogs = []
    page.pdf_responses = []

    def on_dialog(dialog) -> None:
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_response(response) -> None:
        if response.headers.get("content-type", "").split(";")[0].strip() in PDF_TYPES:
            page.pdf_responses.append(response)

    page.on("dialog", on_dialog)
    page.on("response", on_response)
    return page


def _share(name: str) -> tuple[DocumentVersion, bytes]:
    """The member shares the hostile PDF; processing runs as the upload commits."""
    content = HOSTILE_PDFS[name]()
    uploaded = services.upload_document(
        Community.objects.get(slug="math-teachers"),
        upload=ContentFile(content, name=f"{name}.pdf"),
        actor=User.objects.get(email="member@example.com"),
    )
    version = DocumentVersion.objects.select_related("document__community").get(
        pk=uploaded.version.pk
    )
    assert version.processed_at is not None
    assert (version.page_count, len(version.preview_pages)) == (1, 1)
    return version, content


@pytest.mark.parametrize("name", sorted(HOSTILE_PDFS))
def test_hostile_pdf_runs_nothing_in_the_browser(demo, watched, live_server, name):
    page = watched
    version, content = _share(name)
    document = version.document
    document_url = live_server.url + document.get_absolute_url()
    download_url = f"{document_url}download/"
    log_in(page, live_server, "member@example.com", "Maya Member")

    # The document page: the first page drawn as an image, the page count, the download.
    page.goto(document_url)
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    preview = page.get_by_role("region", name="Preview")
    image = preview.get_by_role("img", name=f"Page 1 of {name}")
    expect(image).to_have_count(1)
    image.scroll_into_view_if_needed()
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") == 1000
    assert image.evaluate("img => img.naturalHeight") > 0
    expect(preview).to_contain_text("1 page")
    expect(preview.get_by_role("link", name="Download the PDF")).to_have_attribute(
        "href", f"/c/math-teachers/documents/{document.pk}/download/"
    )
    # Nothing on the page could show a PDF.
    expect(page.locator("iframe, embed, object")).to_have_count(0)
    assert [frame.url for frame in page.frames] == [document_url]
    assert page.console_errors == []
    # A viewer runs a PDF's scripts a moment after the page loads (when the page framed the PDF,
    # the first alert came about half a second after load): give a dialog two seconds to show.
    with pytest.raises(PlaywrightTimeoutError):
        page.wait_for_event("dialog", timeout=2_000)
    assert page.dialogs == []

    # Each page image, opened on its own, is an image.
    sources = preview.locator("img").evaluate_all("images => images.map(img => img.src)")
    assert sources == [f"{document_url}pages/1/"]
    for source in sources:
        response = page.goto(source)
        assert response.status == 200
        assert response.headers["content-type"] == "image/webp"
        assert "sandbox" in response.headers["content-security-policy"]
    # Chromium's own image viewer page styles itself inline, which that policy refuses (and
    # says so in the console): expected, and not the document page's doing.
    page.console_errors.clear()

    # The download, from the link, then from the address the old preview framed.
    page.goto(document_url)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename == f"{name}.pdf"
    assert Path(download.value.path()).read_bytes() == content
    with page.expect_download() as download:
        page.evaluate("url => { window.location.href = url; }", f"{download_url}?inline=1")
    assert Path(download.value.path()).read_bytes() == content
    for url in (download_url, f"{download_url}?inline=1"):
        response = page.request.get(url)
        assert response.status == 200
        assert response.headers["content-disposition"] == f'attachment; filename="{name}.pdf"'
        assert "sandbox" in response.headers["content-security-policy"]
        assert response.body() == content

    # Every PDF the browser was sent came as an attachment, and nothing of it ran.
    assert page.pdf_responses, "the downloads above are PDF responses the spy should see"
    for response in page.pdf_responses:
        assert response.headers["content-disposition"].startswith("attachment;"), response.url
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    assert page.dialogs == []
    assert page.console_errors == []
