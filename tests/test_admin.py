import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        "plans_comune",
        "plans_plan",
        "plans_phasenote",
        "plans_review",
        "accounts_membership",
        "viewflow_process",
        "viewflow_task",
    ],
)
def test_domain_models_are_read_only_in_the_admin(model, client, superuser, plan):
    client.force_login(superuser)

    listing = client.get(reverse(f"admin:{model}_changelist"))
    adding = client.get(reverse(f"admin:{model}_add"))

    assert listing.status_code == 200
    assert adding.status_code == 403


def test_a_plan_cannot_be_changed_or_reverted_from_the_admin(client, superuser, plan, settings):
    client.force_login(superuser)
    history_id = plan.history.first().history_id
    rows = plan.history.count()

    change = client.post(reverse("admin:plans_plan_change", args=[plan.pk]), {"title": "Altro"})
    revert = client.post(reverse("admin:plans_plan_simple_history", args=[plan.pk, history_id]), {})

    plan.refresh_from_db()
    assert change.status_code == 403
    assert revert.status_code != 302  # no "reverted" redirect
    assert plan.history.count() == rows
    assert plan.title == "PLM 2022-2023"
    assert settings.SIMPLE_HISTORY_REVERT_DISABLED is True


def test_a_task_cannot_be_changed_or_deleted_from_the_admin(
    client, superuser, flow_launched, comune
):
    plan = flow_launched(comune)
    task = plan.process.task_set.get(flow_task_type="HUMAN")
    client.force_login(superuser)

    change = client.post(
        reverse("admin:viewflow_task_change", args=[task.pk]), {"owner_permission": ""}
    )
    delete = client.post(reverse("admin:viewflow_task_delete", args=[task.pk]), {"post": "yes"})
    delete_process = client.post(
        reverse("admin:viewflow_process_delete", args=[plan.process.pk]), {"post": "yes"}
    )

    assert (change.status_code, delete.status_code, delete_process.status_code) == (403,) * 3
    task.refresh_from_db()
    assert task.owner_permission == "plans.coordinate_plan"
