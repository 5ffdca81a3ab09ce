"""Community pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The front page: the person's communities, then the public directory."""
    return render(request, "communities/home.html")
