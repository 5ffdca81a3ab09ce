"""Profile and language preference."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ProfileForm


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
