"""The unread-notification count in the navigation."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from communities.selectors import unread_notification_count


def notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that do not render the navigation do not pay for the query.
    return {"unread_notifications": SimpleLazyObject(lambda: unread_notification_count(user))}
