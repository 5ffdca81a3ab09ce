from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    name = "forums"

    def ready(self) -> None:
        from communities.activity import register_activity_verb

        register_activity_verb("thread.created", _("%(actor)s started “%(target)s”"))
        register_activity_verb("post.created", _("%(actor)s replied in “%(target)s”"))
