"""Notifications keep their event and its parameters (told when read); the feed's and the
notifications' verbs take the names of the declared events (communities.events).

Audit rows keep their actions: they were already the declared names, and the log is never
rewritten.
"""

from django.db import migrations, models

# Old verb → declared event, for the logs that may be rewritten.
RENAMED = {
    "community.created": "community.create",
    "member.joined": "member.join",
    "member.role_changed": "member.role",
    "member.suspended": "member.suspend",
    "member.reinstated": "member.reinstate",
    "member.silenced": "member.silence",
    "member.unsilenced": "member.unsilence",
    "invitation.accepted": "invitation.accept",
    "join_request.created": "join_request.create",
    "join_request.approved": "join_request.approve",
    "join_request.declined": "join_request.decline",
    "thread.created": "thread.create",
    "thread.hidden": "thread.hide",
    "thread.restored": "thread.restore",
    "post.created": "post.create",
    "post.hidden": "post.hide",
    "post.restored": "post.restore",
    "post.approved": "post.approve",
    "document.uploaded": "document.upload",
    "document.versioned": "document.version",
}


def rename(apps, schema_editor, mapping=RENAMED):
    for model_name in ("Activity", "Notification"):
        model = apps.get_model("communities", model_name)
        for old, new in mapping.items():
            model.objects.filter(verb=old).update(verb=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, mapping={new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0007_submission"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="notification",
            name="summary",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.RunPython(rename, rename_back),
    ]
