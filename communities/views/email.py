"""A person's email choices, and the unsubscribe link every email carries."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import User
from communities import emails, notification_emails
from communities.forms import EmailPreferencesForm
from communities.permissions import facilitates_somewhere


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_preferences(request: HttpRequest) -> HttpResponse:
    """Per kind of email: at once, in the digest or not at all; the digest's frequency."""
    facilitator = facilitates_somewhere(request.user)
    kinds = notification_emails.shown_kinds(facilitator=facilitator)
    if request.method == "POST":
        form = EmailPreferencesForm(request.POST, user=request.user, kinds=kinds)
        if form.is_valid():
            notification_emails.set_email_preferences(
                request.user,
                actor=request.user,
                preferences=form.preferences(),
                digest_frequency=form.cleaned_data["digest_frequency"],
                time_zone=form.cleaned_data["time_zone"],
                language=form.cleaned_data["language"],
            )
            if request.user.language:
                translation.activate(request.user.language)
            messages.success(request, _("Your email preferences have been saved."))
            return redirect("email_preferences")
        messages.error(request, _("Please correct the errors below."))
    else:
        form = EmailPreferencesForm(user=request.user, kinds=kinds)
    return render(
        request,
        "communities/email_preferences.html",
        {
            "form": form,
            "member_fields": form.kind_fields(emails.MEMBERS),
            "facilitator_fields": form.kind_fields(emails.FACILITATORS),
        },
    )


# No login and no CSRF token: mail providers POST "List-Unsubscribe=One-Click" to this address
# without cookies (RFC 8058). The signed token is the authority, and it can only turn one kind
# of email off for one person.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks "Stop emails about …?"; POST (the button, or a mail provider's one-click) stops
    them."""
    found = emails.read_unsubscribe_token(token)
    if found is None:
        raise Http404
    user_id, kind = found
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None:
        raise Http404
    done = request.method == "POST"
    if done:
        notification_emails.unsubscribe(person, kind=kind)
    # Said in the language of the person the emails go to, when they chose one.
    with translation.override(person.language or translation.get_language()):
        return render(
            request,
            "communities/unsubscribe.html",
            {
                "done": done,
                "kind": emails.KINDS[kind],
                "is_digest": kind == "digest",
                "address": person.email,
                "site_name": settings.COP_SITE_NAME,
            },
        )
