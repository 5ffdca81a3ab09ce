from django.urls import path

from facilitation import moderation, views

urlpatterns = [
    path("search/", views.search, name="search"),
    path("c/<slug:slug>/search/", views.community_search, name="community_search"),
    path(
        "c/<slug:slug>/facilitate/moderation/",
        moderation.moderation_queue,
        name="moderation_queue",
    ),
]
