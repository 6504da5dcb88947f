"""A handoff's timeline and the template versions refuse UPDATE in the database itself."""

from django.db import migrations

from seamline.handoffs import db


def install_triggers(apps, schema_editor):
    db.install(schema_editor)


def remove_triggers(apps, schema_editor):
    db.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("handoffs", "0001_initial")]

    operations = [migrations.RunPython(install_triggers, remove_triggers)]
