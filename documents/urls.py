"""The document library's URLs (DESIGN.md, "URLs")."""

from django.urls import path

from documents import views

urlpatterns = [
    path("c/<slug:slug>/documents/", views.library, name="documents"),
    path("c/<slug:slug>/documents/upload/", views.upload, name="document_upload"),
    path("c/<slug:slug>/documents/trash/", views.trash, name="documents_trash"),
    path("c/<slug:slug>/documents/folders/new/", views.folder_new, name="folder_new"),
    path(
        "c/<slug:slug>/documents/f/<int:folder_id>/", views.library_folder, name="documents_folder"
    ),
    path("c/<slug:slug>/documents/f/<int:folder_id>/edit/", views.folder_edit, name="folder_edit"),
    path(
        "c/<slug:slug>/documents/f/<int:folder_id>/delete/",
        views.folder_delete,
        name="folder_delete",
    ),
    path("c/<slug:slug>/documents/<int:document_id>/", views.document, name="document"),
    path(
        "c/<slug:slug>/documents/<int:document_id>/edit/",
        views.document_edit,
        name="document_edit",
    ),
    path(
        "c/<slug:slug>/documents/<int:document_id>/download/",
        views.download,
        name="document_download",
    ),
    path(
        "c/<slug:slug>/documents/<int:document_id>/thumbnail/",
        views.thumbnail,
        name="document_thumbnail",
    ),
    path(
        "c/<slug:slug>/documents/<int:document_id>/pages/<int:number>/",
        views.page_image,
        name="document_page",
    ),
    path(
        "c/<slug:slug>/documents/<int:document_id>/trash/",
        views.document_trash,
        name="document_trash",
    ),
    path(
        "c/<slug:slug>/documents/<int:document_id>/restore/",
        views.document_restore,
        name="document_restore",
    ),
    path(
        "c/<slug:slug>/documents/<int:document_id>/versions/new/",
        views.version_new,
        name="document_version_new",
    ),
    path(
        "c/<slug:slug>/documents/<int:document_id>/versions/<int:number>/download/",
        views.version_download,
        name="document_version_download",
    ),
    path(
        "c/<slug:slug>/documents/<int:document_id>/versions/<int:number>/restore/",
        views.version_restore,
        name="document_version_restore",
    ),
]
