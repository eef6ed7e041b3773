"""record_restore: what the operator writes after restoring a backup, and what auditors see."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from plm_workflow.audit.management.commands.record_restore import Command
from plm_workflow.audit.models import GLOBAL_CHAIN, Event, EventKind
from plm_workflow.audit.services import SYSTEM_OPERATOR, record
from plm_workflow.audit.verify import HEAD_DIFFERS, HEAD_MISSING

pytestmark = pytest.mark.django_db


def run(name, *args):
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_records_one_event_by_the_operator_on_the_global_chain():
    before = Event.objects.count()

    output = run("record_restore", "--backup-date", "2024-05-01")

    assert Event.objects.count() == before + 1
    event = Event.objects.latest("id")
    assert event.kind == EventKind.BACKUP_RESTORED
    assert (event.actor, event.actor_system, event.plan) == (None, SYSTEM_OPERATOR, None)
    assert event.chain == GLOBAL_CHAIN
    assert event.payload == {"reason": "restored from the backup of 2024-05-01"}
    assert "2024-05-01" in output
    assert f"{event.seq}" in output
    # The log itself stays whole.
    assert run("verify_audit").startswith("OK")


@pytest.mark.parametrize(
    "value", ["2024-13-01", "2024-02-30", "01/05/2024", "20240501", "2024-W18-3", "ieri", ""]
)
def test_a_bad_date_is_refused_and_nothing_is_written(value):
    before = Event.objects.count()
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("record_restore", "--backup-date", value)
    assert Event.objects.count() == before


def test_a_backup_from_the_future_is_refused():
    before = Event.objects.count()
    with pytest.raises(CommandError, match="2999-01-01"):
        run("record_restore", "--backup-date", "2999-01-01")
    assert Event.objects.count() == before


def test_the_backup_date_is_required():
    with pytest.raises(CommandError, match="--backup-date"):
        run("record_restore")


def test_help_explains_the_command():
    text = Command().create_parser("manage.py", "record_restore").format_help()
    assert "--backup-date YYYY-MM-DD" in text
    assert "audit_heads" in text


def test_heads_taken_before_a_restore_no_longer_match_and_the_log_says_why(plan, tmp_path):
    global_seq = Event.objects.filter(chain=GLOBAL_CHAIN).count()
    plan_seq = Event.objects.filter(plan=plan).count()

    # Work done after the backup was taken, and the heads an auditor received then…
    heads = tmp_path / "heads.txt"
    with transaction.atomic():
        record(kind=EventKind.ROLE_GRANTED, actor=SYSTEM_OPERATOR, payload={"reason": "lost"})
        record(kind=EventKind.PHASE_NOTE_SAVED, actor=SYSTEM_OPERATOR, plan=plan, payload={})
        heads.write_text(run("audit_heads"), encoding="utf-8")
        # …lost when the database is restored from that backup.
        transaction.set_rollback(True)
    assert Event.objects.filter(chain=GLOBAL_CHAIN).count() == global_seq

    run("record_restore", "--backup-date", "2024-05-01")

    with pytest.raises(CommandError):
        call_command(
            "verify_audit",
            "--heads",
            str(heads),
            stdout=io.StringIO(),
            stderr=(err := io.StringIO()),
        )
    problems = err.getvalue()
    # The global chain went on from the backup with the restore event, in the lost one's place.
    assert str(HEAD_DIFFERS % {"chain": GLOBAL_CHAIN, "seq": global_seq + 1}) in problems
    # The plan's chain no longer reaches the head taken before the restore.
    assert str(HEAD_MISSING % {"chain": f"plan:{plan.pk}", "seq": plan_seq + 1}) in problems
    restored = Event.objects.get(chain=GLOBAL_CHAIN, seq=global_seq + 1)
    assert restored.kind == EventKind.BACKUP_RESTORED
    # Without the old heads, or with new ones, the log verifies.
    assert run("verify_audit").startswith("OK")
    heads.write_text(run("audit_heads"), encoding="utf-8")
    assert run("verify_audit", "--heads", str(heads)).startswith("OK")
