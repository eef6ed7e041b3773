"""TaskDeadline becomes StepTask: one domain row per human task, filled for existing tasks."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

_OPEN = ("NEW", "ASSIGNED", "STARTED")


def fill(apps, schema_editor):
    StepTask = apps.get_model("deadlines", "StepTask")
    Review = apps.get_model("plans", "Review")
    for step in StepTask.objects.select_related("task").iterator():
        task = step.task
        step.kind = "check" if step.is_check else "work"
        review_pk = (task.data or {}).get("returned_by_review")
        if review_pk is not None and Review.objects.filter(pk=review_pk).exists():
            step.returned_by_id = review_pk
        step.opened_at = task.created
        if task.status in _OPEN:
            step.holder_id = task.owner_id
            step.held_since = task.created if task.owner_id else None
        else:
            step.holder_id = task.owner_id
            step.closed_at = task.finished or task.created
        step.save(
            update_fields=["kind", "returned_by", "opened_at", "holder", "held_since", "closed_at"]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0002_schedules_for_earlier_plans"),
        ("plans", "0004_documents"),
        ("viewflow", "0015_task_scheduled"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel("TaskDeadline", "StepTask"),
        migrations.RenameModel("HistoricalTaskDeadline", "HistoricalStepTask"),
    ]
    for model in ("steptask", "historicalsteptask"):
        operations += [
            migrations.AddField(
                model_name=model,
                name="kind",
                field=models.CharField(
                    choices=[("work", "work"), ("check", "check")],
                    default="work",
                    max_length=10,
                    verbose_name="kind",
                ),
                preserve_default=False,
            ),
            migrations.AddField(
                model_name=model,
                name="held_since",
                field=models.DateTimeField(blank=True, null=True, verbose_name="held since"),
            ),
            migrations.AddField(
                model_name=model,
                name="opened_at",
                field=models.DateTimeField(
                    default=django.utils.timezone.now, verbose_name="opened"
                ),
            ),
            migrations.AddField(
                model_name=model,
                name="closed_at",
                field=models.DateTimeField(blank=True, null=True, verbose_name="closed"),
            ),
        ]
    operations += [
        migrations.AddField(
            model_name="steptask",
            name="returned_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="returned_tasks",
                to="plans.review",
                verbose_name="returned by",
            ),
        ),
        migrations.AddField(
            model_name="historicalsteptask",
            name="returned_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="plans.review",
                verbose_name="returned by",
            ),
        ),
        migrations.AddField(
            model_name="steptask",
            name="holder",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="held by",
            ),
        ),
        migrations.AddField(
            model_name="historicalsteptask",
            name="holder",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="held by",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RemoveField(model_name="steptask", name="is_check"),
        migrations.RemoveField(model_name="historicalsteptask", name="is_check"),
    ]
