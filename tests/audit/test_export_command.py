"""export_audit at the command line, and verify_audit's record of its result."""

import datetime
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from plm_workflow.audit.models import GLOBAL_CHAIN, Event, EventKind
from plm_workflow.audit.selectors import last_verification
from plm_workflow.deadlines.services import comune_patron_day_set
from plm_workflow.plans.services import plan_suspend
from tests.factories import ComuneFactory

pytestmark = pytest.mark.django_db


def run(*args):
    """Run the command as an operator would, its messages in English."""
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("export_audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _lines(text):
    rows = [json.loads(line) for line in text.splitlines()]
    return rows[:-1], rows[-1]["trailer"]


@pytest.fixture
def two_plans(launch, plan, lead):
    other = launch(ComuneFactory(istat_code="009002", name="Albenga", province_code="SV"))
    comune_patron_day_set(comune=plan.comune, day=20, month=1, by=lead)
    comune_patron_day_set(comune=other.comune, day=7, month=2, by=lead)
    return plan, other


def test_export_writes_every_event_for_the_operator(two_plans):
    expected = list(Event.objects.order_by("chain", "seq").values_list("chain", "seq", "hash"))

    out, _err = run("--format", "json")

    rows, trailer = _lines(out)
    assert [(row["chain"], row["seq"], row["hash"]) for row in rows] == expected
    assert trailer["rows"] == len(expected)
    event = Event.objects.get(kind=EventKind.AUDIT_EXPORTED)
    assert (event.chain, event.actor_system) == (GLOBAL_CHAIN, "system:operator")
    assert event.payload["export"]["rows"] == len(expected)


def test_export_of_one_plan_holds_its_chain_and_its_comunes_global_events(two_plans):
    plan, other = two_plans

    out, _err = run("--format", "json", "--plan", str(plan.pk))

    rows, trailer = _lines(out)
    chains = {row["chain"] for row in rows}
    assert chains == {f"plan:{plan.pk}", GLOBAL_CHAIN}
    global_rows = [json.loads(row["content"]) for row in rows if row["chain"] == GLOBAL_CHAIN]
    kinds = sorted(row["kind"] for row in global_rows)
    # its coordinator's and facilitator's roles on Saluzzo, Saluzzo's patron day; not Albenga's
    assert kinds == ["comune.patron_day_set", "role.granted", "role.granted"]
    assert {row["payload"]["concerns"]["comune"] for row in global_rows} == {"004203"}
    assert Event.objects.get(kind=EventKind.AUDIT_EXPORTED).chain == f"plan:{plan.pk}"
    assert set(trailer["heads"]) == chains


def test_export_since_a_day_leaves_out_the_days_before(plan, lead):
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        plan_suspend(plan=plan, by=lead, reason="Elezioni")
        day = timezone.localdate()

    out, _err = run("--format", "json", "--since", day.isoformat())

    rows, trailer = _lines(out)
    assert [row["kind"] for row in rows] == ["plan.transition"]
    assert trailer["filters"] == {"since": day.isoformat()}


def test_export_as_csv_to_a_file(plan, tmp_path):
    target = tmp_path / "audit.csv"

    out, err = run("--format", "csv", "--output", str(target))

    data = target.read_bytes()
    assert out == ""
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8").splitlines()[0].startswith("\ufeffchain;seq;prev_hash;hash;")
    count = Event.objects.exclude(kind=EventKind.AUDIT_EXPORTED).count()
    assert f"Exported {count} events to {target}" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "json", "--plan", "999"], "No plan has the number 999."),
        (["--format", "json", "--plan", "3a"], "No plan has the number 3a."),
        (["--format", "json", "--plan", "9" * 30], "No plan has the number " + "9" * 30),
        (["--format", "json", "--since", "2027-02-30"], "“2027-02-30” is not a date"),
        (["--format", "json", "--since", "yesterday"], "“yesterday” is not a date"),
    ],
)
def test_export_refuses_bad_input_and_records_nothing(plan, args, message, settings):
    settings.LANGUAGE_CODE = "en"
    before = Event.objects.count()

    with pytest.raises(CommandError, match=message):
        run(*args)

    assert Event.objects.count() == before


def test_export_refuses_an_unknown_format(plan):
    with pytest.raises(CommandError, match="invalid choice: 'xml'"):
        run("--format", "xml")
    assert not Event.objects.filter(kind=EventKind.AUDIT_EXPORTED).exists()


def test_export_refuses_a_file_it_cannot_write_and_records_nothing(plan, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        run("--format", "csv", "--output", str(tmp_path / "missing" / "audit.csv"))
    assert not Event.objects.filter(kind=EventKind.AUDIT_EXPORTED).exists()


def test_export_help_names_its_options(capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("export_audit", "--help")

    out = capsys.readouterr().out
    assert exit_.value.code == 0
    for option in ("--format {csv,json}", "--plan NUMBER", "--since YYYY-MM-DD", "--output FILE"):
        assert option in out


def test_verify_audit_records_its_result_on_the_global_chain(plan):
    assert last_verification() is None
    before = Event.objects.count()
    chains = len(set(Event.objects.values_list("chain", flat=True)))

    call_command("verify_audit", stdout=io.StringIO())

    found = last_verification()
    assert found is not None and found.chain == GLOBAL_CHAIN
    assert found.actor_system == "system:operator"
    assert found.payload["verification"] == {
        "ok": True,
        "scope": "all",
        "chains": chains,
        "events": before,
        "problems": 0,
        "heads": 0,
    }


def test_a_verification_of_one_plan_is_not_the_last_full_verification(plan):
    call_command("verify_audit", stdout=io.StringIO())
    full = last_verification()

    call_command("verify_audit", "--plan", str(plan.pk), stdout=io.StringIO())

    assert last_verification() == full
    assert last_verification(scope=f"plan:{plan.pk}").payload["verification"]["chains"] == 1
