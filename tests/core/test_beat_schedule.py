"""Every entry of the beat schedule names a task the workers know: a typo would otherwise only
show as a task nobody runs."""

from django.conf import settings


def test_every_beat_entry_names_a_registered_task():
    from cop.celery import app

    app.loader.import_default_modules()
    unknown = {
        name: entry["task"]
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"] not in app.tasks
    }
    assert unknown == {}
