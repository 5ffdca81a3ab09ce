"""A person's notifications."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from communities import selectors, services
from communities.http import paginate
from communities.models import Notification

PAGE_SIZE = 30


def _page_context(request: HttpRequest) -> dict:
    return {
        "page": paginate(request, selectors.notifications_of(request.user), PAGE_SIZE),
        "unread_notifications": selectors.unread_notification_count(request.user),
    }


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """Newest first, unread ones marked."""
    return render(request, "communities/notifications.html", _page_context(request))


def _own(request: HttpRequest, notification_id: int) -> Notification:
    return get_object_or_404(Notification, pk=notification_id, recipient=request.user)


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = _own(request, notification_id)
    services.mark_notification_read(notification, actor=request.user)
    if request.htmx:
        return render(
            request,
            "communities/notifications.html#notification",
            {"notification": notification},
        )
    return redirect("notifications")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_notifications_read(actor=request.user)
    if request.htmx:
        return render(
            request, "communities/notifications.html#notification-list", _page_context(request)
        )
    return redirect("notifications")


@login_required
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way."""
    notification = _own(request, notification_id)
    services.mark_notification_read(notification, actor=request.user)
    target = notification.url or reverse("notifications")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("notifications")
    return redirect(target)
