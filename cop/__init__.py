"""Praxis configuration: settings, URLs, Celery, WSGI and ASGI entry points."""

from cop.celery import app as celery_app

__all__ = ["celery_app"]
