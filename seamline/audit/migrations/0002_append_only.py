"""Append-only triggers on the audit log, and the chain's first head."""

from django.db import migrations

from seamline.audit import db
from seamline.audit.chain import GENESIS


def install_triggers(apps, schema_editor):
    db.install(schema_editor)


def remove_triggers(apps, schema_editor):
    db.remove(schema_editor)


def create_head(apps, schema_editor):
    ChainHead = apps.get_model("audit", "ChainHead")
    ChainHead.objects.get_or_create(singleton=True, defaults={"seq": 0, "hash": GENESIS})


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
