"""Small helpers shared by the communities tests."""

from django.test import Client


def text(response) -> str:
    return response.content.decode()


def after_redirect(client: Client, response) -> str:
    """The page a redirect leads to, where the flash messages show, as text."""
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"]).content.decode()


def htmx(target: str) -> dict:
    """The headers htmx sends when it swaps the element with this id."""
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}
