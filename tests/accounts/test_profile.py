import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import huge_png

pytestmark = pytest.mark.django_db

PROFILE = {
    "display_name": "Dr. Ada Planner",
    "organization": "Metropolitan Planning Office",
    "discipline": "Urban planning",
    "sector": "public",
    "bio": "Twenty years of zoning reform.",
    "language": "",
    "time_zone": "Europe/Paris",
    "digest_frequency": "daily",
}


def _image(kind="PNG", size=(640, 480), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "teal").save(buffer, format=kind)
    return buffer.getvalue()


def _upload(name, content, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_profile_requires_login(client):
    response = client.get(reverse("profile"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_edit_saves_every_field(user_client, user):
    response = user_client.post(reverse("profile"), PROFILE)

    assert response.status_code == 302
    user.refresh_from_db()
    for field, value in PROFILE.items():
        assert getattr(user, field) == value
    page = user_client.get(reverse("profile")).content.decode()
    assert "Your profile has been saved." in page
    assert "Dr. Ada Planner" in page


def test_profile_invalid_values_explain_and_keep_input(user_client, user):
    response = user_client.post(
        reverse("profile"), {**PROFILE, "sector": "pirates", "time_zone": "Mars/Olympus"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the errors below." in page
    assert "Select a valid choice" in page
    assert 'value="Metropolitan Planning Office"' in page
    user.refresh_from_db()
    assert user.organization != PROFILE["organization"]


def test_profile_avatar_is_cropped_square_and_reencoded(user_client, user, settings):
    upload = _upload("holiday.png", _image(size=(800, 400)))

    response = user_client.post(reverse("profile"), {**PROFILE, "avatar_upload": upload})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.avatar.name.startswith("avatars/") and user.avatar.name.endswith(".jpg")
    assert "holiday" not in user.avatar.name
    with Image.open(user.avatar.path) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (256, 256)


def test_profile_avatar_transparent_png_is_accepted(user_client, user):
    upload = _upload("logo.png", _image(mode="RGBA", size=(100, 100)))

    response = user_client.post(reverse("profile"), {**PROFILE, "avatar_upload": upload})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.avatar


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.jpg", b"<html><script>alert(1)</script></html>", "not an image we accept"),
        ("empty.png", b"", "empty"),
        ("vector.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "not an image"),
        ("scan.png", None, "not an image we accept"),  # a TIFF: real image, refused type
    ],
    ids=["html-renamed-jpg", "empty", "svg", "tiff"],
)
def test_profile_avatar_refuses_what_is_not_an_accepted_image(
    user_client, user, name, content, message
):
    if content is None:
        content = _image(kind="TIFF")

    response = user_client.post(
        reverse("profile"), {**PROFILE, "avatar_upload": _upload(name, content)}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert not user.avatar
    # Nothing else the person typed is lost.
    assert 'value="Dr. Ada Planner"' in response.content.decode()


def test_profile_avatar_over_the_pixel_limit_is_refused_before_decoding(
    user_client, user, monkeypatch
):
    bomb = huge_png(13000, 13000)
    assert len(bomb) < 1_000_000
    decodes = []
    load = Image.Image.load
    monkeypatch.setattr(
        Image.Image, "load", lambda image: decodes.append(image.size) or load(image)
    )

    response = user_client.post(
        reverse("profile"), {**PROFILE, "avatar_upload": _upload("bomb.png", bomb)}
    )

    assert response.status_code == 200
    assert "too large in pixels (13000 × 13000): at most 40 million" in response.content.decode()
    assert (13000, 13000) not in decodes
    user.refresh_from_db()
    assert not user.avatar


def test_profile_avatar_pixel_limit_is_the_setting(user_client, user, settings):
    settings.COP_IMAGE_MAX_PIXELS = 100 * 100
    response = user_client.post(
        reverse("profile"), {**PROFILE, "avatar_upload": _upload("a.png", _image(size=(101, 100)))}
    )
    assert "too large in pixels (101 × 100)" in response.content.decode()

    response = user_client.post(
        reverse("profile"), {**PROFILE, "avatar_upload": _upload("a.png", _image(size=(100, 100)))}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.avatar


def test_profile_avatar_over_the_size_limit_is_refused(user_client, user, settings):
    settings.COP_AVATAR_MAX_BYTES = 1000
    content = _image(size=(400, 400), kind="BMP")
    assert len(content) > 1000

    response = user_client.post(
        reverse("profile"), {**PROFILE, "avatar_upload": _upload("big.bmp", content)}
    )

    assert response.status_code == 200
    assert "the largest accepted is 1000" in response.content.decode()
    user.refresh_from_db()
    assert not user.avatar


def test_profile_avatar_can_be_replaced_and_removed(
    user_client, user, django_capture_on_commit_callbacks
):
    def post(data):
        with django_capture_on_commit_callbacks(execute=True):
            user_client.post(reverse("profile"), {**PROFILE, **data})
        user.refresh_from_db()

    post({"avatar_upload": _upload("a.png", _image())})
    first = Path(user.avatar.path)
    post({"avatar_upload": _upload("b.gif", _image(kind="GIF"))})
    second = Path(user.avatar.path)

    assert second != first
    assert not first.exists(), "the replaced avatar is deleted from storage"

    post({"remove_avatar": "on"})

    assert not user.avatar
    assert not second.exists()


def test_profile_mention_name_can_be_changed_and_stays_unique(user_client, user):
    from tests.factories import UserFactory

    other = UserFactory(handle="ada")

    taken = user_client.post(reverse("profile"), {**PROFILE, "handle": "ada"})
    free = user_client.post(reverse("profile"), {**PROFILE, "handle": "ada-planner"})

    assert taken.status_code == 200
    assert "already exists" in taken.content.decode()
    assert free.status_code == 302
    user.refresh_from_db()
    other.refresh_from_db()
    assert (user.handle, other.handle) == ("ada-planner", "ada")


def test_profile_empty_mention_name_gets_one_made_from_the_display_name(user_client, user):
    user_client.post(reverse("profile"), {**PROFILE, "handle": ""})

    user.refresh_from_db()
    assert user.handle == "dr-ada-planner"
