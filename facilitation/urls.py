from django.urls import include, path

from facilitation import views

urlpatterns = [
    path("search/", views.search, name="search"),
    path("c/<slug:slug>/search/", views.community_search, name="community_search"),
    path("", include("facilitation.guidelines.views")),  # guidelines
    path("", include("facilitation.knowledge.views")),  # knowledge
    path("", include("facilitation.export_views")),  # exports
    path("", include("facilitation.dashboard.views")),  # dashboard
    path("", include("facilitation.wizard.views")),  # wizard
    path("", include("facilitation.digest_views")),  # digests
]
