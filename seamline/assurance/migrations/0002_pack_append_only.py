"""An issued pack refuses UPDATE in the database itself."""

from django.db import migrations

from seamline.assurance.db import TRIGGERS


def install_triggers(apps, schema_editor):
    TRIGGERS.install(schema_editor)


def remove_triggers(apps, schema_editor):
    TRIGGERS.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("assurance", "0001_initial")]

    operations = [migrations.RunPython(install_triggers, remove_triggers)]
