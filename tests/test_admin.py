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
        "plans_needsassessment",
        "plans_crop",
        "plans_settlement",
        "plans_organisation",
        "plans_stakeholdertable",
        "plans_meeting",
        "plans_adoption",
        "plans_axis",
        "plans_priorityaction",
        "plans_plansection",
        "plans_measure",
        "plans_fundingline",
        "plans_indicator",
        "plans_reviewcomment",
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


def test_a_plan_cannot_be_changed_from_the_admin(client, superuser, plan, settings):
    client.force_login(superuser)
    rows = plan.history.count()

    change = client.post(reverse("admin:plans_plan_change", args=[plan.pk]), {"title": "Altro"})

    plan.refresh_from_db()
    assert change.status_code == 403
    assert plan.history.count() == rows
    assert plan.title == "PLM 2022-2023"
    assert settings.SIMPLE_HISTORY_REVERT_DISABLED is True


def _history_form(row, **changes):
    """The fields of ``row``'s admin history form (a plan or a comune), filled from the row."""
    if row._meta.model_name == "plan":
        values = {
            "comune": row.comune_id,
            "title": row.title,
            "status": row.status,
            "adhesion_act_number": row.adhesion_act_number,
            "adhesion_act_date": row.adhesion_act_date.isoformat(),
        }
    else:
        values = {
            "istat_code": row.istat_code,
            "name": row.name,
            "province_code": row.province_code,
            "region": row.region,
        }
    return {**values, **changes}


@pytest.mark.parametrize(("model", "field"), [("plan", "title"), ("comune", "name")])
def test_a_row_cannot_be_reverted_from_its_admin_history(client, superuser, plan, model, field):
    row = plan if model == "plan" else plan.comune
    client.force_login(superuser)
    history_id = row.history.first().history_id
    rows = row.history.count()
    before = getattr(row, field)

    revert = client.post(
        reverse(f"admin:plans_{model}_simple_history", args=[row.pk, history_id]),
        _history_form(row, **{field: "Altro"}),
    )

    row.refresh_from_db()
    assert revert.status_code == 403
    assert (getattr(row, field), row.history.count()) == (before, rows)


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


def test_an_assessment_shows_its_history_in_the_admin_and_cannot_be_changed(
    client, superuser, plan
):
    from tests import assessments

    assessment = assessments.fill(plan)
    settlement = assessment.settlements.get()
    client.force_login(superuser)

    history = client.get(reverse("admin:plans_needsassessment_history", args=[assessment.pk]))
    change = client.post(
        reverse("admin:plans_settlement_change", args=[settlement.pk]), {"name": "Altro"}
    )

    assert history.status_code == 200
    assert change.status_code == 403
    settlement.refresh_from_db()
    assert settlement.name == assessments.SETTLEMENTS[0]["name"]


def test_a_measure_shows_its_history_in_the_admin_and_cannot_be_changed(
    client, superuser, plan, lead
):
    from tests import drafts

    measure = drafts.fill(plan, lead)
    line = measure.funding.get()
    client.force_login(superuser)

    history = client.get(reverse("admin:plans_measure_history", args=[measure.pk]))
    change = client.post(
        reverse("admin:plans_fundingline_change", args=[line.pk]), {"amount": "1.00"}
    )
    action = client.post(
        reverse("admin:plans_priorityaction_change", args=[measure.priority_action_id]),
        {"name_it": "Altro"},
    )

    assert history.status_code == 200
    assert measure.title in history.content.decode()
    assert (change.status_code, action.status_code) == (403, 403)
    line.refresh_from_db()
    assert str(line.amount) == "1693747.15"
