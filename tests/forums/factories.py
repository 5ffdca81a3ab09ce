"""Factories and builders of the forums tests (the shared factories live in tests/factories.py)."""

from io import BytesIO

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from communities.models import Community
from forums import services
from forums.models import Forum, Post, Thread
from tests.factories import CommunityFactory


class ForumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Forum

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"Forum {n}")
    slug = factory.Sequence(lambda n: f"forum-{n}")
    description = "Where we compare notes."
    position = factory.Sequence(lambda n: n + 1)


def start_thread(forum: Forum, author, title: str = "How do you open a lesson?", body: str = ""):
    """A thread started through the service, as the thread form would."""
    return services.start_thread(
        forum, actor=author, title=title, body=body or "With a question the class cares about."
    )


def add_replies(thread: Thread, authors, count: int, body: str = "Reply {number}") -> list[Post]:
    """`count` replies through the service, cycling over `authors`."""
    authors = list(authors)
    return [
        services.reply(thread, actor=authors[index % len(authors)], body=body.format(number=index))
        for index in range(count)
    ]


def forum_in(community: Community, **fields) -> Forum:
    return ForumFactory(community=community, **fields)


def png_bytes(size=(8, 6), color="teal") -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)
