"""What someone does to a document another member shared is in the community's audit log: the
trash, restoring it, new versions, an older version made current, its details. What members do
to their own documents is not. The trash and restore are no-ops returning False when there is
nothing to do."""

import pytest

from communities.models import AuditEvent
from documents import services
from documents.models import Document
from tests.documents.conftest import uploaded

pytestmark = pytest.mark.django_db


def _url(document: Document, suffix: str = "") -> str:
    return f"/c/{document.community.slug}/documents/{document.pk}/{suffix}"


def _document_actions() -> list[tuple[str, str, dict]]:
    return [
        (event.action, event.actor_label, event.details)
        for event in AuditEvent.objects.filter(action__startswith="document.").order_by("pk")
    ]


def _change_everything(client, document: Document) -> None:
    """A new version, the first made current again, new details, the trash and back."""
    client.post(_url(document, "versions/new/"), {"file": uploaded("protocol.txt", b"Second.")})
    client.post(_url(document, "versions/1/restore/"))
    client.post(
        _url(document, "edit/"),
        {"title": "Observation protocol", "description": "", "tags": "", "folder": ""},
    )
    client.post(_url(document, "trash/"))
    client.post(_url(document, "restore/"))


def test_audit_a_facilitator_changing_a_members_document_is_logged(
    cast, facilitator_client, make_document
):
    document = make_document("protocol.txt", b"First draft.")
    facilitator = cast.facilitator.email

    _change_everything(facilitator_client, document)

    assert _document_actions() == [
        ("document.version", facilitator, {"version": 2}),
        ("document.version", facilitator, {"version": 3, "restored_from": 1}),
        ("document.edit", facilitator, {}),
        ("document.trash", facilitator, {}),
        ("document.restore", facilitator, {}),
    ]
    event = AuditEvent.objects.filter(action="document.trash").get()
    assert (event.community, event.target_type, event.target_id) == (
        cast.public,
        "documents.document",
        str(document.pk),
    )


def test_audit_members_changing_their_own_document_write_no_row(cast, member_client, make_document):
    document = make_document("protocol.txt", b"First draft.", actor=cast.member)

    _change_everything(member_client, document)

    document.refresh_from_db()
    assert (document.version_count, document.title, document.is_trashed) == (
        3,
        "Observation protocol",
        False,
    )
    assert _document_actions() == []


def test_audit_trash_and_restore_are_no_ops_returning_false(cast, make_document):
    document = make_document("protocol.txt", b"Look.")

    assert services.restore_document(document, actor=cast.facilitator) is False
    assert services.trash_document(document, actor=cast.facilitator) is True
    assert services.trash_document(document, actor=cast.facilitator) is False
    assert services.restore_document(document, actor=cast.facilitator) is True

    assert [action for action, _actor, _details in _document_actions()] == [
        "document.trash",
        "document.restore",
    ]
