"""Moderation pages of the forums: flag, hide and restore, approve, thread tools."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.http import community_view
from communities.permissions import Access, can_flag
from core.http import client_ip
from core.ratelimit import allow
from forums import selectors, services
from forums.forms import FlagForm, HideForm, MoveForm, RenameForm
from forums.models import Forum, Post


def _done(request: HttpRequest, post: Post, message: str) -> HttpResponse:
    """After an action: in the queue with htmx, the item becomes the result in place; otherwise
    a flash message and back to the queue (when the action came from there) or the post."""
    from_queue = request.POST.get("next") == "queue"
    if from_queue and request.htmx:
        return render(request, "forums/_moderation_done.html", {"message": message})
    messages.success(request, message)
    if from_queue:
        return redirect("moderation_queue", post.thread.community.slug)
    return redirect(post.get_absolute_url())


@community_view
@login_required
def flag(request: HttpRequest, access: Access, post_id: int) -> HttpResponse:
    """A member flags a post with a reason."""
    access.require("forum.flag")
    # A post the member may not read (in a hidden thread, held for approval) is not there.
    post = selectors.access_post(access, post_id, content=True)
    if not can_flag(access, post):
        raise PermissionDenied
    form = FlagForm(request.POST or None)
    limit = access.community.flag_rate_limit
    if (
        request.method == "POST"
        and form.is_valid()
        and not allow(f"flag:{request.user.pk}", limit=limit)
    ):
        # As for posts: refused with the form and what they wrote, not a bounce that loses it.
        form.add_error(
            None,
            _("You have flagged %(limit)s posts in the last minute: please wait a moment.")
            % {"limit": limit},
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_post(
                post,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
            )
        except services.ForumError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you: the facilitators will look at this post."))
        return redirect(post.get_absolute_url())
    return render(
        request,
        "forums/flag.html",
        {"access": access, "community": access.community, "post": post, "form": form},
        status=400 if form.errors else 200,
    )


@community_view
@login_required
def hide_post(request: HttpRequest, access: Access, post_id: int) -> HttpResponse:
    """Moderators hide a post with a reason the author is told."""
    access.require("forum.moderate")
    post = selectors.access_post(access, post_id)
    form = HideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.hide_post(
            post, actor=request.user, reason=form.cleaned_data["reason"], ip=client_ip(request)
        )
        return _done(request, post, _("The post is hidden. Its author has been told why."))
    return render(
        request,
        "forums/hide.html",
        {
            "access": access,
            "community": access.community,
            "post": post,
            "form": form,
            "next": request.GET.get("next", ""),
        },
        status=400 if form.errors else 200,
    )


@community_view
@login_required
@require_POST
def restore_post(request: HttpRequest, access: Access, post_id: int) -> HttpResponse:
    access.require("forum.moderate")
    post = selectors.access_post(access, post_id)
    if services.restore_post(post, actor=request.user, ip=client_ip(request)):
        return _done(request, post, _("The post is visible again."))
    return _done(request, post, _("Nothing to change."))


@community_view
@login_required
@require_POST
def dismiss_flags(request: HttpRequest, access: Access, post_id: int) -> HttpResponse:
    access.require("forum.moderate")
    post = selectors.access_post(access, post_id)
    if services.dismiss_flags(post, actor=request.user):
        return _done(request, post, _("The flags are dismissed."))
    return _done(request, post, _("Nothing to change."))


@community_view
@login_required
@require_POST
def approve_post(request: HttpRequest, access: Access, post_id: int) -> HttpResponse:
    access.require("forum.moderate")
    post = selectors.access_post(access, post_id)
    if services.approve_post(post, actor=request.user, ip=client_ip(request)):
        return _done(request, post, _("The post is approved and visible to everyone."))
    return _done(request, post, _("Nothing to change."))


@community_view
@login_required
def thread_tools(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    """Moderators lock, pin, move, rename, hide or restore a thread."""
    access.require("forum.moderate")
    thread = selectors.access_thread(access, thread_id, moderating=True)
    forums = Forum.objects.filter(community=access.community).exclude(pk=thread.forum_id)
    rename_form = RenameForm(initial={"title": thread.title})
    move_form = MoveForm(forums=forums)
    hide_form = HideForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        ip = client_ip(request)
        done = None
        if action in {"lock", "unlock", "pin", "unpin"}:
            verb = getattr(services, f"{action}_thread")
            done = verb(thread, actor=request.user, ip=ip)
        elif action == "rename":
            rename_form = RenameForm(request.POST)
            if rename_form.is_valid():
                done = services.rename_thread(
                    thread, actor=request.user, title=rename_form.cleaned_data["title"], ip=ip
                )
        elif action == "move":
            move_form = MoveForm(request.POST, forums=forums)
            if move_form.is_valid():
                done = services.move_thread(
                    thread, actor=request.user, forum=move_form.cleaned_data["forum"], ip=ip
                )
        elif action == "hide":
            hide_form = HideForm(request.POST)
            if hide_form.is_valid():
                done = services.hide_thread(
                    thread, actor=request.user, reason=hide_form.cleaned_data["reason"], ip=ip
                )
        elif action == "restore":
            done = services.restore_thread(thread, actor=request.user, ip=ip)
        if done is not None:
            if done:
                messages.success(request, _("Done."))
            else:
                messages.info(request, _("Nothing to change."))
            return redirect(thread)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "forums/thread_tools.html",
        {
            "access": access,
            "community": access.community,
            "thread": thread,
            "rename_form": rename_form,
            "move_form": move_form,
            "hide_form": hide_form,
        },
        status=400 if request.method == "POST" else 200,
    )
