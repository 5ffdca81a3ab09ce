"""The "send me a test digest now" button of the email preferences page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.ratelimit import allow
from facilitation import digests

# One test digest a minute per person: each is a real email.
TEST_DIGESTS_PER_MINUTE = 1


@login_required
@require_POST
def digest_test(request: HttpRequest) -> HttpResponse:
    """Build the requester's digest now and email it to them (a test: the period's digest is
    still sent as usual)."""
    if not allow(f"digest-test:{request.user.pk}", limit=TEST_DIGESTS_PER_MINUTE):
        messages.warning(
            request, _("A test digest was sent a moment ago: please wait a minute for another.")
        )
    elif digests.send_test_digest(request.user):
        messages.success(
            request,
            _("Your test digest is on its way to %(email)s.") % {"email": request.user.email},
        )
    else:
        messages.error(request, _("The test digest could not be sent: please try again."))
    return redirect("email_preferences")


urls = [path("notifications/email/test-digest/", digest_test, name="digest_test")]
urlpatterns = urls
