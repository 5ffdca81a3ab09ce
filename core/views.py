"""Cross-cutting views: the health endpoint and local media serving."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve

from core import health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON state of database, cache and broker: 200 when all answer, 503 when one does not."""
    healthy, states = health.service_states()
    return JsonResponse(
        {"status": "ok" if healthy else "error", **states}, status=200 if healthy else 503
    )


# Folders of the upload folder whose files anyone may fetch by name (avatars). Forum attachments
# and library documents are served only by their permission-checked views.
PUBLIC_MEDIA_FOLDERS = ("avatars/",)


@require_GET
def media(request: HttpRequest, path: str) -> HttpResponse:
    """Serve a public file of the local upload folder inertly (embedded mode only)."""
    if not path.startswith(PUBLIC_MEDIA_FOLDERS):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    # Uploads never run as pages in our origin, whatever they claim to be.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
