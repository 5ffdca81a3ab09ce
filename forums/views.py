"""Forum pages: parse the request, check the Access, call one service or selector, render."""

from pathlib import PurePosixPath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from communities import submissions
from communities.http import community_view, paginate
from communities.permissions import (
    Access,
    can_edit_post,
    can_mark_answer,
    can_post_in,
    can_see_post,
    can_see_thread,
    can_summarize,
)
from core.files import file_response
from core.ratelimit import allow
from core.uploads import inspect_upload, storage_name, without_metadata
from forums import selectors, services
from forums.forms import (
    EditPostForm,
    ForumForm,
    PostForm,
    SubscriptionForm,
    ThreadForm,
    ThreadPageForm,
)
from forums.models import Attachment, Forum, Post, Reaction, Subscription

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 20
ATTACHMENT_KINDS = {"image", "pdf", "text", "document", "archive", "audio", "video"}


def _forum(access: Access, forum_slug: str) -> Forum:
    return get_object_or_404(Forum, community=access.community, slug=forum_slug)


def _store_attachments(request: HttpRequest, access: Access, files) -> list[Attachment]:
    """Check every file before keeping any: one refused file refuses the message. Images are
    kept without their location and device metadata."""
    inspected = [
        without_metadata(
            upload,
            inspect_upload(upload, max_bytes=settings.COP_UPLOAD_MAX_BYTES, kinds=ATTACHMENT_KINDS),
        )
        for upload in files
    ]
    stored = []
    for upload, info in inspected:
        attachment = Attachment(
            community=access.community,
            uploader=request.user,
            name=info.name,
            size=info.size,
            # An image over the pixel limit is a plain file: listed and downloaded, never shown
            # inline where every reader's browser would have to decode it.
            content_type="application/octet-stream" if info.too_many_pixels else info.content_type,
            sha256=info.sha256,
        )
        # The field's upload_to adds the forums/<year>/<month>/ folder.
        attachment.file.save(PurePosixPath(storage_name("forums", info)).name, upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def _discard(attachments: list[Attachment]) -> None:
    """Remove the stored files of attachments whose message was refused after all."""
    for item in attachments:
        item.file.storage.delete(item.file.name)
        item.delete()


def _rate_limited(access: Access) -> str:
    return _(
        "You have posted %(limit)s messages in the last minute: please wait a moment, "
        "your text is kept below."
    ) % {"limit": access.community.post_rate_limit}


# --- Forums ---------------------------------------------------------------------------------


@community_view
def forum_list(request: HttpRequest, access: Access) -> HttpResponse:
    """The community's forums; facilitators create new ones here."""
    access.require("community.view")
    form = None
    if access.can("forum.moderate"):
        form = ForumForm(request.POST or None, community=access.community)
        if request.method == "POST":
            if form.is_valid():
                sent = submissions.once(
                    request,
                    lambda: services.create_forum(
                        access.community,
                        actor=request.user,
                        name=form.cleaned_data["name"],
                        slug=form.cleaned_data["slug"],
                        description=form.cleaned_data["description"],
                        kind=form.cleaned_data["kind"],
                    ),
                    url=lambda _forum: request.path,
                )
                if sent.repeated:
                    messages.info(request, submissions.ALREADY_SENT)
                else:
                    messages.success(
                        request, _("The forum “%(name)s” is open.") % {"name": sent.made.name}
                    )
                return redirect("forum_list", access.community.slug)
            # Sent twice: the first send took the forum's address.
            if (done := submissions.earlier(request)) is not None:
                messages.info(request, submissions.ALREADY_SENT)
                return redirect(done.url)
            messages.error(request, _("Please correct the errors below."))
    elif request.method == "POST":
        raise PermissionDenied
    forums = list(selectors.forums_of(access, include_archived=access.can("forum.moderate")))
    return render(
        request,
        "forums/forum_list.html",
        {"access": access, "community": access.community, "forums": forums, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@community_view
@login_required
def forum_edit(request: HttpRequest, access: Access, forum_slug: str) -> HttpResponse:
    """Facilitators rename, describe, archive or restore a forum."""
    access.require("forum.moderate")
    forum = _forum(access, forum_slug)
    form = ForumForm(
        request.POST if request.method == "POST" else None,
        instance=Forum.objects.get(pk=forum.pk),
        community=access.community,
    )
    if request.method == "POST" and form.is_valid():
        changes = {
            name: form.cleaned_data[name] for name in ("name", "slug", "description", "kind")
        }
        if "archive" in request.POST:
            changes["is_archived"] = request.POST["archive"] == "1"
        services.update_forum(forum, actor=request.user, changes=changes)
        messages.success(request, _("The forum is saved."))
        return redirect("forum_list", access.community.slug)
    return render(
        request,
        "forums/forum_edit.html",
        {"access": access, "community": access.community, "forum": forum, "form": form},
        status=400 if form.errors else 200,
    )


@community_view
@login_required
@require_POST
def forum_move(request: HttpRequest, access: Access, forum_slug: str) -> HttpResponse:
    access.require("forum.moderate")
    forum = _forum(access, forum_slug)
    services.move_forum(
        forum, actor=request.user, offset=-1 if request.POST.get("to") == "up" else 1
    )
    return redirect("forum_list", access.community.slug)


@community_view
def forum_detail(request: HttpRequest, access: Access, forum_slug: str) -> HttpResponse:
    """A forum's threads: pinned first, then by last activity, twenty a page."""
    access.require("community.view")
    forum = _forum(access, forum_slug)
    threads = selectors.threads_of(access, forum=forum)
    unanswered = forum.is_questions and request.GET.get("show") == "unanswered"
    if forum.is_questions:
        threads = selectors.with_answer_state(threads, unanswered=unanswered)
    page = paginate(request, threads, THREADS_PER_PAGE)
    selectors.with_participants(list(page.object_list))
    context = {
        "access": access,
        "community": access.community,
        "forum": forum,
        "page": page,
        "questions": forum.is_questions,
        "unanswered": unanswered,
        "filters": "show=unanswered" if unanswered else "",
        "level": selectors.subscription_level(access, forum=forum),
        "levels": Subscription.Level.choices,
        "can_post": can_post_in(access, forum=forum),
    }
    return render(request, "forums/forum_detail.html", context)


@community_view
def latest(request: HttpRequest, access: Access) -> HttpResponse:
    """The latest threads across all the community's forums."""
    access.require("community.view")
    page = paginate(request, selectors.threads_of(access), THREADS_PER_PAGE)
    selectors.with_participants(list(page.object_list))
    return render(
        request,
        "forums/latest.html",
        {"access": access, "community": access.community, "page": page},
    )


@community_view
@login_required
@require_POST
def forum_subscription(request: HttpRequest, access: Access, forum_slug: str) -> HttpResponse:
    access.require("forum.post")
    forum = _forum(access, forum_slug)
    form = SubscriptionForm(request.POST)
    if form.is_valid():
        services.set_subscription(request.user, forum=forum, level=form.cleaned_data["level"])
        messages.success(request, _("Your notification setting for this forum is saved."))
    return redirect(forum)


# --- Threads ----------------------------------------------------------------------------------


@community_view
@login_required
def thread_new(request: HttpRequest, access: Access, forum_slug: str) -> HttpResponse:
    """Start a thread: a title and the first message."""
    forum = _forum(access, forum_slug)
    if access.community.is_archived and access.is_member:
        messages.error(request, _("This community is archived: it is read-only."))
        return redirect(forum)
    access.require("forum.post")
    if not can_post_in(access, forum=forum):
        messages.error(request, _("This forum is archived: it no longer takes new threads."))
        return redirect(forum)
    form = ThreadForm(request.POST or None, request.FILES or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and not allow(f"post:{request.user.pk}", limit=access.community.post_rate_limit)
    ):
        form.add_error(None, _rate_limited(access))
    if request.method == "POST" and form.is_valid():
        attachments: list[Attachment] = []
        try:
            attachments = _store_attachments(request, access, form.cleaned_data["attachments"])
            sent = submissions.once(
                request,
                lambda: services.start_thread(
                    forum,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    attachments=attachments,
                ),
            )
        except ValidationError as error:
            form.add_error("attachments", error)
        except services.ForumError as error:
            _discard(attachments)
            messages.error(request, str(error))
            return redirect(forum)
        else:
            if sent.repeated:
                # The first send's files are the ones its thread shows.
                _discard(attachments)
                messages.info(request, submissions.ALREADY_SENT)
            return redirect(sent.url)
    return render(
        request,
        "forums/thread_new.html",
        {"access": access, "community": access.community, "forum": forum, "form": form},
        status=400 if form.errors else 200,
    )


class _Page:
    """One page of a thread's posts, cut by post number (the thread knows its count)."""

    def __init__(self, number: int, count: int, per_page: int):
        self.num_pages = max((count + per_page - 1) // per_page, 1)
        self.number = min(max(number, 1), self.num_pages)
        self.first = (self.number - 1) * per_page + 1
        self.last = self.number * per_page
        self.paginator = self

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _page_of(number: int) -> int:
    return (number - 1) // POSTS_PER_PAGE + 1


def _reply_url(post: Post) -> str:
    return f"{post.thread.get_absolute_url()}?page={_page_of(post.number)}#post-{post.number}"


@community_view
def thread_detail(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    """A thread, twenty posts a page; reading it moves the reader's read marker."""
    access.require("community.view")
    thread = selectors.access_thread(access, thread_id)
    last_read = getattr(thread, "my_last_read", None) or 0
    if request.GET.get("unread") and access.is_authenticated:
        first_unread = min(last_read + 1, thread.next_number - 1)
        page_number = _page_of(first_unread)
        return redirect(f"{thread.get_absolute_url()}?page={page_number}#post-{first_unread}")
    query = ThreadPageForm(request.GET)
    query.is_valid()  # a bad value is ignored: the first page, nothing quoted
    page = _Page(query.cleaned_data.get("page") or 1, thread.next_number - 1, POSTS_PER_PAGE)
    posts = list(
        selectors.posts_of(access, thread).filter(number__gte=page.first, number__lte=page.last)
    )
    if access.is_member and posts:
        services.mark_read(request.user, thread, posts[-1].number, known=last_read)
    reply_form = None
    if can_post_in(access, thread=thread, forum=thread.forum):
        initial = {}
        quoted = query.cleaned_data.get("quote")
        if quoted:
            source = Post.objects.filter(thread=thread, pk=quoted).select_related("author").first()
            # Only what the reader may read is quoted (not a hidden or held post).
            if source is not None and can_see_post(access, source):
                name = source.author.name if source.author else _("Someone")
                quote = "\n".join(f"> {line}" for line in source.body.splitlines())
                initial["body"] = f"{name} wrote:\n{quote}\n\n"
        reply_form = PostForm(initial=initial)
    answer, answer_hidden = (None, False)
    if page.number == 1:
        answer, answer_hidden = selectors.answer_for_reader(access, thread)
    context = {
        "access": access,
        "community": access.community,
        "thread": thread,
        "forum": thread.forum,
        "posts": posts,
        "answer": answer,
        "answer_hidden": answer_hidden,
        "can_mark_answer": can_mark_answer(access, thread),
        "can_summarize": can_summarize(access, thread),
        "summary": selectors.thread_summary(thread) if page.number == 1 else None,
        "page": page,
        "last_read": last_read,
        "reply_form": reply_form,
        "level": getattr(thread, "my_level", None) or Subscription.Level.NORMAL,
        "levels": Subscription.Level.choices,
        "reaction_kinds": Reaction.Kind.choices,
    }
    return render(request, "forums/thread_detail.html", context)


@community_view
@login_required
@require_POST
def thread_reply(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    """Reply to a thread (htmx: the new post is appended without reloading)."""
    thread = selectors.access_thread(access, thread_id)
    if access.community.is_archived and access.is_member:
        messages.error(request, _("This community is archived: it is read-only."))
        return redirect(thread)
    access.require("forum.post")
    if not can_post_in(access, thread=thread, forum=thread.forum):
        message = (
            _("This thread is locked: it no longer takes replies.")
            if thread.is_locked
            else _("This forum is archived: it no longer takes replies.")
        )
        messages.error(request, message)
        return redirect(thread)
    form = PostForm(request.POST, request.FILES or None)
    post = None
    if form.is_valid() and not allow(
        f"post:{request.user.pk}", limit=access.community.post_rate_limit
    ):
        form.add_error(None, _rate_limited(access))
    if form.is_valid():
        attachments: list[Attachment] = []
        try:
            attachments = _store_attachments(request, access, form.cleaned_data["attachments"])
            sent = submissions.once(
                request,
                lambda: services.reply(
                    thread,
                    actor=request.user,
                    body=form.cleaned_data["body"],
                    attachments=attachments,
                ),
                url=_reply_url,
            )
        except ValidationError as error:
            form.add_error("attachments", error)
        except services.ForumError as error:
            _discard(attachments)
            messages.error(request, str(error))
            return redirect(thread)
        else:
            if sent.repeated:
                # The first send shows the new post; this one takes the page to it.
                _discard(attachments)
                messages.info(request, submissions.ALREADY_SENT)
                if request.htmx:
                    return HttpResponseClientRedirect(sent.url)
                return redirect(sent.url)
            post = sent.made
    context = {
        "access": access,
        "community": access.community,
        "thread": thread,
        "reply_form": form if post is None else PostForm(),
        "reaction_kinds": Reaction.Kind.choices,
    }
    if request.htmx:
        if post is not None:
            post = selectors.posts_of(access, thread).get(pk=post.pk)
        context["new_post"] = post
        return render(
            request,
            "forums/thread_detail.html#reply-result",
            context,
            status=200 if post is not None else 400,
        )
    if post is None:
        messages.error(request, _("Your reply was not posted: please correct the errors below."))
        # The last page of the thread, under the form with what they wrote, nothing lost.
        page = _Page(
            _page_of(max(thread.next_number - 1, 1)), thread.next_number - 1, POSTS_PER_PAGE
        )
        context.update(
            forum=thread.forum,
            posts=list(
                selectors.posts_of(access, thread).filter(
                    number__gte=page.first, number__lte=page.last
                )
            ),
            page=page,
            last_read=getattr(thread, "my_last_read", None) or 0,
            levels=Subscription.Level.choices,
            level=getattr(thread, "my_level", None) or Subscription.Level.NORMAL,
        )
        return render(request, "forums/thread_detail.html", context, status=400)
    return redirect(_reply_url(post))


@community_view
@login_required
@require_POST
def thread_subscription(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    access.require("forum.post")
    thread = selectors.access_thread(access, thread_id)
    form = SubscriptionForm(request.POST)
    if form.is_valid():
        services.set_subscription(request.user, thread=thread, level=form.cleaned_data["level"])
        if request.htmx:
            return render(
                request,
                "forums/thread_detail.html#subscription-form",
                {
                    "access": access,
                    "community": access.community,
                    "thread": thread,
                    "level": form.cleaned_data["level"],
                    "levels": Subscription.Level.choices,
                    "saved": True,
                },
            )
        messages.success(request, _("Your notification setting for this thread is saved."))
    return redirect(thread)


# --- Posts ----------------------------------------------------------------------------------


@community_view
def post_permalink(request: HttpRequest, access: Access, post_id: int) -> HttpResponse:
    """The lasting address of a post: the right page of its thread, scrolled to it."""
    access.require("community.view")
    post = selectors.access_post(access, post_id)
    return redirect(
        f"{post.thread.get_absolute_url()}?page={_page_of(post.number)}#post-{post.number}"
    )


@community_view
@login_required
def post_edit(request: HttpRequest, access: Access, post_id: int) -> HttpResponse:
    """Authors edit their posts (moderators any post); the old text becomes a revision."""
    post = selectors.access_post(access, post_id)
    if not can_edit_post(access, post):
        access.require("forum.moderate")
    form = EditPostForm(
        request.POST if request.method == "POST" else None, initial={"body": post.body}
    )
    if request.method == "POST" and form.is_valid():
        services.edit_post(post, actor=request.user, body=form.cleaned_data["body"])
        if request.htmx:
            post = selectors.posts_of(access, post.thread).get(pk=post.pk)
            return render(
                request,
                "forums/thread_detail.html#post",
                {
                    "access": access,
                    "community": access.community,
                    "post": post,
                    "thread": post.thread,
                    "reaction_kinds": Reaction.Kind.choices,
                },
            )
        return redirect(post.get_absolute_url())
    template = "forums/post_edit.html"
    if request.htmx:
        template += "#edit-form"
    return render(
        request,
        template,
        {"access": access, "community": access.community, "post": post, "form": form},
        status=400 if form.errors else 200,
    )


@community_view
def post_revisions(request: HttpRequest, access: Access, post_id: int) -> HttpResponse:
    """What a post said before each edit."""
    access.require("community.view")
    post = selectors.access_post(access, post_id, content=True)
    revisions = post.revisions.select_related("editor")
    return render(
        request,
        "forums/post_revisions.html",
        {"access": access, "community": access.community, "post": post, "revisions": revisions},
    )


@community_view
@login_required
@require_POST
def post_react(request: HttpRequest, access: Access, post_id: int) -> HttpResponse:
    """Add or take back one of the fixed reactions."""
    access.require("forum.react")
    post = selectors.access_post(access, post_id, content=True)
    kind = request.POST.get("kind", "")
    if kind not in Reaction.Kind.values:
        raise Http404
    # The same form sent twice toggles once: the second send shows the first one's result.
    submissions.once(
        request,
        lambda: services.toggle_reaction(post, actor=request.user, kind=kind),
        url=lambda _on: post.get_absolute_url(),
        target=lambda _on: post,
    )
    if request.htmx:
        post = selectors.posts_of(access, post.thread).get(pk=post.pk)
        return render(
            request,
            "forums/thread_detail.html#reactions",
            {
                "access": access,
                "community": access.community,
                "post": post,
                "reaction_kinds": Reaction.Kind.choices,
            },
        )
    return redirect(post.get_absolute_url())


@community_view
@login_required
def mention_suggestions(request: HttpRequest, access: Access) -> HttpResponse:
    """Members matching what follows an @, for the composer's suggestions (htmx)."""
    access.require("forum.post")
    prefix = request.GET.get("q", "").lstrip("@").strip()[:40]
    people = selectors.mention_candidates(access, prefix)
    return render(request, "forums/mention_suggestions.html", {"people": people})


@community_view
def attachment(request: HttpRequest, access: Access, attachment_id: int) -> HttpResponse:
    """A post's attached file, for those who may read the community."""
    access.require("community.view")
    item = get_object_or_404(
        Attachment.objects.select_related("post__thread"),
        pk=attachment_id,
        community=access.community,
        post__isnull=False,
    )
    if not can_see_thread(access, item.post.thread) or not can_see_post(access, item.post):
        raise Http404
    return file_response(
        request,
        item.file,
        filename=item.name,
        content_type=item.content_type,
        inline=item.is_image or item.content_type == "application/pdf",
    )
