"""Local upload serving, mounted at /media/ only when files live on the local disk."""

from django.urls import path

from core import views

urlpatterns = [
    path("<path:path>", views.media, name="media"),
]
