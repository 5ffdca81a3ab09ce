"""What the views of every app share about communities: finding the community and the person's
Access from /c/<slug>/, and paginating lists."""

from functools import wraps

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.encoding import iri_to_uri

from communities.models import SlugRedirect
from communities.permissions import access_community_by_slug, access_for


def community_view(view):
    """Resolve /c/<slug>/ into an Access (404 when invisible), following renamed slugs.

    Put it above login_required and require_POST, so a community hidden from the person answers
    404 whatever the method and whether they are logged in, as one that does not exist.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args, **kwargs):
        try:
            access = access_community_by_slug(request, slug)
        except Http404:
            moved = SlugRedirect.objects.filter(old_slug=slug).select_related("community").first()
            if moved is None or not access_for(request.user, moved.community).can("community.view"):
                raise
            return HttpResponsePermanentRedirect(_same_page_at(request, moved.community.slug))
        return view(request, access, *args, **kwargs)

    return wrapper


def _same_page_at(request: HttpRequest, slug: str) -> str:
    """The address of the page asked for, under the community's current slug."""
    match = request.resolver_match
    path = reverse(match.view_name, args=match.args, kwargs={**match.kwargs, "slug": slug})
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{iri_to_uri(query)}" if query else path


def paginate(request: HttpRequest, items, per_page: int) -> Page:
    """One page of a list, from ?page= (out-of-range numbers give the last page)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
