# The key table for creating once (coxa/core/idempotency.py); after the audit chain (0003).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_audit_chain'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scope', models.CharField(max_length=64)),
                ('key', models.CharField(max_length=64)),
                ('fingerprint', models.CharField(blank=True, max_length=64)),
                ('status', models.PositiveSmallIntegerField(default=0)),
                ('response', models.JSONField(blank=True, default=dict)),
                ('url', models.CharField(blank=True, max_length=300)),
                ('created_at', models.DateTimeField(db_index=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('user', 'scope', 'key'), name='idempotency_key_once')],
            },
        ),
    ]
