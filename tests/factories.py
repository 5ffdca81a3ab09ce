"""factory_boy factories shared by every test module."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from communities.models import Community, Invitation, JoinRequest, Membership
from core.markdown import render_markdown
from tests.conftest import TEST_PASSWORD


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a verified primary email who can log in with TEST_PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    organization = "Example Organisation"
    discipline = "Teaching"
    sector = User.Sector.PUBLIC

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    slug = factory.Sequence(lambda n: f"community-{n}")
    name = factory.Sequence(lambda n: f"Community {n}")
    theme = "Sharing what works in practice"
    description = "A *community* of practice."
    description_html = factory.LazyAttribute(lambda o: render_markdown(o.description))
    visibility = Community.Visibility.PUBLIC
    join_policy = Community.JoinPolicy.OPEN
    language = "en"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    community = factory.SubFactory(CommunityFactory)
    role = Membership.Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    community = factory.SubFactory(CommunityFactory)
    kind = Invitation.Kind.EMAIL
    email = factory.Sequence(lambda n: f"invitee{n}@example.net")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class JoinRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinRequest

    community = factory.SubFactory(CommunityFactory, join_policy=Community.JoinPolicy.REQUEST)
    user = factory.SubFactory(UserFactory)
    message = "I teach geometry and would like to learn from your lesson studies."


def huge_png(width: int, height: int) -> bytes:
    """A valid grayscale PNG of width × height black pixels, built without ever holding the
    pixels: a decompression bomb (13000 × 13000 is about half a megabyte)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    compressor = zlib.compressobj(9)
    row = b"\0" * (width + 1)  # filter byte 0, then one byte a pixel
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def photo_with_location(orientation: int = 1) -> bytes:
    """A JPEG as a phone takes it: GPS position, camera make, model and serial number in EXIF."""
    import io

    from PIL import Image
    from PIL.TiffImagePlugin import IFDRational

    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Pixelphone", "PX-9 Pro", orientation
    exif.get_ifd(0x8769)[0xA431] = "SERIAL-31337"
    position = tuple(IFDRational(value) for value in (48, 51, 29))
    exif.get_ifd(0x8825).update({1: "N", 2: position, 3: "E", 4: position})
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def exif_of(data: bytes) -> dict:
    """Every EXIF tag of an image, with its GPS and camera IFDs: {} when there is none."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return {**dict(exif), **exif.get_ifd(0x8825), **exif.get_ifd(0x8769)}
