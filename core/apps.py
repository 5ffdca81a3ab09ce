from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from core.images import apply_pillow_limit

        apply_pillow_limit()
