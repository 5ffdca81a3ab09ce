"""The project's URLs (DESIGN.md, "URLs"): each app brings its own urls.py."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.views import avatar

urlpatterns = [
    path("", include("core.urls")),
    path("", include("communities.urls")),
    path("", include("forums.urls")),
    path("", include("documents.urls")),
    path("", include("facilitation.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

if "FileSystemStorage" in settings.STORAGES["default"]["BACKEND"]:
    # Avatars on the local disk (embedded mode); with S3 the storage serves its own files.
    # Nothing else of the upload folder is reachable here.
    urlpatterns += [path("media/<path:path>", avatar, name="media")]
