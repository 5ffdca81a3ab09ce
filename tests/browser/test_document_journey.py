"""The document library in Chromium, on the demo data: a member uploads a PDF and a video together
and watches a progress bar per file; the PDF is shown as page images drawn on the server (never
the PDF itself), the video plays and seeks
through Range requests; a new version of the PDF joins the history and the first version still
downloads byte for byte. A file over the limit is refused in the page, before any upload."""

import re
from pathlib import Path

import pytest
from django.template.defaultfilters import filesizeformat
from playwright.sync_api import expect

from documents.demo import mp4_bytes, pdf_bytes
from documents.models import Document
from tests.browser.people import expect_told, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_NAME = "ratio-tables-lesson-plan.pdf"
PDF_TITLE = "ratio-tables-lesson-plan"
VIDEO_NAME = "ratio-tables-group-work.mp4"
VIDEO_TITLE = "ratio-tables-group-work"
PDF_V1 = pdf_bytes("Ratio tables: lesson plan", ["1. Launch with the recipe problem."])
PDF_V2 = pdf_bytes(
    "Ratio tables: lesson plan",
    ["1. Launch with the recipe problem.", "2. Second observation round: the paint mixes."],
)
NOTE = "Added the second observation round"

SPY_ON_PROGRESS_BARS = """() => {
    const value = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, "value");
    window.progressBarValues = [];
    Object.defineProperty(HTMLProgressElement.prototype, "value", {
        get() { return value.get.call(this); },
        set(number) {
            const row = this.closest("li");
            window.progressBarValues.push(
                [this.getAttribute("aria-label"), number, (row && row.dataset.state) || null]
            );
            value.set.call(this, number);
        },
    });
}"""


def _open_the_library(page) -> None:
    page.get_by_role("region", name="My communities").get_by_role(
        "link", name="Mathematics Teachers Network"
    ).click()
    page.get_by_role("navigation", name="Community sections").get_by_role(
        "link", name="Documents"
    ).click()
    expect(page.get_by_role("heading", name="Upload files")).to_be_visible()
    # The uploader's script has taken over the form (before that, it posts the plain way).
    expect(page.locator("form[data-uploader][data-ready]")).to_be_attached()


def test_journey_upload_preview_play_version_and_download(demo, page, live_server):
    log_in(page, live_server, "member@example.com", "Maya Member")
    _open_the_library(page)
    expect(page).to_have_url(f"{live_server.url}/c/math-teachers/documents/")

    # Every value the page gives a progress bar is noted, with the state of its row then.
    page.evaluate(SPY_ON_PROGRESS_BARS)
    # The uploads are held at the network: both rows show their bar at 0 while the first file is
    # on its way (the files go one after the other, each on its own request).
    held = []
    page.route("**/c/math-teachers/documents/upload/", lambda route: held.append(route))
    uploader = page.locator("form[data-uploader]")
    uploader.locator("input[type=file]").set_input_files(
        [
            {"name": PDF_NAME, "mimeType": "application/pdf", "buffer": PDF_V1},
            {"name": VIDEO_NAME, "mimeType": "video/mp4", "buffer": mp4_bytes("Group work")},
        ]
    )
    uploader.get_by_role("button", name="Upload", exact=True).click()
    uploads = uploader.locator("[data-upload-list] li.upload-item")
    expect(uploads).to_have_count(2)
    for name in (PDF_NAME, VIDEO_NAME):
        bar = uploader.get_by_role("progressbar", name=name)
        expect(bar).to_be_visible()
        expect(bar).to_have_js_property("value", 0)
    expect(uploads.and_(page.locator("[data-state]"))).to_have_count(0)
    for expected in (1, 2):
        for _ in range(100):  # Playwright hands the held requests over while it waits
            if len(held) == expected:
                break
            page.wait_for_timeout(50)
        assert len(held) == expected, "each file is sent on its own request, one at a time"
        assert held[-1].request.method == "POST"
        held[-1].continue_()

    for name, title in ((PDF_NAME, PDF_TITLE), (VIDEO_NAME, VIDEO_TITLE)):
        item = uploads.filter(has_text=name)
        expect(item).to_have_attribute("data-state", "done")
        expect(item.get_by_role("progressbar", name=name)).to_have_js_property("value", 100)
        expect(item.locator(".upload-status")).to_have_text(f"Uploaded {title}")
    expect(uploader.get_by_role("link", name="Show the updated library")).to_be_visible()
    # Each bar reached its end from the upload's own progress events, before the answer came.
    bar_values = page.evaluate("window.progressBarValues")
    for name in (PDF_NAME, VIDEO_NAME):
        assert [name, 100, None] in bar_values, bar_values
    page.unroute("**/c/math-teachers/documents/upload/")
    pdf = Document.objects.get(community__slug="math-teachers", title=PDF_TITLE)
    video = Document.objects.get(community__slug="math-teachers", title=VIDEO_TITLE)

    # The PDF's page shows its page drawn as an image on the server, never the PDF itself.
    page_url = f"/c/math-teachers/documents/{pdf.pk}/pages/1/"
    with page.expect_response(lambda response: response.url.endswith(page_url)) as first_page:
        uploads.filter(has_text=PDF_NAME).get_by_role("link", name=PDF_TITLE).click()
    expect(page).to_have_url(f"{live_server.url}/c/math-teachers/documents/{pdf.pk}/")
    expect(page.get_by_role("heading", name=PDF_TITLE)).to_be_visible()
    assert first_page.value.status == 200
    assert first_page.value.headers["content-type"] == "image/webp"
    preview = page.get_by_role("region", name="Preview")
    image = preview.get_by_role("img", name=f"Page 1 of {PDF_TITLE}")
    expect(image).to_have_attribute("src", page_url)
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") == 1000
    expect(preview).to_contain_text("1 page")
    expect(preview.get_by_role("link", name="Download the PDF")).to_be_visible()
    expect(page.locator("iframe, embed, object")).to_have_count(0)

    # The video plays and seeks: the player asks for ranges and gets 206 Partial Content.
    video_url = f"{live_server.url}/c/math-teachers/documents/{video.pk}/download/?inline=1"
    ranges = []
    page.on(
        "response",
        lambda response: (
            response.url == video_url
            and ranges.append((response.status, response.headers.get("content-range", "")))
        ),
    )
    page.get_by_role("navigation", name="Community sections").get_by_role(
        "link", name="Documents"
    ).click()
    page.get_by_role("link", name=VIDEO_TITLE, exact=True).click()
    expect(page.get_by_role("heading", name=VIDEO_TITLE)).to_be_visible()
    player = page.locator("video")
    expect(player).to_have_attribute("src", video_url.removeprefix(live_server.url))
    player.evaluate("video => { video.muted = true; return video.play(); }")
    page.wait_for_function("document.querySelector('video').currentTime > 0")
    player.evaluate(
        """video => new Promise(resolve => {
            video.addEventListener("seeked", resolve, { once: true });
            video.currentTime = 3;
        })"""
    )
    assert player.evaluate("video => video.currentTime") >= 3
    assert player.evaluate("video => video.error") is None
    size = video.current_version.size
    partial = [content_range for status, content_range in ranges if status == 206]
    assert partial, f"no 206 answer for the video among {ranges}"
    assert all(re.fullmatch(rf"bytes \d+-\d+/{size}", value) for value in partial), partial

    # A new version of the PDF, with a note: version 2 is current, version 1 stays.
    page.goto(f"{live_server.url}/c/math-teachers/documents/{pdf.pk}/")
    page.get_by_label("New version").set_input_files(
        {"name": PDF_NAME, "mimeType": "application/pdf", "buffer": PDF_V2}
    )
    page.get_by_label("What changed").fill(NOTE)
    page.get_by_role("button", name="Upload the new version").click()
    expect_told(page, "Version 2 uploaded.")
    history = page.locator(".version-list")
    expect(history.get_by_role("listitem")).to_have_count(2)
    newest = history.locator("#version-2")
    expect(newest.locator("strong")).to_have_text("Version 2 current")
    expect(newest).to_contain_text(NOTE)
    expect(newest).to_contain_text("Maya Member")
    expect(history.locator("#version-1 strong")).to_have_text("Version 1")

    # Version 1 still downloads, byte for byte.
    with page.expect_download() as download:
        history.get_by_role("link", name="Download version 1").click()
    assert download.value.suggested_filename == PDF_NAME
    assert Path(download.value.path()).read_bytes() == PDF_V1
    with page.expect_download() as download:
        history.get_by_role("link", name="Download version 2").click()
    assert Path(download.value.path()).read_bytes() == PDF_V2

    assert page.console_errors == []


def test_a_file_over_the_limit_is_refused_in_the_page(demo, page, live_server, settings):
    settings.COP_UPLOAD_MAX_BYTES = 1024
    big = pdf_bytes("Too long", [f"Line {number} of the long report." for number in range(80)])
    assert len(big) > 1024
    log_in(page, live_server, "member@example.com", "Maya Member")
    _open_the_library(page)
    uploader = page.locator("form[data-uploader]")
    expect(uploader).to_have_attribute("data-max-bytes", "1024")

    sent = []
    page.on("request", lambda request: request.method == "POST" and sent.append(request.url))
    uploader.locator("input[type=file]").set_input_files(
        {"name": "long-report.pdf", "mimeType": "application/pdf", "buffer": big}
    )
    uploader.get_by_role("button", name="Upload", exact=True).click()
    refused = uploader.locator("[data-upload-list] li.upload-item")
    expect(refused).to_have_attribute("data-state", "error")
    expect(refused.get_by_role("alert")).to_have_text(
        f"“long-report.pdf” is larger than the largest file accepted "
        f"({filesizeformat(1024)}; videos: {filesizeformat(settings.COP_VIDEO_MAX_BYTES)})."
    )
    expect(refused.get_by_role("progressbar")).to_have_count(0)
    assert sent == []
    assert not Document.objects.filter(title="long-report").exists()
    assert page.console_errors == []


DROP_FILES = """(zone, files) => {
    const transfer = new DataTransfer();
    for (const [name, type, text] of files) transfer.items.add(new File([text], name, { type }));
    for (const kind of ["dragenter", "dragover", "drop"]) {
        const init = { bubbles: true, cancelable: true, dataTransfer: transfer };
        zone.dispatchEvent(new DragEvent(kind, init));
    }
}"""


def test_files_dropped_on_the_page_are_uploaded_into_the_open_folder(demo, page, live_server):
    log_in(page, live_server, "member@example.com", "Maya Member")
    _open_the_library(page)
    page.get_by_role("link", name="Resources").click()
    expect(page.get_by_role("navigation", name="Folders")).to_contain_text("Resources")
    expect(page.locator("form[data-uploader][data-ready]")).to_be_attached()
    zone = page.locator("[data-drop-zone]")
    zone.evaluate(
        DROP_FILES,
        [
            ["agenda.md", "text/markdown", "# Agenda\n\n1. Warm-up\n2. Lesson study debrief\n"],
            ["minutes.txt", "text/plain", "Minutes of the October meeting.\n"],
        ],
    )
    items = page.locator("[data-upload-list] li.upload-item")
    expect(items).to_have_count(2)
    for item in items.all():
        expect(item).to_have_attribute("data-state", "done")
    page.get_by_role("link", name="Show the updated library").click()
    table = page.locator("table.document-table")
    expect(table.get_by_role("link", name="agenda")).to_be_visible()
    expect(table.get_by_role("link", name="minutes")).to_be_visible()
    dropped = Document.objects.filter(title__in=["agenda", "minutes"]).select_related("folder")
    assert sorted(item.folder.name for item in dropped) == ["Resources", "Resources"]
    assert page.console_errors == []
