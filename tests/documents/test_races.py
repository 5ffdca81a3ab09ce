"""Unique-constraint races of the library answered as "already done", never as an error."""

import pytest

from documents import services
from documents.models import Tag

pytestmark = pytest.mark.django_db


def test_races_a_tag_made_meanwhile_by_another_upload_is_reused(cast, make_document, monkeypatch):
    document = make_document()
    other = Tag.objects.create(community=cast.public, name="fractions")
    # The service's lookup of existing tags ran before the other request committed its tag.
    monkeypatch.setattr(Tag.objects, "filter", lambda *args, **kwargs: Tag.objects.none())

    services.update_document(
        document, actor=cast.member, title="Notes", description="", tags="fractions", folder=None
    )

    monkeypatch.undo()
    assert list(document.tags.all()) == [other]
    assert Tag.objects.filter(community=cast.public).count() == 1
