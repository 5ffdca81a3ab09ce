"""Apply a signed-in person's own language and time zone to each request."""

import zoneinfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class PersonalPreferencesMiddleware:
    """Runs after LocaleMiddleware: a person's saved language beats the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
