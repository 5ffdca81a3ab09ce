from django.urls import path

from facilitation import views

urlpatterns = [
    path("search/", views.search, name="search"),
    path("c/<slug:slug>/search/", views.community_search, name="community_search"),
]
