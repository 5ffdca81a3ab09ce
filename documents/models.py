"""The shared document library: folders, documents and their versions.

A document is what members talk about ("the observation protocol"); each upload of it is a
DocumentVersion, kept forever (until the document is purged from the trash). The document carries
a copy of its current version's type and size, so listings sort and filter without a join.
Stored files get names made by the app (core.uploads.storage_name); the uploader's file name is
only shown.
"""

from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from core.search import SearchVectorField

MAX_FOLDER_DEPTH = 5


class Folder(models.Model):
    """A folder of a community's library; folders nest up to MAX_FOLDER_DEPTH levels."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="folders")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("name"), max_length=120)
    depth = models.PositiveSmallIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("documents_folder", args=[self.community.slug, self.pk])

    @property
    def path(self) -> list["Folder"]:
        """The folders from the top of the library down to this one (for breadcrumbs).

        Fetch folders with FOLDER_PATH_RELATED selected to walk it without queries.
        """
        folders = []
        folder = self
        while folder is not None:
            folders.append(folder)
            folder = folder.parent
        return folders[::-1]


# select_related() of a folder's ancestors: the whole breadcrumb in the same query.
FOLDER_PATH_RELATED = "__".join(["parent"] * (MAX_FOLDER_DEPTH - 1))


class Tag(models.Model):
    """A label documents of one community share."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="tag_name_per_community")
        ]

    def __str__(self) -> str:
        return self.name


class DocumentQuerySet(models.QuerySet):
    def live(self):
        return self.filter(trashed_at__isnull=True)

    def trashed(self):
        return self.filter(trashed_at__isnull=False)


class Document(models.Model):
    """A shared file with a title, a description and tags, and the history of its versions."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        PDF = "pdf", _("PDF")
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        TEXT = "text", _("Text")
        DOCUMENT = "document", _("Office document")
        ARCHIVE = "archive", _("Archive")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="documents")
    folder = models.ForeignKey(
        Folder,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
        verbose_name=_("folder"),
    )
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), max_length=20_000, blank=True)
    description_html = models.TextField(blank=True, editable=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="documents")
    current_version = models.ForeignKey(
        "DocumentVersion", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The current version's type and size, copied for listings.
    kind = models.CharField(max_length=20, choices=Kind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    version_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    trashed_at = models.DateTimeField(null=True, blank=True)
    trashed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    search_vector = SearchVectorField(null=True, editable=False)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["community", "trashed_at"], name="document_community_trash")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("document", args=[self.community.slug, self.pk])

    @property
    def is_trashed(self) -> bool:
        return self.trashed_at is not None


class DocumentVersion(models.Model):
    """One upload of a document. Making an older version current adds a version that shares
    the older one's stored file (`restored_from`), so history is never rewritten."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Document.Kind.choices)
    sha256 = models.CharField(max_length=64, db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    restored_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Made once by documents.previews.process_version (through documents.tasks).
    thumbnail = models.FileField(max_length=255, blank=True)
    text = models.TextField(blank=True, editable=False)
    # A PDF's number of pages, and the stored images of its first pages (previews.PREVIEW_PAGES)
    # that the document page shows instead of the PDF itself. None/empty: not a PDF, not yet
    # processed, or a PDF PDFium could not open.
    page_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    preview_pages = models.JSONField(default=list, blank=True, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="version_number_per_doc")
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"

    def preview_page(self, number: int) -> FieldFile | None:
        """The stored image of page `number` (counted from 1) of the preview, if there is one."""
        if not 1 <= number <= len(self.preview_pages):
            return None
        # Stored beside the thumbnail, in the same storage: its field opens them.
        return FieldFile(self, self._meta.get_field("thumbnail"), self.preview_pages[number - 1])

    def get_download_url(self) -> str:
        return reverse(
            "document_version_download",
            args=[self.document.community.slug, self.document_id, self.number],
        )
