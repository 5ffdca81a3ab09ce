"""`access_document` and `access_folder`: fetch and check in one call, 404 for "missing" and
for "not yours" alike; the trash rules as the pages apply them."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from communities.permissions import access_for
from documents import services
from documents.selectors import access_document, access_folder

pytestmark = pytest.mark.django_db

MISSING = 999_999


def _access(cast, principal="member", community=None):
    return access_for(cast.person(principal), community or cast.public)


# --- access_document --------------------------------------------------------------------------


def test_access_document_finds_a_visible_document(cast, make_document):
    document = make_document(actor=cast.organizer)

    assert access_document(_access(cast, "member"), document.pk) == document
    assert access_document(_access(cast, "anonymous"), document.pk) == document


def test_access_document_missing_is_404(cast):
    with pytest.raises(Http404):
        access_document(_access(cast), MISSING)


def test_access_document_of_another_community_is_404(cast, make_document):
    document = make_document(community=cast.other, actor=cast.other_member)

    with pytest.raises(Http404):
        access_document(_access(cast, "organizer"), document.pk)


def test_access_document_of_a_private_community_is_404_to_an_outsider(cast, make_document):
    document = make_document(community=cast.private)

    with pytest.raises(Http404):
        access_document(_access(cast, "outsider", cast.private), document.pk)


def test_access_document_change_is_403_to_a_member_who_did_not_upload_it(cast, make_document):
    document = make_document(actor=cast.organizer)

    with pytest.raises(PermissionDenied):
        access_document(_access(cast, "member"), document.pk, change=True)
    assert access_document(_access(cast, "facilitator"), document.pk, change=True) == document


def test_access_document_trashed_shows_to_those_who_may_restore_it(cast, make_document):
    document = make_document(actor=cast.member)
    services.trash_document(document, actor=cast.member)

    # Its uploader and the facilitators see it (to restore it), no one else.
    assert access_document(_access(cast, "member"), document.pk, change=True) == document
    assert access_document(_access(cast, "facilitator"), document.pk) == document
    with pytest.raises(Http404):
        access_document(_access(cast, "anonymous"), document.pk)
    with pytest.raises(Http404):
        access_document(access_for(cast.other_member, cast.public), document.pk)
    # Out of the trash only: editing and versioning a trashed document is 404.
    with pytest.raises(Http404):
        access_document(_access(cast, "member"), document.pk, change=True, live=True)


# --- access_folder ----------------------------------------------------------------------------


def test_access_folder_finds_a_folder_of_the_community(cast):
    folder = services.create_folder(cast.public, parent=None, name="Plans", actor=cast.member)

    assert access_folder(_access(cast, "anonymous"), folder.pk) == folder


def test_access_folder_missing_is_404(cast):
    with pytest.raises(Http404):
        access_folder(_access(cast), MISSING)


def test_access_folder_of_another_community_is_404(cast):
    folder = services.create_folder(cast.other, parent=None, name="Theirs", actor=cast.other_member)

    with pytest.raises(Http404):
        access_folder(_access(cast, "organizer"), folder.pk)


def test_access_folder_of_a_private_community_is_404_to_an_outsider(cast):
    folder = services.create_folder(cast.private, parent=None, name="Staff", actor=cast.member)

    with pytest.raises(Http404):
        access_folder(_access(cast, "outsider", cast.private), folder.pk)
