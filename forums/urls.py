from django.urls import path

from forums import answer_views, moderation_views, queue_views, views
from forums.feeds import ThreadsFeed

urlpatterns = [
    path("c/<slug:slug>/forums/", views.forum_list, name="forum_list"),
    path("c/<slug:slug>/forums/<slug:forum_slug>/", views.forum_detail, name="forum"),
    path("c/<slug:slug>/forums/<slug:forum_slug>/edit/", views.forum_edit, name="forum_edit"),
    path("c/<slug:slug>/forums/<slug:forum_slug>/move/", views.forum_move, name="forum_move"),
    path("c/<slug:slug>/forums/<slug:forum_slug>/new/", views.thread_new, name="thread_new"),
    path(
        "c/<slug:slug>/forums/<slug:forum_slug>/subscription/",
        views.forum_subscription,
        name="forum_subscription",
    ),
    path("c/<slug:slug>/latest/", views.latest, name="latest"),
    path("c/<slug:slug>/t/<int:thread_id>/", views.thread_detail, name="thread"),
    path("c/<slug:slug>/t/<int:thread_id>/reply/", views.thread_reply, name="thread_reply"),
    path(
        "c/<slug:slug>/t/<int:thread_id>/subscription/",
        views.thread_subscription,
        name="thread_subscription",
    ),
    path(
        "c/<slug:slug>/t/<int:thread_id>/answer/", answer_views.thread_answer, name="thread_answer"
    ),
    path(
        "c/<slug:slug>/t/<int:thread_id>/summary/",
        answer_views.thread_summary,
        name="thread_summary",
    ),
    path(
        "c/<slug:slug>/t/<int:thread_id>/summary/history/",
        answer_views.thread_summary_history,
        name="thread_summary_history",
    ),
    path("c/<slug:slug>/feeds/threads.atom", ThreadsFeed(), name="threads_feed"),
    path("c/<slug:slug>/p/<int:post_id>/", views.post_permalink, name="post"),
    path("c/<slug:slug>/p/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("c/<slug:slug>/p/<int:post_id>/revisions/", views.post_revisions, name="post_revisions"),
    path("c/<slug:slug>/p/<int:post_id>/react/", views.post_react, name="post_react"),
    path("c/<slug:slug>/p/<int:post_id>/flag/", moderation_views.flag, name="post_flag"),
    path("c/<slug:slug>/p/<int:post_id>/hide/", moderation_views.hide_post, name="post_hide"),
    path(
        "c/<slug:slug>/p/<int:post_id>/restore/",
        moderation_views.restore_post,
        name="post_restore",
    ),
    path(
        "c/<slug:slug>/p/<int:post_id>/dismiss/",
        moderation_views.dismiss_flags,
        name="post_dismiss_flags",
    ),
    path(
        "c/<slug:slug>/p/<int:post_id>/approve/",
        moderation_views.approve_post,
        name="post_approve",
    ),
    path(
        "c/<slug:slug>/t/<int:thread_id>/tools/",
        moderation_views.thread_tools,
        name="thread_tools",
    ),
    path(
        "c/<slug:slug>/facilitate/moderation/",
        queue_views.moderation_queue,
        name="moderation_queue",
    ),
    path("c/<slug:slug>/mentions/", views.mention_suggestions, name="mention_suggestions"),
    path(
        "c/<slug:slug>/attachments/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
]
