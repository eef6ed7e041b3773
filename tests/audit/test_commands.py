"""audit_heads and verify_audit at the command line."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from plm_workflow.accounts.services import role_grant
from plm_workflow.audit.management.commands import audit_heads, verify_audit
from plm_workflow.audit.management.commands.audit_heads import SENT
from plm_workflow.audit.models import Event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(name, *args):
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_audit_heads_prints_each_chains_last_seq_and_hash(plan):
    lines = [line for line in run("audit_heads").splitlines() if not line.startswith("#")]

    expected = []
    for chain in sorted(set(Event.objects.values_list("chain", flat=True))):
        last = Event.objects.filter(chain=chain).order_by("-seq").first()
        expected.append(f"{chain} {last.seq} {last.hash}")
    assert lines == expected
    assert len(lines) == 2  # the plan's chain and the global one (the role grants)


def test_audit_heads_emails_the_active_auditors(plan, auditor, mailoutbox):
    auditor.email = "auditor@example.org"
    auditor.save()
    retired = UserFactory(username="retired", email="retired@example.org")
    role_grant(user=retired, role="auditor")
    retired.is_active = False
    retired.save()

    output = run("audit_heads", "--email")

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["auditor@example.org"]
    assert mailoutbox[0].body.splitlines()[1:] == run("audit_heads").splitlines()[1:]
    assert f"plan:{plan.pk}" in mailoutbox[0].body
    assert output.strip() == str(SENT % {"count": 1})


def test_audit_heads_without_an_auditor_to_write_to_is_an_error(plan, mailoutbox):
    with pytest.raises(CommandError):
        run("audit_heads", "--email")
    assert mailoutbox == []


def test_verify_audit_refuses_an_unknown_plan_and_a_bad_heads_file(plan, tmp_path):
    with pytest.raises(CommandError, match="999"):
        run("verify_audit", "--plan", "999")
    with pytest.raises(CommandError, match="missing.txt"):
        run("verify_audit", "--heads", str(tmp_path / "missing.txt"))
    bad = tmp_path / "bad.txt"
    bad.write_text("global three abc\n", encoding="utf-8")
    with pytest.raises(CommandError, match="bad.txt"):
        run("verify_audit", "--heads", str(bad))


def test_verify_audit_of_one_plan_counts_its_chain_only(plan):
    output = run("verify_audit", "--plan", str(plan.pk))

    events = Event.objects.filter(plan=plan).count()
    assert output == f"OK: 1 catena, {events} eventi verificati.\n"


@pytest.mark.parametrize(
    ("command", "says", "options"),
    [
        (
            audit_heads,
            "Print each audit chain's last sequence number and hash",
            {"--email": "e-mail the heads to the active auditors"},
        ),
        (
            verify_audit,
            "names the first broken event of each chain and exits with status 1",
            {
                "--plan ID": "verify this plan's chain only",
                "--heads FILE": "heads printed earlier by audit_heads, to extend",
            },
        ),
    ],
    ids=["audit_heads", "verify_audit"],
)
def test_each_command_explains_itself_and_its_options(command, says, options, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")  # one line per paragraph: the texts read whole
    name = command.__name__.rsplit(".", 1)[-1]

    with pytest.raises(SystemExit) as exit_info:
        call_command(name, "--help")

    assert exit_info.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    usage = " ".join(f"[{option}]" for option in options)
    assert lines[0].startswith(f"usage:  {name} [-h] {usage} [--version] ")
    assert command.Command.help in lines
    assert says in command.Command.help
    for option, text in options.items():
        assert re.search(rf"^  {re.escape(option)} +{re.escape(text)}$", "\n".join(lines), re.M)
