"""Profile, language preference, and avatars in the embedded mode."""

import mimetypes

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import services
from accounts.forms import ProfileForm
from accounts.models import User
from core.files import file_response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """View and edit one's own profile."""
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=request.user)
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
            # The ModelForm already copied cleaned values onto the instance; start from the row.
            request.user.refresh_from_db()
            services.update_profile(
                request.user,
                changes=changes,
                avatar=form.cleaned_data.get("avatar_upload"),
                remove_avatar=form.cleaned_data.get("remove_avatar", False),
            )
            response = redirect("profile")
            if request.user.language:
                translation.activate(request.user.language)
                _set_language_cookie(response, request.user.language)
            messages.success(request, _("Your profile has been saved."))
            return response
        messages.error(request, _("Please correct the errors below."))
    else:
        form = ProfileForm(instance=request.user)
    return render(request, "accounts/profile.html", {"form": form})


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponseRedirect:
    """Switch the page language; a signed-in person's choice is remembered on their account."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("home")
    response = HttpResponseRedirect(next_url)
    if language not in {code for code, _name in settings.LANGUAGES}:
        return response
    if request.user.is_authenticated:
        services.set_language(request.user, language)
    _set_language_cookie(response, language)
    return response


@require_GET
def avatar(request: HttpRequest, path: str) -> HttpResponse:
    """/media/<path> with files on the local disk: an avatar, and nothing else.

    The name must be the exact stored name of somebody's avatar: no path is ever resolved from
    the request, so no spelling of "..", encoded or not, can reach another file of the upload
    folder (library documents and forum attachments are served only by their checked views).
    """
    if "\x00" in path:
        raise Http404
    person = User.objects.filter(avatar=path).only("avatar").first()
    if person is None:
        raise Http404
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return file_response(
        request,
        person.avatar,
        filename=path.rpartition("/")[2],
        content_type=content_type,
        inline=True,
    )
