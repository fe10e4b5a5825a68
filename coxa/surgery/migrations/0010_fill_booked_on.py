"""Each booked hip's episode takes its booking's day (pathways' Episode.booked_on).

From here on the booking and signing steps keep it (pathways.services.set_operation_date).
"""

from django.db import migrations

FILL = """
UPDATE pathways_episode
   SET booked_on = (SELECT b.operation_on FROM surgery_booking b
                     WHERE b.episode_id = pathways_episode.id)
 WHERE id IN (SELECT episode_id FROM surgery_booking)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("pathways", "0008_episode_booked_on"),
        ("surgery", "0009_note_unsigned_index"),
    ]

    operations = [migrations.RunSQL(FILL, migrations.RunSQL.noop)]
