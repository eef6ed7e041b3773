import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["plans_comune", "plans_plan", "plans_phasenote", "accounts_membership"]
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
