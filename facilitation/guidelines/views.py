"""/c/<slug>/guidelines/: the community's guidelines, their editing and their history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from communities import submissions
from communities.http import community_view, paginate
from communities.permissions import Access, can_see_guidelines, can_see_thread
from facilitation.guidelines import services
from facilitation.guidelines.forms import GuidelinesForm
from facilitation.models import Guidelines

HISTORY_PAGE_SIZE = 20
ARCHIVED = _("This community is archived: it is read-only.")


def _guidelines_of(access: Access) -> Guidelines | None:
    return (
        Guidelines.objects.filter(community=access.community)
        .select_related("discussion", "updated_by")
        .first()
    )


def _page_url(access: Access) -> str:
    return reverse("guidelines", args=[access.community.slug])


@community_view
def guidelines_page(request: HttpRequest, access: Access) -> HttpResponse:
    """The published guidelines (and the draft, for facilitators), or an empty state."""
    access.require("community.view")
    guidelines = _guidelines_of(access)
    shown = (
        guidelines if guidelines is not None and can_see_guidelines(access, guidelines) else None
    )
    discussion = shown.discussion if shown is not None else None
    if discussion is not None and not can_see_thread(access, discussion):
        discussion = None
    return render(
        request,
        "facilitation/guidelines/page.html",
        {
            "community": access.community,
            "access": access,
            "guidelines": shown,
            # A draft exists but this person may not see it (nothing to draft again).
            "drafted": guidelines is not None,
            "discussion": discussion,
        },
    )


@community_view
@login_required
@require_POST
def guidelines_start(request: HttpRequest, access: Access) -> HttpResponse:
    """Draft the guidelines from the template (facilitators), then edit them."""
    access.require("community.facilitate")
    if access.community.is_archived:
        messages.error(request, ARCHIVED)
        return redirect(_page_url(access))
    edit_url = reverse("guidelines_edit", args=[access.community.slug])
    sent = submissions.once(
        request,
        lambda: services.start_guidelines(access.community, actor=request.user),
        url=lambda _made: edit_url,
    )
    if sent.repeated:
        messages.info(request, submissions.ALREADY_SENT)
    else:
        messages.success(request, _("The guidelines were drafted from the template: adapt them."))
    return redirect(edit_url)


@community_view
@login_required
def guidelines_edit(request: HttpRequest, access: Access) -> HttpResponse:
    """Edit the guidelines as markdown, with a note for the history; save, or save and
    publish."""
    access.require("community.facilitate")
    guidelines = _guidelines_of(access)
    if guidelines is None:
        messages.info(request, _("Draft the guidelines from the template first."))
        return redirect(_page_url(access))
    if access.community.is_archived:
        messages.error(request, ARCHIVED)
        return redirect(_page_url(access))
    form = GuidelinesForm(
        request.POST or None, initial={"body": guidelines.body} if request.method == "GET" else None
    )
    if request.method == "POST" and form.is_valid():
        changed = services.edit_guidelines(
            guidelines,
            actor=request.user,
            body=form.cleaned_data["body"],
            note=form.cleaned_data["note"],
        )
        published = "publish" in request.POST and services.publish_guidelines(
            guidelines, actor=request.user
        )
        if published:
            messages.success(request, _("The guidelines are published: every member sees them."))
        elif changed:
            messages.success(request, _("The guidelines were saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect(_page_url(access))
    return render(
        request,
        "facilitation/guidelines/edit.html",
        {"community": access.community, "access": access, "guidelines": guidelines, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@community_view
def guidelines_history(request: HttpRequest, access: Access) -> HttpResponse:
    """Every saved version of the guidelines, newest first, with who wrote it and why."""
    guidelines = Guidelines.objects.filter(community=access.community).first()
    if guidelines is None or not can_see_guidelines(access, guidelines):
        raise Http404
    revisions = guidelines.revisions.select_related("author").order_by("-number")
    page = paginate(request, revisions, HISTORY_PAGE_SIZE)
    return render(
        request,
        "facilitation/guidelines/history.html",
        {"community": access.community, "access": access, "guidelines": guidelines, "page": page},
    )


urls = [
    path("c/<slug:slug>/guidelines/", guidelines_page, name="guidelines"),
    path("c/<slug:slug>/guidelines/start/", guidelines_start, name="guidelines_start"),
    path("c/<slug:slug>/guidelines/edit/", guidelines_edit, name="guidelines_edit"),
    path("c/<slug:slug>/guidelines/history/", guidelines_history, name="guidelines_history"),
]

urlpatterns = urls
