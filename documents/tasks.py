"""Background work of the document library: thin, taking ids, safe to run twice.

Each task imports what it calls inside its body (documents.previews, documents.selectors,
documents.services.trash), none of which imports this module back; documents.services.uploads
imports this module to ask for previews after an upload.
"""

from datetime import timedelta

from celery import shared_task

from documents.models import DocumentVersion


# A hostile PDF can take PDFium a long time: past the soft limit the run gives up (the version
# keeps its download, without previews), past the hard one the worker child is replaced. One that
# crashes the worker process is not handed out again (as tasks are by default): it would crash
# every worker in turn.
@shared_task(soft_time_limit=240, time_limit=300, reject_on_worker_lost=False)
def process_version(version_id: int) -> bool:
    """Make a version's previews (an image's thumbnail, a PDF's page images) and read its text
    for search, once. Returns whether this run did it."""
    from documents import previews

    version = (
        DocumentVersion.objects.filter(pk=version_id, processed_at__isnull=True)
        .select_related("document__community")
        .first()
    )
    if version is None:
        return False
    return previews.process_version(version)


# A version's task can be lost (the broker was down when it was uploaded, a worker died with it
# in a queue that forgot it): the previews of what waited this long are asked for again.
PENDING_AFTER = timedelta(minutes=10)


@shared_task(ignore_result=True)
def process_pending() -> int:
    """Periodic (beat): ask again for the previews of versions still unprocessed."""
    from documents import selectors

    pending = selectors.unprocessed_versions(older_than=PENDING_AFTER)
    for version_id in pending:
        process_version.delay(version_id)
    return len(pending)


@shared_task
def purge_trash() -> int:
    """Remove documents trashed more than 30 days ago, and their files."""
    from documents.services import trash

    return trash.purge_trash()
