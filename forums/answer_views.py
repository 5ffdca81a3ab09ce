"""Answers and summaries of threads: marking a question's answer, writing a thread's summary."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.http import community_view
from communities.permissions import Access, can_mark_answer, can_summarize
from forums import selectors, services
from forums.forms import AnswerForm, SummaryForm
from forums.models import Post, Thread


def _refuse(request: HttpRequest, access: Access, thread: Thread) -> HttpResponse:
    """Members of an archived community or forum are told why; anyone else is refused."""
    if access.is_member and (access.community.is_archived or thread.forum.is_archived):
        messages.error(request, _("This community or forum is archived: it is read-only."))
        return redirect(thread)
    raise PermissionDenied


@community_view
@login_required
@require_POST
def thread_answer(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    """The asker or a facilitator marks a reply as the answer, or takes the mark off."""
    access.require("community.view")
    thread = selectors.access_thread(access, thread_id)
    if not can_mark_answer(access, thread):
        return _refuse(request, access, thread)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the post that answers the question."))
        return redirect(thread)
    try:
        if form.cleaned_data["unmark"]:
            if services.unmark_answer(thread, actor=request.user):
                messages.success(request, _("The post is no longer marked as the answer."))
            return redirect(thread)
        post = Post.objects.filter(thread=thread, pk=form.cleaned_data["post"]).first()
        if post is None:
            messages.error(request, _("This post is not part of the thread."))
            return redirect(thread)
        if services.mark_answer(thread, actor=request.user, post=post):
            messages.success(request, _("The post is marked as the answer."))
    except services.ForumError as error:
        messages.error(request, str(error))
    return redirect(f"{thread.get_absolute_url()}#answer")


@community_view
@login_required
def thread_summary(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    """Facilitators write, rewrite or remove (after confirming) a thread's summary."""
    access.require("community.view")
    thread = selectors.access_thread(access, thread_id)
    if not can_summarize(access, thread):
        return _refuse(request, access, thread)
    current = selectors.thread_summary(thread)
    form = SummaryForm(
        request.POST if request.method == "POST" else None,
        initial={"body": current.body if current else ""},
    )
    context = {
        "access": access,
        "community": access.community,
        "thread": thread,
        "forum": thread.forum,
        "summary": current,
        "form": form,
    }
    if request.method != "POST":
        return render(request, "forums/thread_summary.html", context)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return render(request, "forums/thread_summary.html", context, status=400)
    body = form.cleaned_data["body"]
    if not body and current is not None and request.POST.get("confirm") != "1":
        # Emptying the summary removes it: asked once more before it goes.
        return render(request, "forums/thread_summary_remove.html", context)
    try:
        if body:
            services.save_summary(thread, actor=request.user, body=body)
            messages.success(request, _("The summary is saved."))
        elif services.remove_summary(thread, actor=request.user):
            messages.success(request, _("The summary is removed."))
    except services.ForumError as error:
        messages.error(request, str(error))
    return redirect(thread)


@community_view
def thread_summary_history(request: HttpRequest, access: Access, thread_id: int) -> HttpResponse:
    """Every saved version of a thread's summary, newest first."""
    access.require("community.view")
    thread = selectors.access_thread(access, thread_id)
    return render(
        request,
        "forums/thread_summary_history.html",
        {
            "access": access,
            "community": access.community,
            "thread": thread,
            "forum": thread.forum,
            "revisions": selectors.summary_revisions(thread),
        },
    )
