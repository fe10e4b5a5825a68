"""A programme listed for a fall in score alone is ordered by the fall's day (sort_on).

From here on ``outcomes.services.schedule.refresh`` sets it; this gives the rows stored
before the same day, so that every listed row has one.
"""

from django.db import migrations

FILL = """
UPDATE outcomes_followupprogramme
   SET sort_on = fall_on
 WHERE sort_on IS NULL AND fall_on IS NOT NULL AND status <> 'ended'
"""


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0008_programme_fall")]

    operations = [migrations.RunSQL(FILL, migrations.RunSQL.noop)]
