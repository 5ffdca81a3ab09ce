"""Search across everything a person may see: composes the tools' selectors."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from communities.http import community_view, paginate, query_without_page
from communities.permissions import Access, communities_visible_to
from documents import selectors as document_selectors
from facilitation.forms import SearchForm
from forums import selectors as forum_selectors

RESULTS_PER_PAGE = 20
# Documents shown above the discussions when searching both.
DOCUMENTS_PREVIEWED = 5


def _search(request: HttpRequest, *, access: Access | None) -> HttpResponse:
    form = SearchForm(request.GET or None)
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    query = (filters.get("q") or "").strip()
    communities = None
    if access is not None:
        communities = [access.community]
    elif filters.get("community"):
        communities = list(communities_visible_to(request.user).filter(slug=filters["community"]))
    page = None
    documents = None
    within = filters.get("within") or ""
    if query:
        criteria = {
            "communities": communities,
            "author_handle": filters.get("author") or "",
            "since": filters.get("since"),
            "until": filters.get("until"),
        }
        if within != "posts" and not filters.get("forum"):
            found = document_selectors.search_documents(request.user, query, **criteria)
            if within == "documents":
                page = paginate(request, found, RESULTS_PER_PAGE)
                document_selectors.with_snippets(list(page.object_list), query)
            else:
                documents = list(found[: DOCUMENTS_PREVIEWED + 1])
                document_selectors.with_snippets(documents, query)
        if within != "documents":
            results = forum_selectors.search_posts(
                request.user, query, forum_id=filters.get("forum"), **criteria
            )
            page = paginate(request, results, RESULTS_PER_PAGE)
            forum_selectors.with_snippets(list(page.object_list), query)
    context = {
        "form": form,
        "query": query,
        "page": page,
        "within": within,
        "documents": documents[:DOCUMENTS_PREVIEWED] if documents else documents,
        "more_documents": bool(documents) and len(documents) > DOCUMENTS_PREVIEWED,
        "filters": query_without_page(request),
        "access": access,
        "community": access.community if access else None,
        "communities": communities_visible_to(request.user).order_by("name")
        if access is None
        else [],
    }
    template = "facilitation/search.html"
    if request.htmx and request.htmx.target == "search-results":
        template += "#search-results"
    return render(request, template, context)


def search(request: HttpRequest) -> HttpResponse:
    """/search/?q= across every community the person may see."""
    return _search(request, access=None)


@community_view
def community_search(request: HttpRequest, access: Access) -> HttpResponse:
    """/c/<slug>/search/?q= within one community."""
    access.require("community.view")
    return _search(request, access=access)
