import datetime

from django.conf import settings
from django.db import migrations


def give_earlier_plans_a_schedule(apps, schema_editor):
    """Plans launched before schedules existed get the default dates from their launch."""
    from plm_workflow.deadlines.calendar import next_working_day

    Plan = apps.get_model("plans", "Plan")
    PhaseDate = apps.get_model("deadlines", "PhaseDate")
    for plan in Plan.objects.filter(phase_dates__isnull=True).select_related("comune"):
        start = plan.created_at.date()
        for phase, days in settings.PLM_SCHEDULE_OFFSETS.items():
            day = next_working_day(start + datetime.timedelta(days=days), plan.comune)
            PhaseDate.objects.create(plan=plan, phase=phase, baseline=day, current=day)


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_schedules"), ("plans", "0003_review")]

    operations = [migrations.RunPython(give_earlier_plans_a_schedule, migrations.RunPython.noop)]
