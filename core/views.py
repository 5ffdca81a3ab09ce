"""Cross-cutting views: the health endpoint."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON state of database, cache and broker: 200 when all answer, 503 when one does not."""
    healthy, states = health.service_states()
    return JsonResponse(
        {"status": "ok" if healthy else "error", **states}, status=200 if healthy else 503
    )
