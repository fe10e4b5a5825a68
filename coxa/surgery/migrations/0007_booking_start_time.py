"""The booking's planned start time on the theatre list (issue 16)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("surgery", "0006_implant_recall_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="starts_at",
            field=models.TimeField(blank=True, null=True),
        ),
    ]
