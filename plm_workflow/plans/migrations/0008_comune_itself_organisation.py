"""Every comune with a plan gets its own organisation (new launches make it themselves)."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Plan = apps.get_model("plans", "Plan")
    Organisation = apps.get_model("plans", "Organisation")
    Historical = apps.get_model("plans", "HistoricalOrganisation")
    Comune = apps.get_model("plans", "Comune")
    with_plans = Plan.objects.values_list("comune_id", flat=True).distinct()
    have = set(Organisation.objects.filter(is_the_comune=True).values_list("comune_id", flat=True))
    now = timezone.now()
    for comune in Comune.objects.filter(pk__in=with_plans).exclude(pk__in=have):
        organisation = Organisation.objects.create(
            comune=comune, name=f"Comune di {comune.name}", kind="comune", is_the_comune=True
        )
        Historical.objects.create(
            id=organisation.pk,
            comune_id=comune.pk,
            name=organisation.name,
            kind="comune",
            email="",
            is_the_comune=True,
            history_date=now,
            history_type="+",
            history_change_reason="the comune itself (migration)",
        )


class Migration(migrations.Migration):
    dependencies = [("plans", "0007_stakeholder_tables")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
