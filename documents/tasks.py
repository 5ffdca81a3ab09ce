"""Background work of the document library: thin, taking ids, safe to run twice."""

from celery import shared_task

from documents.models import DocumentVersion


# A hostile PDF can take PDFium a long time: past the soft limit the run gives up (the version
# keeps its download, without previews), past the hard one the worker child is replaced.
@shared_task(soft_time_limit=240, time_limit=300)
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


@shared_task
def purge_trash() -> int:
    """Remove documents trashed more than 30 days ago, and their files."""
    from documents import services

    return services.purge_trash()
