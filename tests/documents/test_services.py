"""The library's writes: folders, uploads, versions, tags, the trash, purging and the quota."""

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from communities.models import Activity
from documents import services
from documents.models import Document, DocumentVersion, Folder, Tag
from documents.services import uploads
from documents.tasks import process_version
from tests.documents.conftest import png

pytestmark = pytest.mark.django_db


def _file(name: str, content: bytes) -> ContentFile:
    return ContentFile(content, name=name)


def _stored(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _message(error: pytest.ExceptionInfo) -> str:
    [message] = error.value.messages
    return message


# --- Folders -----------------------------------------------------------------------------------


def test_services_create_folder_nests_five_levels_and_refuses_a_sixth(cast):
    parent = None
    for depth in range(1, 6):
        parent = services.create_folder(
            cast.public, parent=parent, name=f"Level {depth}", actor=cast.member
        )
        assert parent.depth == depth
    assert [folder.name for folder in parent.path] == [f"Level {n}" for n in range(1, 6)]

    with pytest.raises(ValidationError) as error:
        services.create_folder(cast.public, parent=parent, name="Level 6", actor=cast.member)

    assert _message(error) == "Folders nest at most 5 levels deep."
    assert Folder.objects.count() == 5


def test_services_create_folder_refuses_a_sibling_of_the_same_name_whatever_the_case(cast):
    top = services.create_folder(cast.public, parent=None, name="Lesson study", actor=cast.member)

    with pytest.raises(ValidationError) as error:
        services.create_folder(
            cast.public, parent=None, name="  LESSON   study ", actor=cast.member
        )

    assert _message(error) == "This folder already holds a folder named “LESSON study”."
    # The same name is fine in another folder and in another community.
    inner = services.create_folder(cast.public, parent=top, name="lesson study", actor=cast.member)
    other = services.create_folder(
        cast.private, parent=None, name="Lesson study", actor=cast.member
    )
    assert (inner.parent, inner.depth, other.community) == (top, 2, cast.private)
    assert Folder.objects.filter(community=cast.public, parent=None).count() == 1


def test_services_create_folder_refuses_a_blank_name_and_a_parent_of_another_community(cast):
    with pytest.raises(ValidationError) as blank:
        services.create_folder(cast.public, parent=None, name="   ", actor=cast.member)
    elsewhere = services.create_folder(cast.private, parent=None, name="Private", actor=cast.member)
    with pytest.raises(ValidationError) as foreign:
        services.create_folder(cast.public, parent=elsewhere, name="Leak", actor=cast.member)

    assert _message(blank) == "Give the folder a name."
    assert _message(foreign) == "That folder belongs to another community."
    assert list(Folder.objects.all()) == [elsewhere]


def test_services_rename_folder_refuses_a_siblings_name_but_allows_a_new_case(cast):
    plans = services.create_folder(cast.public, parent=None, name="Plans", actor=cast.member)
    services.create_folder(cast.public, parent=None, name="Notes", actor=cast.member)

    with pytest.raises(ValidationError):
        services.rename_folder(plans, name="notes", actor=cast.member)
    services.rename_folder(plans, name="PLANS", actor=cast.member)

    plans.refresh_from_db()
    assert plans.name == "PLANS"


def test_services_delete_folder_only_when_empty(cast, make_document):
    top = services.create_folder(cast.public, parent=None, name="Top", actor=cast.member)
    child = services.create_folder(cast.public, parent=top, name="Child", actor=cast.member)
    document = make_document(folder=child)

    with pytest.raises(ValidationError) as holds_a_folder:
        services.delete_folder(top, actor=cast.member)
    with pytest.raises(ValidationError) as holds_a_document:
        services.delete_folder(child, actor=cast.member)

    message = "Only an empty folder can be deleted: move or delete what it holds first."
    assert _message(holds_a_folder) == _message(holds_a_document) == message
    assert Folder.objects.count() == 2

    # A document waiting in the trash does not keep its folder; restored, it is at the top.
    services.trash_document(document, actor=cast.member)
    services.delete_folder(child, actor=cast.member)
    services.delete_folder(top, actor=cast.member)

    assert not Folder.objects.exists()
    document.refresh_from_db()
    assert (document.folder, document.is_trashed) == (None, True)


# --- Uploads -----------------------------------------------------------------------------------


def test_services_upload_document_takes_its_title_from_the_file_name_and_records_the_hash(
    cast, a_pdf
):
    result = services.upload_document(
        cast.public, upload=_file("Observation protocol.pdf", a_pdf), actor=cast.member
    )

    document = result.document
    assert document.title == "Observation protocol"
    assert (document.kind, document.content_type, document.size) == (
        "pdf",
        "application/pdf",
        len(a_pdf),
    )
    assert (document.version_count, document.current_version) == (1, result.version)
    version = result.version
    assert version.number == 1
    assert version.name == "Observation protocol.pdf"
    assert version.sha256 == hashlib.sha256(a_pdf).hexdigest()
    assert version.uploaded_by == cast.member
    assert result.duplicate_of is None
    with version.file.open("rb") as stored:
        assert stored.read() == a_pdf


def test_services_upload_document_given_title_and_tags_win(cast):
    result = services.upload_document(
        cast.public,
        upload=_file("scan-0042.png", png()),
        actor=cast.member,
        title="  Classroom wall  ",
        tags=["Fractions", "wall"],
    )

    assert result.document.title == "Classroom wall"
    assert sorted(result.document.tags.values_list("name", flat=True)) == ["Fractions", "wall"]


def test_services_upload_document_names_a_duplicate_in_the_same_community_only(cast):
    content = b"The same agenda, shared twice.\n"
    first = services.upload_document(cast.public, upload=_file("a.txt", content), actor=cast.member)

    again = services.upload_document(
        cast.public, upload=_file("b.txt", content), actor=cast.facilitator
    )
    elsewhere = services.upload_document(
        cast.private, upload=_file("c.txt", content), actor=cast.member
    )
    different = services.upload_document(
        cast.public, upload=_file("d.txt", content + b"!"), actor=cast.member
    )

    assert again.duplicate_of == first.document
    assert elsewhere.duplicate_of is None
    assert different.duplicate_of is None
    # A duplicate is only a warning: both documents are kept.
    assert Document.objects.filter(community=cast.public).count() == 3


def test_services_upload_document_a_trashed_document_is_no_duplicate(cast, make_document):
    content = b"Old minutes.\n"
    old = make_document("minutes.txt", content)
    services.trash_document(old, actor=cast.member)

    result = services.upload_document(
        cast.public, upload=_file("minutes.txt", content), actor=cast.member
    )

    assert result.duplicate_of is None


def test_services_upload_document_refuses_a_folder_of_another_community(cast, settings):
    folder = services.create_folder(cast.private, parent=None, name="Private", actor=cast.member)

    with pytest.raises(ValidationError):
        services.upload_document(
            cast.public, upload=_file("a.txt", b"Hello.\n"), actor=cast.member, folder=folder
        )

    assert not Document.objects.exists()
    assert _stored(settings) == []


def test_services_upload_document_refused_by_the_database_leaves_no_file(
    cast, settings, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(uploads, "index_document", broken)

    with pytest.raises(RuntimeError):
        services.upload_document(cast.public, upload=_file("a.txt", b"Hello.\n"), actor=cast.member)

    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()
    assert _stored(settings) == []


# --- Versions ----------------------------------------------------------------------------------


def test_services_add_version_makes_it_current_and_copies_its_type_and_size(cast, make_document):
    document = make_document("plan.txt", b"First draft.\n")
    first = document.current_version
    image = png(size=(120, 80))

    result = services.add_version(
        document, upload=_file("plan.png", image), actor=cast.facilitator, note="  A photo now  "
    )

    document.refresh_from_db()
    version = result.version
    assert (version.number, version.note, version.uploaded_by) == (
        2,
        "A photo now",
        cast.facilitator,
    )
    assert document.current_version == version
    assert (document.kind, document.content_type, document.size, document.version_count) == (
        "image",
        "image/png",
        len(image),
        2,
    )
    assert list(document.versions.values_list("number", flat=True)) == [2, 1]
    assert first.file.name != version.file.name
    assert default_storage.exists(first.file.name)


def test_services_add_version_names_a_duplicate_in_another_document(cast, make_document):
    shared = make_document("a.txt", b"Shared bytes.\n")
    document = make_document("b.txt", b"Other bytes.\n")

    # Re-uploading a document's own bytes is no duplicate of itself.
    same = services.add_version(
        shared, upload=_file("a.txt", b"Shared bytes.\n"), actor=cast.member
    )
    result = services.add_version(
        document, upload=_file("b.txt", b"Shared bytes.\n"), actor=cast.member
    )

    assert same.duplicate_of is None
    assert result.duplicate_of == shared


def test_services_restore_version_adds_a_version_sharing_the_older_file(cast, make_document):
    document = make_document("plan.txt", b"First draft.\n")
    first = document.current_version
    services.add_version(document, upload=_file("plan.png", png()), actor=cast.member)

    restored = services.restore_version(document, first, actor=cast.facilitator)

    document.refresh_from_db()
    assert restored.number == 3
    assert restored.restored_from == first
    assert restored.file.name == first.file.name
    assert (restored.sha256, restored.size, restored.name) == (first.sha256, first.size, "plan.txt")
    assert restored.note == "Restored version 1"
    assert restored.uploaded_by == cast.facilitator
    assert document.current_version == restored
    assert (document.kind, document.content_type, document.size, document.version_count) == (
        "text",
        "text/plain",
        len(b"First draft.\n"),
        3,
    )
    # History is never rewritten: the first two versions are still there, unchanged.
    assert list(document.versions.values_list("number", flat=True)) == [3, 2, 1]
    first.refresh_from_db()
    assert (first.number, first.restored_from) == (1, None)


def test_services_restore_version_of_a_restored_version_points_at_the_original(cast, make_document):
    document = make_document("plan.txt", b"First draft.\n")
    first = document.current_version
    second = services.add_version(
        document, upload=_file("plan.txt", b"Second.\n"), actor=cast.member
    )
    third = services.restore_version(document, first, actor=cast.member)
    services.restore_version(document, second.version, actor=cast.member)

    fifth = services.restore_version(document, third, actor=cast.member)

    assert fifth.restored_from == first
    assert fifth.file.name == first.file.name


def test_services_restore_version_carries_the_thumbnail_and_text_over(cast, make_document, a_pdf):
    document = make_document("protocol.pdf", a_pdf)
    first = document.current_version
    assert process_version(first.pk) is True
    first.refresh_from_db()
    services.add_version(document, upload=_file("protocol.txt", b"Rewritten.\n"), actor=cast.member)

    restored = services.restore_version(document, first, actor=cast.member)

    restored.refresh_from_db()
    assert "Notice what pupils say." in restored.text
    assert restored.text == first.text
    assert restored.processed_at == first.processed_at
    # Already processed: the task leaves it alone.
    assert process_version(restored.pk) is False


def test_services_restore_version_decides_on_the_stored_current_version(cast, make_document):
    # `document` is the caller's copy from before the second version was added.
    document = make_document("plan.txt", b"First draft.\n")
    first = document.current_version
    second = services.add_version(
        document, upload=_file("plan.txt", b"Second.\n"), actor=cast.member
    )

    with pytest.raises(ValidationError) as error:
        services.restore_version(document, second.version, actor=cast.member)
    restored = services.restore_version(document, first, actor=cast.member)

    assert _message(error) == "This version is already the current one."
    assert (restored.number, restored.restored_from) == (3, first)
    assert Document.objects.get().current_version == restored


def test_services_restore_version_of_an_unprocessed_version_is_processed_after_commit(
    cast, make_document, django_capture_on_commit_callbacks
):
    document = make_document("photo.png", png(size=(300, 200)))
    first = document.current_version  # its processing never ran (no commit in this test)
    services.add_version(document, upload=_file("notes.txt", b"Notes.\n"), actor=cast.member)

    with django_capture_on_commit_callbacks(execute=True):
        restored = services.restore_version(document, first, actor=cast.member)

    restored.refresh_from_db()
    assert restored.processed_at is not None
    assert restored.thumbnail.name.startswith(f"documents/{cast.public.pk}/thumbs/")
    assert default_storage.exists(restored.thumbnail.name)


def test_services_restore_version_refuses_the_current_one_and_another_documents(
    cast, make_document
):
    document = make_document("plan.txt", b"First draft.\n")
    other = make_document("other.txt", b"Other.\n")

    with pytest.raises(ValidationError) as current:
        services.restore_version(document, document.current_version, actor=cast.member)
    with pytest.raises(ValidationError) as foreign:
        services.restore_version(document, other.current_version, actor=cast.member)

    assert _message(current) == "This version is already the current one."
    assert _message(foreign) == "That version belongs to another document."
    assert DocumentVersion.objects.count() == 2


# --- Tags --------------------------------------------------------------------------------------


def test_services_clean_tags_trims_collapses_and_dedupes_case_insensitively():
    cleaned = services.clean_tags("  Fractions , lesson   study,fractions,, LESSON STUDY , ")

    assert cleaned == ["Fractions", "lesson study"]


def test_services_clean_tags_takes_a_list_and_cuts_each_at_fifty_characters():
    assert services.clean_tags([" a ", "A", "b" * 60]) == ["a", "b" * 50]


def test_services_clean_tags_allows_ten_and_refuses_eleven():
    ten = [f"tag {n}" for n in range(10)]

    assert services.clean_tags(ten + ["TAG 0"]) == ten
    with pytest.raises(ValidationError) as error:
        services.clean_tags(", ".join([*ten, "tag 10"]))
    assert _message(error) == "At most 10 tags."


def test_services_tags_reuse_an_existing_tag_whatever_its_case(cast, make_document):
    first = make_document("a.txt", b"A.\n", tags=["Lesson Study", "maths"])
    second = make_document("b.txt", b"B.\n", tags=["lesson study", "MATHS", "new one"])
    elsewhere = make_document("c.txt", b"C.\n", community=cast.private, tags=["lesson study"])

    public_tags = Tag.objects.filter(community=cast.public)
    assert sorted(public_tags.values_list("name", flat=True)) == [
        "Lesson Study",
        "maths",
        "new one",
    ]
    assert set(second.tags.all()) == set(first.tags.all()) | {public_tags.get(name="new one")}
    [private_tag] = elsewhere.tags.all()
    assert (private_tag.community, private_tag.name) == (cast.private, "lesson study")


def test_services_update_document_replaces_details_and_tags(cast, make_document):
    document = make_document("a.txt", b"A.\n", tags=["old"])
    folder = services.create_folder(cast.public, parent=None, name="Plans", actor=cast.member)

    services.update_document(
        document,
        actor=cast.member,
        title="  Agenda  ",
        description="**Read** first.",
        tags="OLD, new",
        folder=folder,
    )

    document.refresh_from_db()
    assert (document.title, document.folder) == ("Agenda", folder)
    assert "<strong>Read</strong>" in document.description_html
    assert sorted(document.tags.values_list("name", flat=True)) == ["new", "old"]
    assert Tag.objects.filter(community=cast.public).count() == 2


def test_services_update_document_refuses_a_folder_of_another_community(cast, make_document):
    document = make_document("a.txt", b"A.\n")
    foreign = services.create_folder(cast.private, parent=None, name="Private", actor=cast.member)

    with pytest.raises(ValidationError):
        services.update_document(
            document, actor=cast.member, title="x", description="", tags="", folder=foreign
        )

    document.refresh_from_db()
    assert (document.title, document.folder) == ("a", None)


# --- Activity ----------------------------------------------------------------------------------


def test_services_uploads_and_versions_are_recorded_as_activity(cast, make_document):
    document = make_document("plan.txt", b"Draft.\n", actor=cast.member)
    first = document.current_version
    services.add_version(document, upload=_file("plan.txt", b"Draft 2.\n"), actor=cast.facilitator)
    services.restore_version(document, first, actor=cast.organizer)

    rows = Activity.objects.filter(
        target_type=ContentType.objects.get_for_model(Document), target_id=document.pk
    ).order_by("id")
    assert [(row.verb, row.actor, row.community) for row in rows] == [
        ("document.upload", cast.member, cast.public),
        ("document.version", cast.facilitator, cast.public),
        ("document.version", cast.organizer, cast.public),
    ]
    assert {row.url for row in rows} == {document.get_absolute_url()}
    # No title copied into the log: the feed names the document as it is when shown.
    assert {row.summary for row in rows} == {""}
    assert not any(row.is_hidden for row in rows)


# --- Trash -------------------------------------------------------------------------------------


def test_services_trash_hides_the_activity_and_restore_shows_it_again(cast, make_document):
    document = make_document("plan.txt", b"Draft.\n")
    kept = make_document("other.txt", b"Other.\n")
    services.add_version(document, upload=_file("plan.txt", b"Draft 2.\n"), actor=cast.member)

    services.trash_document(document, actor=cast.facilitator)

    document.refresh_from_db()
    assert document.is_trashed
    assert document.trashed_by == cast.facilitator
    assert list(Document.objects.live()) == [kept]
    assert list(Document.objects.trashed()) == [document]
    hidden = dict(Activity.objects.values_list("target_id", "is_hidden").order_by("id"))
    assert Activity.objects.filter(target_id=document.pk, is_hidden=True).count() == 2
    assert hidden[kept.pk] is False

    services.restore_document(document, actor=cast.member)

    document.refresh_from_db()
    assert (document.trashed_at, document.trashed_by) == (None, None)
    assert not Activity.objects.filter(is_hidden=True).exists()
    assert set(Document.objects.live()) == {document, kept}


def test_services_trash_twice_keeps_the_first_date(cast, make_document):
    document = make_document()
    services.trash_document(document, actor=cast.member)
    first_date = Document.objects.get().trashed_at

    services.trash_document(document, actor=cast.facilitator)

    document.refresh_from_db()
    assert (document.trashed_at, document.trashed_by) == (first_date, cast.member)


def _age_in_trash(document: Document, days: float) -> None:
    Document.objects.filter(pk=document.pk).update(trashed_at=timezone.now() - timedelta(days=days))


def test_services_purge_trash_removes_old_documents_with_every_file_and_thumbnail(
    cast, make_document, settings, monkeypatch
):
    old = make_document("photo.png", png(size=(200, 100)))
    first = old.current_version
    services.add_version(old, upload=_file("photo.png", png(color=(0, 90, 0))), actor=cast.member)
    for version in old.versions.all():
        assert process_version(version.pk) is True
    first.refresh_from_db()
    restored = services.restore_version(old, first, actor=cast.member)
    recent = make_document("recent.txt", b"Recent.\n")
    live = make_document("live.txt", b"Live.\n")
    services.trash_document(old, actor=cast.member)
    services.trash_document(recent, actor=cast.member)
    _age_in_trash(old, days=31)
    _age_in_trash(recent, days=29)
    old_files = {
        name for pair in old.versions.values_list("file", "thumbnail") for name in pair if name
    }
    assert len(old_files) == 4  # two files, two thumbnails; the restored version shares one of each
    restored.refresh_from_db()
    assert restored.thumbnail.name in old_files
    assert all(default_storage.exists(name) for name in old_files)
    deleted: list[str] = []
    delete = default_storage.delete
    monkeypatch.setattr(
        default_storage, "delete", lambda name: (deleted.append(name), delete(name))[1]
    )

    assert services.purge_trash() == 1

    assert sorted(deleted) == sorted(old_files)  # each shared file deleted once
    assert not any(default_storage.exists(name) for name in old_files)
    assert set(Document.objects.all()) == {recent, live}
    assert not DocumentVersion.objects.filter(document_id=old.pk).exists()
    for document in (recent, live):
        assert default_storage.exists(document.current_version.file.name)
    assert len(_stored(settings)) == 2


def test_services_purge_trash_counts_thirty_days_from_the_given_time(cast, make_document):
    document = make_document()
    services.trash_document(document, actor=cast.member)
    trashed_at = Document.objects.get().trashed_at

    assert services.purge_trash(now=trashed_at + timedelta(days=29, hours=23)) == 0
    assert Document.objects.exists()
    assert services.purge_trash(now=trashed_at + timedelta(days=30, seconds=1)) == 1
    assert not Document.objects.exists()


def test_services_purge_trash_leaves_restored_documents_alone(cast, make_document):
    document = make_document()
    services.trash_document(document, actor=cast.member)
    _age_in_trash(document, days=40)
    services.restore_document(document, actor=cast.member)

    assert services.purge_trash() == 0
    assert default_storage.exists(Document.objects.get().current_version.file.name)


# --- Quota -------------------------------------------------------------------------------------

MB = 1024 * 1024


def _limit(community, megabytes: int | None) -> None:
    community.storage_limit_mb = megabytes
    community.save(update_fields=["storage_limit_mb"])


def test_services_storage_limit_comes_from_the_community(cast):
    assert services.storage_limit(cast.public) is None
    _limit(cast.public, 3)
    assert services.storage_limit(cast.public) == 3 * MB


def test_services_upload_over_the_quota_is_refused_and_nothing_is_stored(
    cast, make_document, settings
):
    _limit(cast.public, 1)
    make_document("first.txt", b"a" * (MB // 2))
    before = _stored(settings)

    with pytest.raises(ValidationError) as error:
        services.upload_document(
            cast.public, upload=_file("second.txt", b"b" * (MB // 2 + 1)), actor=cast.member
        )

    assert _message(error) == (
        f"“second.txt” ({filesizeformat(MB // 2 + 1)}) does not fit: the library uses "
        f"{filesizeformat(MB // 2)} of its {filesizeformat(MB)}. "
        "Ask a facilitator to empty the trash or raise the limit."
    )
    assert error.value.error_list[0].code == "quota"
    assert Document.objects.count() == 1
    assert DocumentVersion.objects.count() == 1
    assert _stored(settings) == before
    # Exactly what is left still fits; another community has its own quota.
    services.upload_document(
        cast.public, upload=_file("fits.txt", b"c" * (MB // 2)), actor=cast.member
    )
    services.upload_document(
        cast.private, upload=_file("second.txt", b"b" * (MB // 2 + 1)), actor=cast.member
    )


def test_services_add_version_over_the_quota_is_refused(cast, make_document, settings):
    _limit(cast.public, 1)
    document = make_document("plan.txt", b"a" * (MB // 2))
    before = _stored(settings)

    with pytest.raises(ValidationError) as error:
        services.add_version(
            document, upload=_file("plan.txt", b"b" * (MB // 2 + 1)), actor=cast.member
        )

    assert "does not fit" in _message(error)
    document.refresh_from_db()
    assert document.version_count == 1
    assert _stored(settings) == before


def test_services_storage_used_counts_the_trash_until_it_is_purged(cast, make_document):
    _limit(cast.public, 1)
    document = make_document("big.txt", b"a" * (MB // 2 + 10))
    services.trash_document(document, actor=cast.member)

    assert services.storage_used(cast.public) == MB // 2 + 10
    with pytest.raises(ValidationError):
        services.upload_document(
            cast.public, upload=_file("more.txt", b"b" * (MB // 2)), actor=cast.member
        )

    _age_in_trash(document, days=31)
    services.purge_trash()

    assert services.storage_used(cast.public) == 0
    services.upload_document(
        cast.public, upload=_file("more.txt", b"b" * (MB // 2)), actor=cast.member
    )


def test_services_storage_used_counts_a_restored_versions_file_once(cast, make_document):
    document = make_document("plan.txt", b"a" * 1000)
    first = document.current_version
    second = services.add_version(document, upload=_file("plan.txt", b"b" * 300), actor=cast.member)
    third = services.restore_version(document, first, actor=cast.member)
    services.restore_version(document, second.version, actor=cast.member)
    services.restore_version(document, third, actor=cast.member)
    make_document("other.txt", b"c" * 7, community=cast.private)

    assert DocumentVersion.objects.filter(document=document).count() == 5
    assert services.storage_used(cast.public) == 1300
    assert services.storage_used(cast.private) == 7


def test_services_restore_version_is_allowed_even_with_a_full_library(cast, make_document):
    # Restoring stores nothing new, so a full library does not block it.
    document = make_document("plan.txt", b"a" * (MB // 2))
    first = document.current_version
    services.add_version(document, upload=_file("plan.txt", b"b" * (MB // 2)), actor=cast.member)
    _limit(cast.public, 1)

    restored = services.restore_version(document, first, actor=cast.member)

    assert restored.number == 3
    assert services.storage_used(cast.public) == MB
