"""The national plan's four axes and ten priority actions, loaded by code as reference data.

The data migration loads ``fixtures/priority_actions.json``; loading it again (a later
migration after the file changed) updates each row by its code, never duplicates nor deletes
it, so the measures keep their action.
"""

import json

import pytest
from django.utils import translation

from plm_workflow.plans.models import Axis, Measure, PriorityAction
from plm_workflow.plans.reference import FIXTURE, load_priority_actions

pytestmark = pytest.mark.django_db

AXES = [
    ("prevention", 1, "Prevenzione", "Prevention"),
    ("vigilance", 2, "Vigilanza e contrasto", "Vigilance and enforcement"),
    ("protection", 3, "Protezione e assistenza", "Protection and assistance"),
    ("reintegration", 4, "Reintegrazione socio-lavorativa", "Socio-labour reintegration"),
]
# DESIGN §1.4: 1-7 prevention, 8 vigilance, 9 protection, 10 reintegration.
ACTION_AXES = dict.fromkeys(range(1, 8), "prevention") | {
    8: "vigilance",
    9: "protection",
    10: "reintegration",
}


def test_the_four_axes_are_loaded_in_their_order():
    assert list(Axis.objects.values_list("code", "number", "name_it", "name_en")) == AXES


def test_the_ten_priority_actions_are_loaded_each_under_its_axis():
    actions = list(PriorityAction.objects.select_related("axis"))

    assert [(a.number, a.code, a.axis.code) for a in actions] == [
        (number, f"AP{number:02d}", axis) for number, axis in ACTION_AXES.items()
    ]
    by_number = {action.number: action for action in actions}
    assert by_number[5].name_en == "Decent housing instead of informal settlements"
    assert by_number[5].name_it == "Alloggi dignitosi in alternativa agli insediamenti informali"
    assert by_number[8].name_en == "Stronger inspections"
    assert by_number[10].name_it == "Reintegrazione socio-lavorativa delle vittime"
    assert all(action.name_it and action.name_en for action in actions)


def test_an_action_is_named_in_the_active_language():
    action = PriorityAction.objects.get(number=6)

    with translation.override("it"):
        assert (action.name, str(action)) == ("Trasporti", "6. Trasporti")
    with translation.override("en"):
        assert (action.name, str(action)) == ("Transport", "6. Transport")


def _changed_copy(tmp_path, **names):
    """A copy of the fixture with some actions renamed (``AP05="…"``: its English name)."""
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for entry in data["priority_actions"]:
        if entry["code"] in names:
            entry["name_en"] = names[entry["code"]]
    path = tmp_path / "priority_actions.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_loading_again_a_changed_name_updates_the_row_by_code_and_duplicates_nothing(
    tmp_path, plan
):
    # given: a measure on action 5
    housing = PriorityAction.objects.get(code="AP05")
    rows = dict(PriorityAction.objects.values_list("code", "pk"))
    axes = dict(Axis.objects.values_list("code", "pk"))
    measure = Measure.objects.create(plan=plan, title="Foresteria", priority_action=housing)

    # when: the file is loaded again with the action renamed
    loaded = load_priority_actions(
        Axis, PriorityAction, path=_changed_copy(tmp_path, AP05="Decent housing")
    )

    # then: the same rows, one renamed; the measure keeps its action
    assert loaded == 10
    assert dict(PriorityAction.objects.values_list("code", "pk")) == rows
    assert dict(Axis.objects.values_list("code", "pk")) == axes
    housing.refresh_from_db()
    assert (housing.pk, housing.name_en, housing.number, housing.axis.code) == (
        rows["AP05"],
        "Decent housing",
        5,
        "prevention",
    )
    assert PriorityAction.objects.get(code="AP06").name_en == "Transport"
    measure.refresh_from_db()
    assert measure.priority_action_id == rows["AP05"]


def test_loading_the_same_file_again_changes_nothing():
    before = list(PriorityAction.objects.values_list("pk", "code", "number", "axis", "name_en"))

    assert load_priority_actions(Axis, PriorityAction) == 10

    after = list(PriorityAction.objects.values_list("pk", "code", "number", "axis", "name_en"))
    assert after == before
    assert Axis.objects.count() == 4
