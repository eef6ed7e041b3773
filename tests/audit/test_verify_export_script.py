"""scripts/verify_export.py checks an export offline, hashing exactly as the app does."""

import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from plm_workflow.audit.chain import content_of, digest
from plm_workflow.audit.exports import export_record, export_stream
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.audit.services import payload_of, record
from plm_workflow.audit.timeline import TimelineFilters, events_filtered
from plm_workflow.plans.models import PlanStatus
from plm_workflow.plans.services import plan_resume, plan_suspend

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_export.py"


def _script():
    spec = importlib.util.spec_from_file_location("verify_export", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


verify_export = _script()


def _export(tmp_path, *args, name="audit.jsonl"):
    target = tmp_path / name
    call_command(
        "export_audit", "--format", "json", "--output", str(target), *args, stderr=io.StringIO()
    )
    return target


def _check(path, *args):
    """Run the script as an auditor would, in a fresh interpreter with no Django."""
    done = subprocess.run(
        [sys.executable, "-I", str(SCRIPT), str(path), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.fixture
def story(plan, drive, lead):
    drive(plan, PlanStatus.DRAFTING)
    plan_suspend(plan=plan, by=lead, reason="Alluvione: il municipio è chiuso")
    with transaction.atomic():  # something else happens on the plan meanwhile
        record(
            kind=EventKind.DUE_DATE_CHANGED,
            actor=lead,
            plan=plan,
            payload=payload_of(concerns={"plan": plan.pk}, reason="Rinvio"),
        )
    plan_resume(plan=plan, by=lead, reason="Riaperto")
    return plan


def test_the_scripts_hashing_is_the_apps(story):
    for event in Event.objects.all():
        recomputed = content_of(
            chain=event.chain,
            seq=event.seq,
            prev_hash=event.prev_hash,
            kind=event.kind,
            occurred_at=event.occurred_at,
            plan_id=event.plan_id,
            actor_id=event.actor_id,
            actor_system=event.actor_system,
            payload=event.payload,
        )
        assert recomputed == event.content
        assert verify_export.digest(event.content) == digest(event.content) == event.hash
    assert Event.objects.get(chain=f"plan:{story.pk}", seq=1).prev_hash == verify_export.GENESIS


def test_an_exported_chain_verifies(story, tmp_path):
    status, output = _check(_export(tmp_path))

    rows = Event.objects.exclude(kind=EventKind.AUDIT_EXPORTED).count()
    assert status == 0, output
    assert output.strip() == f"OK: {rows} rows in 2 chains verified, 0 gaps"


def _edited(path, line_number, old, new):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line_number - 1]
    lines[line_number - 1] = lines[line_number - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def test_a_one_character_edit_is_reported_at_its_line(story, tmp_path):
    path = _export(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(n for n, line in enumerate(lines, start=1) if "Alluvione" in line)
    _edited(path, number, "Alluvione", "Alluviona")

    status, output = _check(path)

    assert status == 1
    row = json.loads(lines[number - 1])
    assert output.strip().splitlines()[-1] == (
        f"line {number}: BROKEN ({row['chain']} seq {row['seq']}): "
        "its hash does not match its content"
    )


def test_a_row_rehashed_after_an_edit_breaks_the_link_to_the_next(story, tmp_path):
    path = _export(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(n for n, line in enumerate(lines, start=1) if "Alluvione" in line)
    row = json.loads(lines[number - 1])
    row["content"] = row["content"].replace("Alluvione", "Alluviona")
    row["hash"] = digest(row["content"])
    lines[number - 1] = json.dumps(row, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    status, output = _check(path)

    assert status == 1
    assert output.strip().splitlines()[-1].startswith(f"line {number + 1}: BROKEN")
    assert "prev_hash differs" in output


def test_a_row_whose_columns_disagree_with_its_content_is_broken(story, tmp_path):
    path = _export(tmp_path)
    _edited(path, 2, '"seq":2,', '"seq":3,')

    status, output = _check(path)

    assert status == 1
    assert "line 2: BROKEN" in output and "seq differs" in output


def test_a_filtered_export_verifies_with_its_gaps_reported(story, tmp_path):
    chain = f"plan:{story.pk}"
    path = tmp_path / "transitions.jsonl"

    filters = TimelineFilters(kinds=(EventKind.PLAN_TRANSITION,))
    events = events_filtered(Event.objects.filter(chain=chain), filters)
    seqs = list(events.order_by("seq").values_list("seq", flat=True))
    export = export_record(
        events=events, by="system:operator", plan=story, filters=filters, fmt="json"
    )
    path.write_text("".join(export_stream(export)), encoding="utf-8")

    status, output = _check(path)

    assert status == 0, output
    expected_gaps = sum(
        1 for before, after in zip([0, *seqs], seqs, strict=False) if after != before + 1
    )
    assert expected_gaps >= 2
    gaps = [line for line in output.splitlines() if " GAP in " in line]
    assert len(gaps) == expected_gaps
    assert gaps[0] == f"line 1: GAP in {chain}: events 1 to {seqs[0] - 1} are not in this export"
    assert output.strip().splitlines()[-1] == (
        f"OK: {len(seqs)} rows in 1 chains verified, {expected_gaps} gaps"
    )


def test_a_truncated_export_is_reported_as_truncated(story, tmp_path):
    path = _export(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)

    path.write_text("".join(lines[:-3]), encoding="utf-8")  # cut, trailer lost
    status, output = _check(path)
    assert (status, output.split(":")[0]) == (2, "TRUNCATED")

    path.write_text("".join(lines[:3] + lines[-1:]), encoding="utf-8")  # rows lost
    status, output = _check(path)
    assert status == 2
    assert f"the trailer says {len(lines) - 1} rows, the export holds 3" in output

    path.write_text("", encoding="utf-8")
    assert _check(path)[0] == 2


def test_heads_are_extended_by_a_later_export(story, tmp_path, lead):
    heads = tmp_path / "heads.txt"
    out = io.StringIO()
    call_command("audit_heads", stdout=out)
    heads.write_text(out.getvalue(), encoding="utf-8")
    plan_suspend(plan=story, by=lead, reason="Dopo i capi")

    status, output = _check(_export(tmp_path), "--heads", str(heads))

    assert status == 0, output
    assert output.strip().endswith("extending 2 heads")


def test_heads_an_export_does_not_reach_are_reported(story, tmp_path, lead):
    path = _export(tmp_path)  # before the suspension
    plan_suspend(plan=story, by=lead, reason="Dopo l'esportazione")
    heads = tmp_path / "heads.txt"
    out = io.StringIO()
    call_command("audit_heads", stdout=out)
    heads.write_text(out.getvalue(), encoding="utf-8")

    status, output = _check(path, "--heads", str(heads))

    last = Event.objects.filter(chain=f"plan:{story.pk}").order_by("-seq").first()
    assert status == 1
    assert f"HEAD plan:{story.pk} seq {last.seq}: the export does not reach it" in output


def test_a_head_whose_hash_differs_is_reported(story, tmp_path):
    out = io.StringIO()
    call_command("audit_heads", stdout=out)
    chain = f"plan:{story.pk}"
    forged = [
        f"{name} {seq} {'f' * 64}" if name == chain else f"{name} {seq} {digest_}"
        for name, seq, digest_ in (
            line.split() for line in out.getvalue().splitlines() if not line.startswith("#")
        )
    ]
    heads = tmp_path / "heads.txt"
    heads.write_text("\n".join(forged) + "\n", encoding="utf-8")

    status, output = _check(_export(tmp_path), "--heads", str(heads))

    assert status == 1
    assert f"HEAD {chain} seq" in output and "the export's hash differs" in output


def test_a_file_that_cannot_be_read_is_an_error(tmp_path):
    status, output = _check(tmp_path / "missing.jsonl")
    assert status == 2
    assert output.startswith("cannot read:")
