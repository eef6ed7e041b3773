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


# --- What a forger might try --------------------------------------------------------------------


def _parsed(path):
    """Return the export's rows and its trailer, as dicts."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:-1]], json.loads(lines[-1])["trailer"]


def _written(path, rows, trailer):
    """Write rows and trailer back as the export writes them (a forger keeping them agreed)."""
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    lines.append(json.dumps({"trailer": {**trailer, "rows": len(rows)}}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _heads_file(tmp_path):
    out = io.StringIO()
    call_command("audit_heads", stdout=out)
    path = tmp_path / "heads.txt"
    path.write_text(out.getvalue(), encoding="utf-8")
    recorded = {}
    for line in out.getvalue().splitlines():
        if line and not line.startswith("#"):
            chain, seq, _digest = line.split()
            recorded[chain] = int(seq)
    return path, recorded


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("kind", EventKind.PLAN_LAUNCHED.value),
        ("occurred_at", "1999-01-01T00:00:00+00:00"),
        ("plan", 12345),
        ("actor", 999),
        ("actor", None),
        ("actor_system", "system:operator"),
    ],
)
def test_a_column_that_disagrees_with_the_hashed_content_is_broken(story, tmp_path, column, value):
    path = _export(tmp_path)
    rows, trailer = _parsed(path)
    row = next(row for row in rows if "Alluvione" in row["content"])  # the lead's suspension
    assert row[column] != value
    row[column] = value
    number = rows.index(row) + 1

    status, output = _check(_written(path, rows, trailer))

    assert status == 1, output
    assert output.strip().splitlines()[-1] == (
        f"line {number}: BROKEN ({row['chain']} seq {row['seq']}): its {column} differs from "
        f"the {column} in its hashed content"
    )


def test_the_actors_name_as_shown_is_not_hashed(story, tmp_path):
    path = _export(tmp_path)
    rows, trailer = _parsed(path)
    rows[0]["actor_name"] = "Mario Rossi"

    assert _check(_written(path, rows, trailer))[0] == 0


def test_a_row_dropped_from_an_export_without_filters_is_a_break_not_a_gap(story, tmp_path):
    path = _export(tmp_path)
    rows, trailer = _parsed(path)
    assert trailer["filters"] == {} and trailer["plan"] is None
    plan_rows = [row for row in rows if row["chain"] == f"plan:{story.pk}"]
    dropped = next(row for row in plan_rows if "Alluvione" in row["content"])  # the suspension
    after = plan_rows[plan_rows.index(dropped) + 1]
    rows.remove(dropped)

    status, output = _check(_written(path, rows, trailer))

    assert status == 1, output
    assert " GAP " not in output
    assert output.strip().splitlines()[-1] == (
        f"line {rows.index(after) + 1}: BROKEN (plan:{story.pk} seq {after['seq']}): events "
        f"{dropped['seq']} to {dropped['seq']} of its chain are missing, and the export has no "
        "filters that would leave them out"
    )


def test_a_chains_first_row_dropped_without_filters_is_a_break(story, tmp_path):
    path = _export(tmp_path)
    rows, trailer = _parsed(path)
    rows.remove(next(row for row in rows if row["chain"] == "global" and row["seq"] == 1))

    status, output = _check(_written(path, rows, trailer))

    assert status == 1, output
    assert "events 1 to 1 of its chain are missing" in output


def test_a_one_plan_export_allows_gaps_in_the_global_chain_only(story, tmp_path):
    path = _export(tmp_path, "--plan", str(story.pk))
    rows, trailer = _parsed(path)
    assert (trailer["filters"], trailer["plan"]) == ({}, story.pk)
    global_seqs = [row["seq"] for row in rows if row["chain"] == "global"]
    assert global_seqs and global_seqs != list(range(1, len(global_seqs) + 1))

    status, output = _check(path)

    assert status == 0, output
    assert " GAP in global: " in output
    assert f"GAP in plan:{story.pk}" not in output

    rows.remove(next(row for row in rows if "Alluvione" in row["content"]))
    status, output = _check(_written(path, rows, trailer))
    assert status == 1, output
    assert f"BROKEN (plan:{story.pk} seq" in output


def test_a_chain_left_out_whole_is_a_break(story, tmp_path):
    path = _export(tmp_path)
    rows, trailer = _parsed(path)
    assert "global" in trailer["heads"]
    rows = [row for row in rows if row["chain"] != "global"]

    status, output = _check(_written(path, rows, trailer))

    assert status == 1, output
    assert output.strip() == (
        "BROKEN: the trailer names a head of global, but the export holds no row of that chain "
        "(a chain left out)"
    )


def test_a_download_cut_in_the_middle_of_a_row_is_truncated(story, tmp_path):
    path = _export(tmp_path)
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    middle = lines[len(lines) // 2]
    cut = data[: data.index(middle) + len(middle) // 2]

    path.write_bytes(cut)
    status, output = _check(path)
    assert status == 2, output
    assert output.strip().splitlines()[-1] == (
        f"TRUNCATED: line {len(lines) // 2 + 1}, the last, is cut short in the middle of a row"
    )

    accented = next(line for line in lines if "è".encode() in line)
    inside = data.index(accented) + accented.index("è".encode()) + 1  # between its two bytes
    path.write_bytes(data[:inside])
    status, output = _check(path)
    assert status == 2, output
    assert "is cut short in the middle of a row" in output


def test_a_line_that_is_not_utf8_inside_the_export_is_a_break(story, tmp_path):
    path = _export(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"', b'"\xff', 1)  # a byte no UTF-8 text holds
    path.write_bytes(b"".join(lines))

    status, output = _check(path)

    assert status == 1, output
    assert output.strip().splitlines()[-1] == "line 2: BROKEN: not UTF-8 text"


def test_the_tail_of_a_chain_dropped_shows_only_against_the_heads(story, tmp_path):
    heads, recorded = _heads_file(tmp_path)
    path = _export(tmp_path)
    rows, trailer = _parsed(path)
    chain = f"plan:{story.pk}"
    rows = [row for row in rows if not (row["chain"] == chain and row["seq"] == recorded[chain])]
    kept = [row for row in rows if row["chain"] == chain][-1]
    trailer["heads"][chain] = {"seq": kept["seq"], "hash": kept["hash"]}
    _written(path, rows, trailer)

    assert _check(path)[0] == 0  # nothing in the file alone can tell
    status, output = _check(path, "--heads", str(heads))
    assert status == 1, output
    assert f"HEAD {chain} seq {recorded[chain]}: the export does not reach it" in output


def test_a_rehashed_history_whose_witnessed_head_is_left_out_fails_the_heads(story, tmp_path, lead):
    heads, recorded = _heads_file(tmp_path)
    chain = f"plan:{story.pk}"
    with transaction.atomic():  # the chain goes on past the witnessed head
        record(
            kind=EventKind.DUE_DATE_CHANGED,
            actor=lead,
            plan=story,
            payload=payload_of(concerns={"plan": story.pk}, reason="Dopo"),
        )
    path = _export(tmp_path)
    rows, trailer = _parsed(path)
    forged, previous = [], None
    for row in rows:  # the suspension's reason rewritten, the chain re-hashed up to its head
        if row["chain"] == chain and row["seq"] == recorded[chain]:
            continue  # the witnessed head left out: filtered exports skip rows too
        if row["chain"] == chain and row["seq"] < recorded[chain]:
            hashed = json.loads(row["content"].replace("Alluvione", "Incendio"))
            hashed["prev_hash"] = previous or hashed["prev_hash"]
            content = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            row = {**row, "content": content, "prev_hash": hashed["prev_hash"]}
            row["hash"] = previous = digest(content)
        forged.append(row)
    trailer["filters"] = {"kinds": ["plan.transition"]}  # so the left-out head is a mere gap
    _written(path, forged, trailer)
    assert "Incendio" in path.read_text(encoding="utf-8")

    assert _check(path)[0] == 0  # consistent on its own: only the witness can tell
    status, output = _check(path, "--heads", str(heads))

    assert status == 1, output
    assert f"HEAD {chain} seq {recorded[chain]}: cannot confirm the head" in output


def test_a_one_plan_export_checks_only_its_plans_head(story, tmp_path):
    heads, recorded = _heads_file(tmp_path)

    status, output = _check(_export(tmp_path, "--plan", str(story.pk)), "--heads", str(heads))

    assert status == 0, output
    assert (
        f"HEAD global seq {recorded['global']}: not checked, this export is of plan "
        f"{story.pk} only" in output
    )
    assert output.strip().endswith("extending 1 heads (1 not checked)")
