"""Document library pages: parse the request, check the Access, call one service or selector,
render."""

from pathlib import PurePosixPath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from communities import submissions
from communities.http import community_view, paginate, query_without_page
from communities.permissions import (
    Access,
    can_change_document,
    can_change_folder,
)
from core.files import file_response
from core.markdown import render_markdown
from core.upload_limits import announced_too_large, limit_uploads
from documents import previews, selectors, services
from documents.forms import (
    MAX_FILES_PER_UPLOAD,
    DocumentForm,
    FolderForm,
    LibraryFilterForm,
    ParentFolderForm,
    UploadForm,
    VersionForm,
)
from documents.models import MAX_FOLDER_DEPTH, Document, DocumentVersion, Folder

DOCUMENTS_PER_PAGE = 30
# Text and markdown files are shown on the page up to this size; larger ones are downloads.
TEXT_PREVIEW_BYTES = 200 * 1024


def _largest_upload() -> int:
    return max(settings.COP_UPLOAD_MAX_BYTES, settings.COP_VIDEO_MAX_BYTES)


def _library_url(community, folder: Folder | None) -> str:
    if folder is None:
        return reverse("documents", args=[community.slug])
    return reverse("documents_folder", args=[community.slug, folder.pk])


# --- The library ---------------------------------------------------------------------------


def _library(request: HttpRequest, access: Access, folder: Folder | None) -> HttpResponse:
    access.require("community.view")
    filter_form = LibraryFilterForm(request.GET or None)
    filters = filter_form.filters()
    page = paginate(
        request, selectors.library(access, folder=folder, filters=filters), DOCUMENTS_PER_PAGE
    )
    filtering = bool(filters["tag"] or filters["kind"] or filters["uploader"])
    can_upload = access.can("document.upload")
    context = {
        "community": access.community,
        "access": access,
        "folder": folder,
        "breadcrumb": folder.path if folder else [],
        "folders": [] if filtering else selectors.subfolders(access, folder),
        "page": page,
        "filter_form": filter_form,
        "filters": filters,
        "filtering": filtering,
        "query": query_without_page(request),
        "tags": selectors.tags_in_use(access),
        "can_upload": can_upload,
        "can_change_folder": folder is not None and can_change_folder(access, folder),
        "upload_form": UploadForm(community=access.community, initial={"folder": folder})
        if can_upload
        else None,
        "folder_form": FolderForm() if can_upload and _can_nest(folder) else None,
        "max_bytes": settings.COP_UPLOAD_MAX_BYTES,
        "video_max_bytes": settings.COP_VIDEO_MAX_BYTES,
        "max_files": MAX_FILES_PER_UPLOAD,
    }
    if access.can("document.manage"):
        context["storage_used"] = services.storage_used(access.community)
        context["storage_limit"] = services.storage_limit(access.community)
    template = "documents/library.html"
    if request.htmx and request.htmx.target == "library-items":
        template += "#library-items"
    return render(request, template, context)


def _can_nest(folder: Folder | None) -> bool:
    return folder is None or folder.depth < MAX_FOLDER_DEPTH


@community_view
def library(request: HttpRequest, access: Access) -> HttpResponse:
    """/c/<slug>/documents/: the top of the library."""
    return _library(request, access, None)


@community_view
def library_folder(request: HttpRequest, access: Access, folder_id: int) -> HttpResponse:
    """/c/<slug>/documents/f/<id>/: one folder."""
    return _library(request, access, selectors.access_folder(access, folder_id))


# --- Uploads -------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _too_large_message() -> str:
    return _(
        "This upload is larger than the largest file accepted (%(limit)s; videos: %(video)s)."
    ) % {
        "limit": filesizeformat(settings.COP_UPLOAD_MAX_BYTES),
        "video": filesizeformat(settings.COP_VIDEO_MAX_BYTES),
    }


def _refused(request: HttpRequest, access: Access, errors: list[str], status: int = 400):
    if _wants_json(request):
        return JsonResponse({"uploaded": [], "errors": errors}, status=status)
    for error in errors:
        messages.error(request, error)
    return redirect("documents", access.community.slug)


@csrf_exempt
@community_view
def upload(request: HttpRequest, access: Access) -> HttpResponse:
    """/c/<slug>/documents/upload/: one or several files, from the page's uploader (one file a
    request, answering JSON for its progress bars) or from the plain form.

    The request's size is checked before its body is read, and each file is dropped as soon as
    it passes the limit: so CSRF is checked here, after the limits are in place.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    access.require("document.upload")
    if request.method == "POST":
        if announced_too_large(request, _largest_upload(), files=MAX_FILES_PER_UPLOAD):
            return _refused(request, access, [_too_large_message()], status=413)
        limiter = limit_uploads(request, _largest_upload())
        return _upload(request, access, limiter)
    return _upload(request, access, None)


@csrf_protect
def _upload(request: HttpRequest, access: Access, limiter) -> HttpResponse:
    community = access.community
    if request.method != "POST":
        form = UploadForm(community=community, initial={"folder": request.GET.get("folder")})
        return render(request, "documents/upload.html", _upload_context(access, form))
    form = UploadForm(request.POST, request.FILES, community=community)
    errors = [
        _("“%(name)s” is larger than the largest file accepted (%(limit)s).")
        % {"name": name, "limit": filesizeformat(_largest_upload())}
        for name in (limiter.refused if limiter else [])
    ]
    uploaded: list[services.Uploaded] = []
    if not form.is_valid():
        if not errors:
            errors = [error for field_errors in form.errors.values() for error in field_errors]
    else:
        folder = form.cleaned_data.get("folder")
        # Files are stored first; their rows are written with the form's one-time key.
        stored: list[services.StoredUpload] = []
        for file in form.cleaned_data["files"]:
            try:
                stored.append(services.store_upload(community, file))
            except ValidationError as error:
                errors.extend(error.messages)

        def record_all() -> list[services.Uploaded] | None:
            for item in stored:
                try:
                    uploaded.append(
                        services.upload_document(
                            community, upload=item, actor=request.user, folder=folder
                        )
                    )
                except ValidationError as error:
                    errors.extend(error.messages)
            # Nothing kept: the same files may be sent again and refused again, not "done".
            return uploaded or None

        sent = submissions.once(
            request,
            record_all,
            url=lambda items: _library_url(community, items[0].document.folder),
            target=lambda items: items[0].document,
        )
        if sent.repeated:
            for item in stored:
                services.discard_upload(item)
            return _uploaded_already(request, sent)
    if _wants_json(request):
        return JsonResponse(
            {
                "uploaded": [_uploaded_json(item) for item in uploaded],
                "errors": errors,
            },
            status=200 if uploaded or not errors else 400,
        )
    for item in uploaded:
        messages.success(request, _("Uploaded “%(title)s”.") % {"title": item.document.title})
        if item.duplicate_of:
            messages.warning(request, _duplicate_message(item))
    if not uploaded:
        context = _upload_context(access, form)
        context["errors"] = errors
        return render(request, "documents/upload.html", context, status=400)
    for error in errors:
        messages.error(request, error)
    folder = uploaded[0].document.folder
    return redirect(_library_url(community, folder))


def _uploaded_already(request: HttpRequest, sent: submissions.Sent) -> HttpResponse:
    """The answer to an upload sent a second time: what the first send stored."""
    if _wants_json(request):
        document = sent.earlier(Document)
        items = [] if document is None else [_document_json(document)]
        return JsonResponse({"uploaded": items, "errors": []})
    messages.info(request, submissions.ALREADY_SENT)
    return redirect(sent.url)


def _document_json(document: Document) -> dict:
    return {"title": document.title, "url": document.get_absolute_url()}


def _duplicate_message(item: services.Uploaded) -> str:
    return format_html(
        _('The same file is already in the library: <a href="{url}">{title}</a>.'),
        url=item.duplicate_of.get_absolute_url(),
        title=item.duplicate_of.title,
    )


def _uploaded_json(item: services.Uploaded) -> dict:
    data = _document_json(item.document)
    if item.duplicate_of:
        data["duplicate"] = {
            "title": item.duplicate_of.title,
            "url": item.duplicate_of.get_absolute_url(),
        }
    return data


def _upload_context(access: Access, form) -> dict:
    return {
        "community": access.community,
        "access": access,
        "upload_form": form,
        "max_bytes": settings.COP_UPLOAD_MAX_BYTES,
        "video_max_bytes": settings.COP_VIDEO_MAX_BYTES,
        "max_files": MAX_FILES_PER_UPLOAD,
    }


# --- Folders -------------------------------------------------------------------------------


@community_view
@login_required
def folder_new(request: HttpRequest, access: Access) -> HttpResponse:
    """/c/<slug>/documents/folders/new/?parent=<id>: a folder inside another or at the top."""
    access.require("document.upload")
    where = ParentFolderForm({"parent": request.POST.get("parent") or request.GET.get("parent")})
    if not where.is_valid():
        raise Http404  # not a folder's id: no such folder
    parent_id = where.cleaned_data["parent"]
    parent = selectors.access_folder(access, parent_id) if parent_id else None

    def create(name: str) -> Folder | str:
        sent = submissions.once(
            request,
            lambda: services.create_folder(
                access.community, parent=parent, name=name, actor=request.user
            ),
        )
        if sent.repeated:
            messages.info(request, submissions.ALREADY_SENT)
            return sent.url
        messages.success(request, _("Folder “%(name)s” created.") % {"name": sent.made.name})
        return sent.made

    return _folder_form(request, access, create, FolderForm(request.POST or None), parent=parent)


@community_view
@login_required
def folder_edit(request: HttpRequest, access: Access, folder_id: int) -> HttpResponse:
    """/c/<slug>/documents/f/<id>/edit/: rename a folder."""
    access.require("document.upload")
    folder = selectors.access_folder(access, folder_id)
    if not can_change_folder(access, folder):
        raise PermissionDenied

    def rename(name: str) -> Folder:
        services.rename_folder(folder, name=name, actor=request.user)
        messages.success(request, _("Folder renamed."))
        return folder

    form = FolderForm(request.POST or None, initial={"name": folder.name})
    return _folder_form(request, access, rename, form, folder=folder)


def _folder_form(request, access: Access, save, form, **context) -> HttpResponse:
    """The folder name form: on a valid post, `save(name)` and go to the folder (or the
    address it returns)."""
    if request.method == "POST" and form.is_valid():
        try:
            folder = save(form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", error)
        else:
            return redirect(folder)
    return render(
        request,
        "documents/folder_form.html",
        {"community": access.community, "access": access, "form": form, **context},
        status=400 if request.method == "POST" else 200,
    )


@community_view
@login_required
def folder_delete(request: HttpRequest, access: Access, folder_id: int) -> HttpResponse:
    """/c/<slug>/documents/f/<id>/delete/: delete an empty folder, after confirmation."""
    access.require("document.upload")
    folder = selectors.access_folder(access, folder_id)
    if not can_change_folder(access, folder):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.delete_folder(folder, actor=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect(folder.get_absolute_url())
        messages.success(request, _("Folder “%(name)s” deleted.") % {"name": folder.name})
        return redirect(_library_url(access.community, folder.parent))
    return render(
        request,
        "documents/folder_delete.html",
        {"community": access.community, "access": access, "folder": folder},
    )


# --- A document ----------------------------------------------------------------------------


def _text_preview(version: DocumentVersion) -> tuple[str, bool]:
    """(html, is_markdown) of a text version small enough to show, else ("", False)."""
    if version.kind != "text" or version.size > TEXT_PREVIEW_BYTES:
        return "", False
    try:
        with version.file.open("rb") as source:
            text = source.read(TEXT_PREVIEW_BYTES).decode("utf-8", errors="replace")
    except (FileNotFoundError, OSError):
        return "", False
    if version.content_type == "text/markdown":
        return render_markdown(text), True
    return text, False


@community_view
def document(request: HttpRequest, access: Access, document_id: int) -> HttpResponse:
    """/c/<slug>/documents/<id>/: preview, details and history."""
    access.require("community.view")
    item = selectors.access_document(access, document_id)
    version = item.current_version
    preview, is_markdown = _text_preview(version) if version else ("", False)
    can_change = can_change_document(access, item) and not item.is_trashed
    return render(
        request,
        "documents/document.html",
        {
            "community": access.community,
            "access": access,
            "document": item,
            "version": version,
            "versions": selectors.versions_of(item),
            "breadcrumb": item.folder.path if item.folder else [],
            "text_preview": preview,
            "markdown_preview": is_markdown,
            "can_change": can_change,
            "version_form": VersionForm() if can_change else None,
            "purge_date": services.purge_date(item) if item.is_trashed else None,
        },
    )


@community_view
@login_required
def document_edit(request: HttpRequest, access: Access, document_id: int) -> HttpResponse:
    """/c/<slug>/documents/<id>/edit/: title, description, tags, folder."""
    access.require("document.upload")
    item = selectors.access_document(access, document_id, change=True, live=True)
    form = DocumentForm(request.POST or None, instance=item, community=access.community)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.update_document(
            item,
            actor=request.user,
            title=data["title"],
            description=data["description"],
            tags=data["tags"],
            folder=data["folder"],
        )
        messages.success(request, _("Document saved."))
        return redirect(item.get_absolute_url())
    return render(
        request,
        "documents/document_edit.html",
        {"community": access.community, "access": access, "document": item, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@community_view
@login_required
def version_new(request: HttpRequest, access: Access, document_id: int) -> HttpResponse:
    """/c/<slug>/documents/<id>/versions/new/: upload a new version with a note."""
    access.require("document.upload")
    item = selectors.access_document(access, document_id, change=True, live=True)
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            # Stored first; the version's rows are written with the form's one-time key.
            stored = services.store_upload(access.community, form.cleaned_data["file"])
            sent = submissions.once(
                request,
                lambda: services.add_version(
                    item, upload=stored, actor=request.user, note=form.cleaned_data["note"]
                ),
                url=lambda _result: item.get_absolute_url(),
                target=lambda result: result.version,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            if sent.repeated:
                services.discard_upload(stored)
                messages.info(request, submissions.ALREADY_SENT)
                return redirect(sent.url)
            result = sent.made
            messages.success(
                request, _("Version %(number)s uploaded.") % {"number": result.version.number}
            )
            if result.duplicate_of:
                messages.warning(request, _duplicate_message(result))
            return redirect(item.get_absolute_url())
    return render(
        request,
        "documents/version_new.html",
        {"community": access.community, "access": access, "document": item, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@community_view
@login_required
@require_POST
def version_restore(request: HttpRequest, access: Access, document_id: int, number: int):
    """/c/<slug>/documents/<id>/versions/<n>/restore/: make an older version current again."""
    access.require("document.upload")
    item = selectors.access_document(access, document_id, change=True, live=True)
    version = item.versions.filter(number=number).first()
    if version is None:
        raise Http404
    try:
        restored = services.restore_version(item, version, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("Version %(old)s is current again, as version %(new)s.")
            % {"old": version.number, "new": restored.number},
        )
    return redirect(item.get_absolute_url())


@community_view
@login_required
def document_trash(request: HttpRequest, access: Access, document_id: int) -> HttpResponse:
    """/c/<slug>/documents/<id>/trash/: move to the trash, after confirmation."""
    access.require("document.upload")
    item = selectors.access_document(access, document_id, change=True)
    if request.method == "POST":
        services.trash_document(item, actor=request.user)
        messages.success(
            request,
            _("“%(title)s” is in the trash; it can be restored for %(days)s days.")
            % {"title": item.title, "days": services.TRASH_DAYS},
        )
        return redirect(_library_url(access.community, item.folder))
    return render(
        request,
        "documents/document_trash.html",
        {
            "community": access.community,
            "access": access,
            "document": item,
            "days": services.TRASH_DAYS,
        },
    )


@community_view
@login_required
@require_POST
def document_restore(request: HttpRequest, access: Access, document_id: int) -> HttpResponse:
    """/c/<slug>/documents/<id>/restore/: take a document out of the trash."""
    access.require("document.upload")
    item = selectors.access_document(access, document_id, change=True)
    services.restore_document(item, actor=request.user)
    messages.success(request, _("“%(title)s” is back in the library.") % {"title": item.title})
    return redirect(item.get_absolute_url())


@community_view
@login_required
def trash(request: HttpRequest, access: Access) -> HttpResponse:
    """/c/<slug>/documents/trash/: what can still be restored."""
    access.require("document.upload")
    page = paginate(request, selectors.trash(access), DOCUMENTS_PER_PAGE)
    for item in page.object_list:
        item.purge_date = services.purge_date(item)
    return render(
        request,
        "documents/trash.html",
        {
            "community": access.community,
            "access": access,
            "page": page,
            "days": services.TRASH_DAYS,
        },
    )


# --- Files ---------------------------------------------------------------------------------


def _serve(request: HttpRequest, version: DocumentVersion) -> HttpResponse:
    # core.files shows inline only types that run nothing (never a PDF); the rest downloads.
    return file_response(
        request,
        version.file,
        filename=version.name,
        content_type=version.content_type,
        inline=request.GET.get("inline") == "1",
    )


@community_view
def download(request: HttpRequest, access: Access, document_id: int) -> HttpResponse:
    """/c/<slug>/documents/<id>/download/: the current version (?inline=1 to show an image,
    a video or a recording in the page)."""
    access.require("community.view")
    item = selectors.access_document(access, document_id)
    if item.current_version is None:
        raise Http404
    return _serve(request, item.current_version)


@community_view
def version_download(request: HttpRequest, access: Access, document_id: int, number: int):
    """/c/<slug>/documents/<id>/versions/<n>/download/: any version."""
    access.require("community.view")
    item = selectors.access_document(access, document_id)
    version = item.versions.filter(number=number).first()
    if version is None:
        raise Http404
    return _serve(request, version)


@community_view
def thumbnail(request: HttpRequest, access: Access, document_id: int) -> HttpResponse:
    """/c/<slug>/documents/<id>/thumbnail/: the current version's small image."""
    access.require("community.view")
    item = selectors.access_document(access, document_id)
    version = item.current_version
    if version is None or not version.thumbnail:
        raise Http404
    return file_response(
        request,
        version.thumbnail,
        filename=f"{version.name}.jpg",
        content_type="image/jpeg",
        inline=True,
    )


@community_view
def page_image(request: HttpRequest, access: Access, document_id: int, number: int) -> HttpResponse:
    """/c/<slug>/documents/<id>/pages/<n>/: page n of the current version's PDF, drawn as an
    image on the server (the document page shows these, never the PDF itself)."""
    access.require("community.view")
    item = selectors.access_document(access, document_id)
    version = item.current_version
    image = version.preview_page(number) if version is not None else None
    if image is None:
        raise Http404
    extension = PurePosixPath(image.name).suffix
    return file_response(
        request,
        image,
        filename=f"{PurePosixPath(version.name).stem}-page-{number}{extension}",
        content_type=previews.PAGE_CONTENT_TYPES[extension],
        inline=True,
    )
