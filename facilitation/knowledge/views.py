"""/c/<slug>/knowledge/: the curated knowledge base, its entries, their promotion from threads,
posts, documents and value stories, their editing and review, and the Atom feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from communities import submissions
from communities.http import community_view, paginate, query_without_page
from communities.models import Community
from communities.permissions import (
    Access,
    access_community_by_slug,
    access_for,
    allows_public_knowledge,
    can_change_knowledge,
    can_curate_knowledge,
)
from facilitation.knowledge import selectors, services
from facilitation.knowledge.forms import KnowledgeEntryForm, ReviewForm, default_review_date
from facilitation.models import KnowledgeEntry

PAGE_SIZE = 20
ARCHIVED = services.ARCHIVED


def _list_url(access: Access) -> str:
    return reverse("knowledge", args=[access.community.slug])


def _knowledge_access(request: HttpRequest, slug: str) -> Access:
    """The Access of the request at `slug`, also for a community the person may not see: its
    public entries stay readable (even once it is archived); each view then checks the entry."""
    try:
        return access_community_by_slug(request, slug)
    except Http404:
        community = Community.objects.filter(slug=slug).first()
        if community is None or not allows_public_knowledge(community):
            raise
        return access_for(request.user, community)


def _refuse_archived(request: HttpRequest, access: Access, url: str) -> HttpResponse | None:
    if access.community.is_archived:
        messages.error(request, ARCHIVED)
        return redirect(url)
    return None


@community_view
def knowledge_list(request: HttpRequest, access: Access) -> HttpResponse:
    """Published entries (facilitators: every status, filterable), by tag and text, 20 a page."""
    access.require("community.view")
    facilitating = access.can("community.facilitate")
    status = request.GET.get("status", "") if facilitating else ""
    tag = request.GET.get("tag", "").strip()[:40]
    text = request.GET.get("q", "").strip()[:100]
    entries = selectors.entries_of(access, status=status, tag=tag, text=text)
    page = paginate(request, entries, PAGE_SIZE)
    return render(
        request,
        "facilitation/knowledge/list.html",
        {
            "community": access.community,
            "access": access,
            "page": page,
            "tags": selectors.tags_in_use(selectors.entries_of(access)),
            "tag": tag,
            "q": text,
            "status": status,
            "statuses": KnowledgeEntry.Status.choices if facilitating else (),
            "filters": query_without_page(request),
            "can_curate": can_curate_knowledge(access),
        },
    )


def knowledge_entry(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    """One entry: summary, tags, steward, review date and sources; public entries are
    readable without an account, with the titles and description used when it is shared."""
    access = _knowledge_access(request, slug)
    entry = selectors.access_entry(access, entry_id)
    can_change = can_change_knowledge(access, entry)
    return render(
        request,
        "facilitation/knowledge/entry.html",
        {
            "community": access.community,
            "access": access,
            "entry": entry,
            "sources": selectors.sources_of(access, entry),
            "description": selectors.plain_summary(entry),
            "page_url": request.build_absolute_uri(entry.get_absolute_url()),
            "can_change": can_change,
            "review_due": entry.review_on <= timezone.localdate(),
            "review_form": ReviewForm(initial={"review_on": default_review_date()}),
        },
    )


def _promotion_initial(request: HttpRequest, promotion: selectors.Promotion) -> dict:
    return {
        "title": promotion.title,
        "summary": promotion.summary,
        "steward": request.user.pk,
        "review_on": default_review_date(),
        "status": KnowledgeEntry.Status.DRAFT,
        "visibility": KnowledgeEntry.Visibility.MEMBERS,
    }


@community_view
@login_required
def knowledge_promote(request: HttpRequest, access: Access) -> HttpResponse:
    """Promote a thread, some of its posts, a document or a featured value story: a form
    pre-filled from the source; saving creates the entry with its sources (once)."""
    access.require("community.facilitate")
    refused = _refuse_archived(request, access, _list_url(access))
    if refused is not None:
        return refused
    params = request.POST if request.method == "POST" else request.GET
    promotion = selectors.promotion_from(access, params)
    form = KnowledgeEntryForm(
        request.POST if request.method == "POST" else None,
        community=access.community,
        initial=_promotion_initial(request, promotion) if request.method == "GET" else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sent = submissions.once(
                request,
                lambda: services.promote_to_knowledge(
                    access.community,
                    actor=request.user,
                    sources=promotion.sources,
                    title=data["title"],
                    summary=data["summary"],
                    tags=data["tags"],
                    steward=data["steward"],
                    review_on=data["review_on"],
                    status=data["status"],
                    visibility=data["visibility"],
                ),
            )
        except services.KnowledgeError as error:
            messages.error(request, str(error))
        else:
            if sent.repeated:
                messages.info(request, submissions.ALREADY_SENT)
            else:
                messages.success(request, _("The knowledge entry was created."))
            return redirect(sent.url)
    return render(
        request,
        "facilitation/knowledge/promote.html",
        {
            "community": access.community,
            "access": access,
            "form": form,
            "promotion": promotion,
        },
        status=400 if request.method == "POST" else 200,
    )


@community_view
@login_required
def knowledge_promote_posts(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    """Choose the posts of a thread to promote (the form goes on to the promotion form)."""
    access.require("community.facilitate")
    refused = _refuse_archived(request, access, _list_url(access))
    if refused is not None:
        return refused
    from forums import selectors as forum_selectors

    thread = forum_selectors.access_thread(access, thread_id)
    return render(
        request,
        "facilitation/knowledge/promote_posts.html",
        {
            "community": access.community,
            "access": access,
            "thread": thread,
            "posts": selectors.promotable_posts(access, thread),
        },
    )


@community_view
@login_required
def knowledge_edit(request: HttpRequest, access: Access, entry_id: int) -> HttpResponse:
    """Edit an entry's title, summary, tags, steward, review date, status and visibility."""
    entry = selectors.access_entry(access, entry_id)
    refused = _refuse_archived(request, access, entry.get_absolute_url())
    if refused is not None:
        return refused
    if not can_change_knowledge(access, entry):
        access.require("community.facilitate")
    initial = {
        "title": entry.title,
        "summary": entry.summary,
        "tags": ", ".join(entry.tag_list),
        "steward": entry.steward_id,
        "review_on": entry.review_on,
        "status": entry.status,
        "visibility": entry.visibility,
    }
    form = KnowledgeEntryForm(
        request.POST if request.method == "POST" else None,
        community=access.community,
        initial=initial if request.method == "GET" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.edit_knowledge(entry, actor=request.user, **form.cleaned_data)
        except services.KnowledgeError as error:
            messages.error(request, str(error))
        else:
            if changed:
                messages.success(request, _("The knowledge entry was saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(entry.get_absolute_url())
    return render(
        request,
        "facilitation/knowledge/edit.html",
        {
            "community": access.community,
            "access": access,
            "entry": entry,
            "form": form,
            "sources": selectors.sources_of(access, entry),
        },
        status=400 if request.method == "POST" else 200,
    )


@community_view
@login_required
@require_POST
def knowledge_status(request: HttpRequest, access: Access, entry_id: int) -> HttpResponse:
    """Publish, retire, or confirm the review of an entry (with its next review date)."""
    entry = selectors.access_entry(access, entry_id)
    url = entry.get_absolute_url()
    refused = _refuse_archived(request, access, url)
    if refused is not None:
        return refused
    if not can_change_knowledge(access, entry):
        access.require("community.facilitate")
    action = request.POST.get("action", "")
    try:
        if action == "publish":
            if services.publish_knowledge(entry, actor=request.user):
                messages.success(request, _("The knowledge entry is published."))
            else:
                messages.info(request, _("The knowledge entry was already published."))
        elif action == "retire":
            if services.retire_knowledge(entry, actor=request.user):
                messages.success(request, _("The knowledge entry is retired."))
            else:
                messages.info(request, _("The knowledge entry was already retired."))
        elif action == "review":
            form = ReviewForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(form.errors["review_on"]))
            elif services.confirm_knowledge_review(
                entry, actor=request.user, review_on=form.cleaned_data["review_on"]
            ):
                messages.success(request, _("The review is confirmed."))
            else:
                messages.info(request, _("Nothing changed."))
        else:
            messages.error(request, _("Unknown action."))
    except services.KnowledgeError as error:
        messages.error(request, str(error))
    return redirect(url)


class KnowledgeFeed(Feed):
    """The community's published public entries as Atom (404 where public knowledge is not
    allowed)."""

    feed_type = Atom1Feed

    def get_object(self, request, slug):
        community = Community.objects.filter(slug=slug).first()
        if community is None or not allows_public_knowledge(community):
            raise Http404
        return community

    def title(self, community):
        return _("Knowledge of %(name)s") % {"name": community.name}

    def link(self, community):
        return reverse("knowledge", args=[community.slug])

    def subtitle(self, community):
        return community.theme

    def items(self, community):
        return selectors.feed_entries(community)

    def item_title(self, entry):
        return entry.title

    def item_description(self, entry):
        return selectors.plain_summary(entry, length=500)

    def item_link(self, entry):
        return entry.get_absolute_url()

    def item_pubdate(self, entry):
        return entry.published_at

    def item_updateddate(self, entry):
        return entry.updated_at

    def item_categories(self, entry):
        return entry.tag_list


urls = [
    path("c/<slug:slug>/knowledge/", knowledge_list, name="knowledge"),
    path("c/<slug:slug>/knowledge/feed.atom", KnowledgeFeed(), name="knowledge_feed"),
    path("c/<slug:slug>/knowledge/promote/", knowledge_promote, name="knowledge_promote"),
    path(
        "c/<slug:slug>/knowledge/promote/t/<int:thread_id>/",
        knowledge_promote_posts,
        name="knowledge_promote_posts",
    ),
    path("c/<slug:slug>/knowledge/<int:entry_id>/", knowledge_entry, name="knowledge_entry"),
    path("c/<slug:slug>/knowledge/<int:entry_id>/edit/", knowledge_edit, name="knowledge_edit"),
    path(
        "c/<slug:slug>/knowledge/<int:entry_id>/status/",
        knowledge_status,
        name="knowledge_status",
    ),
]

urlpatterns = urls
