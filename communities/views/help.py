"""The help desk: members ask the community's facilitators for help, privately.

A request is seen by its asker and the community's facilitators only; anyone else gets 404 for
it, the same answer as for a request that does not exist. A silenced member may still ask and
reply (silence keeps people out of the forums, not away from the people who can help them); a
suspended member may not. Once the community is archived, requests are read-only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from communities import selectors, services, submissions
from communities.forms import HelpQueueForm, HelpReplyForm, HelpRequestForm, safe_asked_from
from communities.http import community_view, paginate, query_without_page
from communities.models import HelpMessage, HelpRequest
from communities.permissions import (
    Access,
    can_close_help,
    can_reopen_help,
    can_reply_help,
    can_see_help_queue,
    can_use_help_desk,
)
from core.http import client_ip
from core.ratelimit import allow

PER_PAGE = 20


def _require_help_desk(access: Access) -> None:
    """Active members have a help desk; others 404 (cannot see the community) or 403."""
    if can_use_help_desk(access):
        return
    if not access.can("community.view"):
        raise Http404
    raise PermissionDenied


def _read_only(request: HttpRequest, access: Access) -> bool:
    """Say so and answer True when the community is archived."""
    if not access.community.is_archived:
        return False
    messages.error(request, _("This community is archived: it is read-only."))
    return True


def _rate_limited(request: HttpRequest, access: Access) -> str | None:
    """The error to show when the person wrote too much in the last minute (else None)."""
    limit = access.community.post_rate_limit
    if allow(f"help:{request.user.pk}", limit=limit):
        return None
    return _(
        "You have sent %(limit)s messages in the last minute: please wait a moment, "
        "your text is kept below."
    ) % {"limit": limit}


def _asked_from(request: HttpRequest) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return safe_asked_from(
        source.get("from", ""), host=request.get_host(), secure=request.is_secure()
    )


def _ask(request: HttpRequest, access: Access, form: HelpRequestForm, asked_from: str):
    """Send a valid ask form once; a redirect when done, None when the form got an error."""
    error = _rate_limited(request, access)
    if error:
        form.add_error(None, error)
        return None
    try:
        sent = submissions.once(
            request,
            lambda: services.ask_for_help(
                access.community,
                actor=request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                asked_from=asked_from,
            ),
        )
    except services.HelpError as refused:
        form.add_error(None, str(refused))
        return None
    if sent.repeated:
        messages.info(request, submissions.ALREADY_SENT)
    else:
        messages.success(request, _("Your request was sent to the facilitators."))
    return redirect(sent.url)


@community_view
@login_required
@require_http_methods(["GET", "HEAD"])
def help_requests(request: HttpRequest, access: Access) -> HttpResponse:
    """A member's own requests and the form to ask; the facilitators' queue, by state."""
    _require_help_desk(access)
    context = {"access": access, "community": access.community}
    if can_see_help_queue(access):
        filters = HelpQueueForm(request.GET)
        state = filters.cleaned_data.get("state") if filters.is_valid() else ""
        state = state or HelpRequest.State.OPEN
        context.update(
            queue=True,
            filters=filters,
            state=state,
            states=HelpQueueForm.base_fields["state"].choices,
            page=paginate(
                request,
                selectors.help_queue(access, state="" if state == "all" else state),
                PER_PAGE,
            ),
            query=query_without_page(request),
        )
    else:
        context.update(
            queue=False,
            page=paginate(request, selectors.my_help_requests(access), PER_PAGE),
            form=HelpRequestForm() if access.can("help.ask") else None,
        )
    return render(request, "communities/help/requests.html", context)


@community_view
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def help_ask(request: HttpRequest, access: Access) -> HttpResponse:
    """Ask the facilitators for help (?from= names the page the person was on)."""
    _require_help_desk(access)
    if _read_only(request, access):
        return redirect("help_requests", access.community.slug)
    access.require("help.ask")
    asked_from = _asked_from(request)
    form = HelpRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done = _ask(request, access, form, asked_from)
        if done is not None:
            return done
    return render(
        request,
        "communities/help/ask.html",
        {
            "access": access,
            "community": access.community,
            "form": form,
            "asked_from": asked_from,
        },
        status=400 if form.errors else 200,
    )


def _message_url(message: HelpMessage) -> str:
    return f"{message.request.get_absolute_url()}#message-{message.pk}"


def _refuse_writing(request: HttpRequest, access: Access, help_request: HelpRequest):
    """Why this person may not write in the request: a message and a redirect, or 403."""
    if _read_only(request, access):
        return redirect(help_request)
    if help_request.state == HelpRequest.State.CLOSED:
        messages.error(request, _("This request is closed: reopen it to write again."))
        return redirect(help_request)
    raise PermissionDenied


@community_view
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def help_request(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    """The private conversation of one request, oldest message first, and the reply form."""
    help_request = selectors.access_help_request(access, request_id)
    form = HelpReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_reply_help(access, help_request):
            return _refuse_writing(request, access, help_request)
        if form.is_valid() and (error := _rate_limited(request, access)):
            form.add_error(None, error)
        if form.is_valid():
            try:
                sent = submissions.once(
                    request,
                    lambda: services.reply_to_help(
                        help_request, actor=request.user, body=form.cleaned_data["body"]
                    ),
                    url=_message_url,
                )
            except services.HelpError as refused:
                form.add_error(None, str(refused))
            else:
                if sent.repeated:
                    messages.info(request, submissions.ALREADY_SENT)
                return redirect(sent.url)
    context = {
        "access": access,
        "community": access.community,
        "help_request": help_request,
        "conversation": list(selectors.help_messages_of(help_request)),
        "form": form,
        "is_facilitator": can_see_help_queue(access),
        "can_reply": can_reply_help(access, help_request),
        "can_close": can_close_help(access, help_request),
        "can_reopen": can_reopen_help(access, help_request),
    }
    return render(
        request,
        "communities/help/request.html",
        context,
        status=400 if form.errors else 200,
    )


@community_view
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def help_close(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    """Close a request, after confirming (the asker or a facilitator)."""
    help_request = selectors.access_help_request(access, request_id)
    if not can_close_help(access, help_request):
        if help_request.state == HelpRequest.State.CLOSED:
            messages.info(request, _("This request is already closed."))
            return redirect(help_request)
        return _refuse_writing(request, access, help_request)
    if request.method == "POST":
        services.close_help(help_request, actor=request.user, ip=client_ip(request))
        messages.success(request, _("The request is closed."))
        return redirect(help_request)
    return render(
        request,
        "communities/help/close.html",
        {"access": access, "community": access.community, "help_request": help_request},
    )


@community_view
@login_required
@require_POST
def help_reopen(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    """Open a closed request again (the asker or a facilitator)."""
    help_request = selectors.access_help_request(access, request_id)
    if not can_reopen_help(access, help_request):
        if _read_only(request, access):
            return redirect(help_request)
        if help_request.state != HelpRequest.State.CLOSED:
            messages.info(request, _("This request is open already."))
            return redirect(help_request)
        raise PermissionDenied
    services.reopen_help(help_request, actor=request.user, ip=client_ip(request))
    messages.success(request, _("The request is open again."))
    return redirect(help_request)
