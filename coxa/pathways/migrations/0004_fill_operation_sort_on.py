"""Fill operation_sort_on for episodes that already have an operation date."""

from django.db import migrations


def fill(apps, schema_editor):
    episode = apps.get_model("pathways", "Episode")
    for row in episode.objects.exclude(operation_on=None).only("pk", "operation_on"):
        episode.objects.filter(pk=row.pk).update(operation_sort_on=row.operation_on)


class Migration(migrations.Migration):
    dependencies = [("pathways", "0003_episode_worklist_indexes")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
