"""An upload with the broker down is stored at once; its previews are made when it is back."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from documents import tasks
from documents.models import Document, DocumentVersion
from tests.core.conftest import celery_broker
from tests.documents.conftest import png, uploaded

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: the broker is down.
BROKER_DOWN = "redis://127.0.0.1:1/0"


def test_broker_down_an_upload_is_stored_and_processed_later(
    cast, member_client, django_capture_on_commit_callbacks
):
    with celery_broker(BROKER_DOWN), django_capture_on_commit_callbacks(execute=True) as asked:
        started = time.monotonic()
        response = member_client.post(
            "/c/open-practice/documents/upload/", {"files": [uploaded("board.png", png())]}
        )
        elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert len(asked) >= 1, "the upload asked for its previews after the commit"
    assert elapsed < 5, f"the upload took {elapsed:.1f} s with the broker down"
    version = Document.objects.get().current_version
    assert version.processed_at is None and not version.thumbnail

    # Too recent for the sweep: its own task may still be on the way.
    assert tasks.process_pending() == 0
    DocumentVersion.objects.filter(pk=version.pk).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    assert tasks.process_pending() == 1

    version.refresh_from_db()
    assert version.processed_at is not None and version.thumbnail
    assert tasks.process_pending() == 0
