"""Forget the text copied from activity targets: the feed names targets as they are now."""

from django.db import migrations


def forget_target_text(apps, schema_editor):
    Activity = apps.get_model("communities", "Activity")
    Activity.objects.filter(target_id__isnull=False).exclude(summary="").update(summary="")


class Migration(migrations.Migration):
    dependencies = [("communities", "0005_community_storage_limit_mb")]

    operations = [
        # Going back leaves the summaries empty: the old text is what this removes on purpose.
        migrations.RunPython(forget_target_text, migrations.RunPython.noop),
    ]
