"""Load the national plan's four axes and ten priority actions (updated by code)."""

from django.db import migrations


def load(apps, schema_editor):
    from plm_workflow.plans.reference import load_priority_actions

    load_priority_actions(
        apps.get_model("plans", "Axis"), apps.get_model("plans", "PriorityAction")
    )


class Migration(migrations.Migration):
    dependencies = [("plans", "0010_drafting")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
