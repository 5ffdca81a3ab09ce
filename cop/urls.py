"""The project's URLs (DESIGN.md, "URLs"): each app brings its own urls.py."""

from django.contrib import admin
from django.urls import include, path

from accounts.views import avatar

urlpatterns = [
    path("", include("core.urls")),
    path("", include("communities.urls")),
    path("", include("forums.urls")),
    path("", include("documents.urls")),
    path("", include("assessments.urls")),
    path("", include("facilitation.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    # Avatars by their stored name, and nothing else of the upload folder. Pages link avatars
    # at their storage's own URL: this one on the local disk, a presigned one on S3 (where this
    # route would only redirect there). Always mounted, so the URLs do not depend on the storage
    # configured when they were first read.
    path("media/<path:path>", avatar, name="media"),
]
