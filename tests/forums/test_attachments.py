"""Attachments: checked before anything is kept, stored under generated names, served inertly and
only to those who may read the community."""

import hashlib
import io
import re

import pytest
from PIL import Image

from forums.models import Attachment, Post, Thread
from tests.communities.helpers import htmx, text
from tests.factories import exif_of, huge_png, photo_with_location
from tests.forums.factories import PDF_BYTES, png_bytes, start_thread, upload

pytestmark = pytest.mark.django_db

GENERATED_NAME = re.compile(r"^forums/\d{4}/\d{2}/[0-9a-f]{32}\.(png|pdf)$")
HTML_PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(2)</script></svg>"
)


def _reply(client, thread, *files, body: str = "Notes from Tuesday.", **extra):
    return client.post(
        f"/c/{thread.community.slug}/t/{thread.pk}/reply/",
        {"body": body, "attachments": list(files)},
        **extra,
    )


def _stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_attachments_reply_with_an_image_and_a_pdf(cast, thread, member_client, settings):
    image = png_bytes()

    response = _reply(
        member_client,
        thread,
        upload("Board\u202e photo.png", image, "image/png"),
        upload("minutes", PDF_BYTES, "text/html"),
    )

    assert response.status_code == 302
    post = Post.objects.get(thread=thread, number=2)
    picture, minutes = post.attachments.order_by("id")
    assert (picture.name, picture.content_type, picture.size) == (
        "Board photo.png",
        "image/png",
        len(image),
    )
    assert picture.sha256 == hashlib.sha256(image).hexdigest()
    assert (minutes.name, minutes.content_type, minutes.size) == (
        "minutes.pdf",
        "application/pdf",
        len(PDF_BYTES),
    )
    assert minutes.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    for item in (picture, minutes):
        assert GENERATED_NAME.match(item.file.name), item.file.name
        assert "Board" not in item.file.name and "minutes" not in item.file.name
        assert (item.community, item.uploader) == (cast.public, cast.member)
    with picture.file.open("rb") as stored:
        assert stored.read() == image

    page = text(member_client.get(thread.get_absolute_url()))
    assert (
        f'<img class="attachment-image img-fluid rounded border mb-2" '
        f'src="/c/open-practice/attachments/{picture.pk}/" alt="Board photo.png"' in page
    )
    assert f'<a href="/c/open-practice/attachments/{minutes.pk}/">minutes.pdf</a>' in page
    assert page.count('class="attachment-image') == 1


def test_attachments_new_thread_with_an_image(cast, forum, member_client):
    response = member_client.post(
        f"/c/open-practice/forums/{forum.slug}/new/",
        {
            "title": "Our classroom wall",
            "body": "See the photo.",
            "attachments": [upload("wall.png", png_bytes(), "image/png")],
        },
    )

    assert response.status_code == 302
    post = Thread.objects.get().posts.get()
    assert [item.name for item in post.attachments.all()] == ["wall.png"]


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("page.jpg", HTML_PAGE, "image/jpeg"), ("logo.svg", SVG, "image/svg+xml")],
    ids=["html-as-jpg", "svg"],
)
def test_attachments_refused_file_refuses_the_whole_reply(
    cast, thread, member_client, settings, name, content, content_type
):
    good = upload("photo.png", png_bytes(), "image/png")

    response = _reply(member_client, thread, good, upload(name, content, content_type))

    assert response.status_code == 400
    page = text(response)
    assert f"“{name}” holds web page, script or XML content, which is never accepted." in page
    assert "Your reply was not posted: please correct the errors below." in page
    assert Post.objects.filter(thread=thread).count() == 1
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_attachments_refused_file_refuses_a_new_thread(cast, forum, member_client, settings):
    response = member_client.post(
        f"/c/open-practice/forums/{forum.slug}/new/",
        {
            "title": "Our logo",
            "body": "What do you think?",
            "attachments": [
                upload("wall.png", png_bytes(), "image/png"),
                upload("logo.svg", SVG, "image/svg+xml"),
            ],
        },
    )

    assert response.status_code == 400
    assert "“logo.svg” holds web page, script or XML content" in text(response)
    assert not Thread.objects.exists()
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_attachments_refused_file_with_htmx_answers_the_form(cast, thread, member_client):
    response = _reply(
        member_client, thread, upload("page.jpg", HTML_PAGE, "image/jpeg"), **htmx("reply")
    )

    assert response.status_code == 400
    assert "“page.jpg” holds web page, script or XML content" in text(response)
    assert Post.objects.filter(thread=thread).count() == 1
    assert not Attachment.objects.exists()


def test_attachments_file_of_a_kind_not_accepted_is_refused(cast, thread, member_client):
    response = _reply(member_client, thread, upload("tool.exe", b"MZ\x90\x00\x03" + b"\x00" * 60))

    assert response.status_code == 400
    assert "“tool.exe” is not a kind of file accepted here." in text(response)
    assert not Attachment.objects.exists()


def _attachment_of(thread, member_client) -> Attachment:
    _reply(member_client, thread, upload("photo.png", png_bytes(), "image/png"))
    return Attachment.objects.get()


def test_attachments_are_served_inert(cast, thread, member_client, anon_client):
    item = _attachment_of(thread, member_client)

    response = anon_client.get(f"/c/open-practice/attachments/{item.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].split(";")[0] == "sandbox"
    assert response["Content-Disposition"] == 'inline; filename="photo.png"'
    assert b"".join(response.streaming_content) == png_bytes()


def test_attachments_pdf_is_a_sandboxed_download(cast, thread, member_client):
    """Never shown in the browser's PDF viewer, where its own JavaScript would run."""
    _reply(member_client, thread, upload("minutes.pdf", PDF_BYTES, "application/pdf"))
    item = Attachment.objects.get()

    response = member_client.get(f"/c/open-practice/attachments/{item.pk}/")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="minutes.pdf"'
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_attachments_of_a_private_community_are_hidden_from_outsiders(
    cast, private_forum, client_for
):
    thread = start_thread(private_forum, cast.member, title="Private notes")
    item = _attachment_of(thread, client_for("member"))
    url = f"/c/closed-circle/attachments/{item.pk}/"

    for principal in ("anonymous", "outsider", "other_member"):
        assert client_for(principal).get(url).status_code == 404, principal
    assert client_for("member").get(url).status_code == 200


def test_attachments_are_found_only_under_their_own_community(cast, private_forum, client_for):
    thread = start_thread(private_forum, cast.member, title="Private notes")
    item = _attachment_of(thread, client_for("member"))

    response = client_for("outsider").get(f"/c/open-practice/attachments/{item.pk}/")

    assert response.status_code == 404


def test_attachments_not_yet_attached_to_a_post_are_not_served(cast, member_client):
    from django.core.files.base import ContentFile

    item = Attachment(
        community=cast.public,
        uploader=cast.member,
        name="draft.png",
        size=10,
        content_type="image/png",
        sha256="0" * 64,
    )
    item.file.save("forums/draft.png", ContentFile(png_bytes()), save=False)
    item.save()

    assert member_client.get(f"/c/open-practice/attachments/{item.pk}/").status_code == 404


def test_attachments_of_a_reply_refused_after_storing_leave_nothing_behind(
    cast, thread, member_client, settings, monkeypatch
):
    from forums import services

    def refuse(*args, **kwargs):
        raise services.ForumError("This forum is archived: it no longer takes replies.")

    monkeypatch.setattr(services, "reply", refuse)

    response = _reply(member_client, thread, upload("photo.png", png_bytes(), "image/png"))

    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_attachments_photos_lose_location_and_camera_details(cast, thread, member_client, client):
    """A phone photo posted in a public community is served, even anonymously, without where it
    was taken or with what; its pixels are the ones uploaded."""
    photo = photo_with_location()
    assert {1, 2, 0x010F, 0xA431} <= set(exif_of(photo))

    response = _reply(member_client, thread, upload("IMG_2041.jpg", photo, "image/jpeg"))

    assert response.status_code == 302
    picture = Attachment.objects.get()
    served = client.get(picture.get_absolute_url())
    assert served.status_code == 200
    body = b"".join(served.streaming_content)
    assert exif_of(body) == {}
    for detail in (b"Pixelphone", b"PX-9", b"SERIAL-31337"):
        assert detail not in body
    with Image.open(io.BytesIO(body)) as kept, Image.open(io.BytesIO(photo)) as sent:
        assert kept.tobytes() == sent.tobytes()
    assert (picture.size, picture.sha256) == (len(body), hashlib.sha256(body).hexdigest())


def test_attachments_an_image_over_the_pixel_limit_is_a_plain_file(cast, thread, member_client):
    response = _reply(member_client, thread, upload("site-plan.png", huge_png(13000, 13000)))

    assert response.status_code == 302
    plan = Attachment.objects.get()
    assert plan.content_type == "application/octet-stream"
    page = text(member_client.get(thread.get_absolute_url()))
    assert 'class="attachment-image' not in page
    assert f'<a href="/c/open-practice/attachments/{plan.pk}/">site-plan.png</a>' in page
    served = member_client.get(plan.get_absolute_url())
    assert served["Content-Disposition"].startswith("attachment")
