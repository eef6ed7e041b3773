from django.db import migrations


def install(apps, schema_editor):
    from plm_workflow.audit import triggers

    triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    from plm_workflow.audit import triggers

    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    """The database refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL) of audit events."""

    dependencies = [("audit", "0001_events")]

    operations = [migrations.RunPython(install, remove)]
