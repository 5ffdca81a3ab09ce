from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    name = "forums"

    def ready(self) -> None:
        from communities.activity import register_activity_target
        from communities.tabs import register_tab
        from forums.events import register_forum_events
        from forums.models import Post, Thread
        from forums.selectors import post_labels, thread_labels

        register_forum_events()
        from communities.emails import map_events
        from forums.events import ForumEvent as event

        map_events("mentions", [event.POST_MENTION])
        # One's reply marked as the answer of a question: news about one's replies.
        map_events("replies", [event.POST_REPLY, event.THREAD_CREATE, event.THREAD_ANSWER])
        map_events("flags", [event.MODERATION_QUEUE])
        outcomes = [event.POST_HIDE, event.POST_RESTORE, event.POST_APPROVE]
        map_events("moderation", [*outcomes, event.THREAD_HIDE, event.THREAD_RESTORE])
        register_activity_target(Thread, thread_labels)
        register_activity_target(Post, post_labels)
        register_tab(
            name="forums",
            label=_("Forums"),
            url_name="forum_list",
            order=10,
            active_url_names=("forum", "thread"),
        )
        register_tab(name="latest", label=_("Latest"), url_name="latest", order=20)
        register_tab(
            name="review_queue",
            label=_("Review queue"),
            url_name="moderation_queue",
            capability="forum.moderate",
            order=70,
        )
