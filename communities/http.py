"""What the views of every app share about communities: finding the community and the person's
Access from /c/<slug>/, and paginating lists."""

from functools import wraps

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponsePermanentRedirect

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
            path = request.get_full_path().replace(f"/c/{slug}/", f"/c/{moved.community.slug}/", 1)
            return HttpResponsePermanentRedirect(path)
        return view(request, access, *args, **kwargs)

    return wrapper


def paginate(request: HttpRequest, items, per_page: int) -> Page:
    """One page of a list, from ?page= (out-of-range numbers give the last page)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
