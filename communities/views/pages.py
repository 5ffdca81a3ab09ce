"""The front page and a community's home."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from communities import selectors
from communities.activity import with_current_targets
from communities.forms import DirectoryForm
from communities.home import home_panels
from communities.http import community_view, paginate, query_without_page
from communities.permissions import Access, can_create_community

DIRECTORY_PAGE_SIZE = 20
FEED_PAGE_SIZE = 20


def home(request: HttpRequest) -> HttpResponse:
    """The front page: the person's communities, then the public directory."""
    form = DirectoryForm(request.GET or None)
    query = language = ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        language = form.cleaned_data["language"]
    directory = paginate(
        request,
        selectors.public_directory(query=query, language=language),
        DIRECTORY_PAGE_SIZE,
    )
    context = {
        "memberships": list(selectors.memberships_of(request.user)),
        "pending_requests": list(selectors.pending_requests_of(request.user)),
        "may_start_community": can_create_community(request.user),
        "form": form,
        "directory": directory,
        "query": query,
        "filters": query_without_page(request),
    }
    template = "communities/home.html"
    if request.htmx and request.htmx.target == "directory":
        template += "#directory"
    return render(request, template, context)


@community_view
def community(request: HttpRequest, access: Access) -> HttpResponse:
    """A community's home: theme, description, facilitators, what's new."""
    if access.is_suspended and not access.can("community.view"):
        return render(
            request,
            "communities/suspended.html",
            {"access": access, "community": access.community},
            status=403,
        )
    access.require("community.view")
    feed = paginate(request, selectors.activity_feed(access), FEED_PAGE_SIZE)
    # Each line names its target as it is now: renamed, hidden or trashed things never linger.
    feed.object_list = with_current_targets(feed.object_list)
    context = {
        "access": access,
        "community": access.community,
        "facilitators": selectors.facilitators_of(access.community),
        "member_count": selectors.member_count(access.community),
        "pending_request": selectors.pending_request_of(access),
        "feed": feed,
        "home_panels": home_panels(access),
    }
    template = "communities/community.html"
    if request.htmx and request.htmx.target == "feed-more":
        template += "#feed-page"
    return render(request, template, context)
