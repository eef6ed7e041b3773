"""The timeline pages: a plan's whole story and every visible plan's, filtered, paged, exported.

Who sees what (a coordinator only their plans, the all-plans page refused; an auditor all, the
global chain included), the events in words (suspension and resumption with their reasons, a
release, a reassignment, each with the role its person held then), filters that combine and
refusals that show no event, pages that follow one another at a constant cost, the chain's
integrity verified on a GET that writes nothing, and the exports with their event.
"""

import csv
import datetime
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from flows.flows import PLMFlow
from flows.services import flow_resume, flow_suspend
from forms.timeline import UNTIL_BEFORE_SINCE
from plm_workflow.accounts.services import role_grant, role_revoke
from plm_workflow.audit.chain import chain_of, content_of, digest
from plm_workflow.audit.models import ChainHead, Event, EventKind
from plm_workflow.audit.services import SYSTEM_OPERATOR, record
from plm_workflow.audit.verify import chains_verify
from plm_workflow.roles import Role
from tests.factories import ComuneFactory, PlanFactory, UserFactory
from tests.flows.helpers import claim, open_task, url

pytestmark = pytest.mark.django_db

WHO = re.compile(r'plm-timeline-who">([^<]+)</span> <span class="plm-timeline-role">\(([^)]+)\)')
ROW = re.compile(r'<tr class="plm-timeline-event" data-kind="([^"]+)" data-event="(\d+)">', re.S)


def timeline_url(plan) -> str:
    return PLMFlow.instance.reverse("process_timeline", args=[plan.process.pk])


def export_url(plan) -> str:
    return PLMFlow.instance.reverse("process_timeline_export", args=[plan.process.pk])


def _get(client, person, address, data=None, status=200):
    client.force_login(person)
    response = client.get(address, data or {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status, response.content.decode()[:3000]
    return response


def _english(client, person, address, data=None):
    """The page as ``person`` reads it in English (their language preference, as the
    switcher saves it)."""
    client.force_login(person)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(address, data or {})
    assert response.status_code == 200, response.content.decode()[:3000]
    return response


def _rows(response) -> list[tuple[str, int]]:
    return [(kind, int(pk)) for kind, pk in ROW.findall(response.content.decode())]


def _heads():
    return list(ChainHead.objects.order_by("chain").values_list("chain", "seq", "hash"))


@pytest.fixture
def two_plans(lead):
    """Saluzzo's plan and Albenga's, each with its own coordinator and facilitator."""
    saluzzo = PlanFactory(lead=lead, comune=ComuneFactory(istat_code="004203", name="Saluzzo"))
    albenga = PlanFactory(
        lead=lead, comune=ComuneFactory(istat_code="009002", name="Albenga", province_code="SV")
    )
    return saluzzo, albenga


def _people(plan):
    memberships = plan.comune.memberships.filter(revoked_at__isnull=True)
    return (
        memberships.get(role=Role.COORDINATOR).user,
        memberships.get(role=Role.FACILITATOR).user,
    )


# --- Who sees what ----------------------------------------------------------------------------


def test_a_coordinators_timeline_shows_only_their_plans_and_the_all_plans_page_is_refused(
    client, two_plans
):
    saluzzo, albenga = two_plans
    coordinator, _facilitator = _people(saluzzo)

    shown = _get(client, coordinator, timeline_url(saluzzo))
    _get(client, coordinator, timeline_url(albenga), status=404)
    _get(client, coordinator, reverse("home:timeline"), status=403)
    _get(client, coordinator, export_url(albenga), status=404)
    _get(client, coordinator, reverse("home:timeline_export"), status=403)

    pks = {pk for _kind, pk in _rows(shown)}
    story = set(Event.objects.filter(plan=saluzzo).values_list("pk", flat=True))
    assert pks and pks <= story | set(
        Event.objects.filter(plan__isnull=True).values_list("pk", flat=True)
    )
    assert not pks & set(Event.objects.filter(plan=albenga).values_list("pk", flat=True))
    assert "Albenga" not in shown.content.decode()
    # the menu offers no all-plans timeline to a coordinator
    assert reverse("home:timeline") not in shown.content.decode()


def test_a_facilitator_sees_their_plans_on_the_all_plans_page_but_not_the_global_chain(
    client, two_plans
):
    saluzzo, albenga = two_plans
    _coordinator, facilitator = _people(albenga)

    shown = _get(client, facilitator, reverse("home:timeline"), {"kind": EventKind.PLAN_LAUNCHED})

    kinds = _rows(shown)
    launched = Event.objects.get(plan=albenga, kind=EventKind.PLAN_LAUNCHED)
    assert [pk for _kind, pk in kinds] == [launched.pk]
    role_events = _get(client, facilitator, reverse("home:timeline"), {"kind": "role.granted"})
    assert _rows(role_events) == []


def test_an_auditor_sees_every_plan_and_the_global_chain(client, two_plans, auditor):
    saluzzo, albenga = two_plans

    shown = _get(client, auditor, reverse("home:timeline"), {"kind": [EventKind.PLAN_LAUNCHED]})
    roles = _get(client, auditor, reverse("home:timeline"), {"kind": [EventKind.ROLE_GRANTED]})

    launched = set(Event.objects.filter(kind=EventKind.PLAN_LAUNCHED).values_list("pk", flat=True))
    assert {pk for _kind, pk in _rows(shown)} == launched
    assert len(launched) == 2
    granted = Event.objects.filter(kind=EventKind.ROLE_GRANTED, plan__isnull=True)
    assert {pk for _kind, pk in _rows(roles)} == set(granted.values_list("pk", flat=True))
    assert reverse("home:timeline") in shown.content.decode()  # in the menu
    _get(client, auditor, timeline_url(albenga))


def test_a_plans_timeline_holds_its_comunes_role_grants_but_not_another_comunes(
    client, two_plans, lead
):
    saluzzo, albenga = two_plans
    coordinator, _facilitator = _people(saluzzo)

    shown = _get(client, coordinator, timeline_url(saluzzo), {"kind": "role.granted"})

    pks = {pk for _kind, pk in _rows(shown)}
    grants = Event.objects.filter(kind=EventKind.ROLE_GRANTED)
    on_saluzzo = {
        event.pk for event in grants if event.payload["concerns"].get("comune") == "004203"
    }
    assert pks == on_saluzzo and len(on_saluzzo) == 2


# --- What the events say ----------------------------------------------------------------------


def test_a_suspension_and_resumption_with_their_reasons_a_release_and_a_reassignment_in_words(
    client, flow_plan, lead, auditor, coordinator, coordinator2
):
    task = open_task(flow_plan)
    claim(client, coordinator, task)
    client.post(url(task, "unassign"))
    claim(client, coordinator, task)
    client.force_login(lead)
    client.post(url(task, "reassign"), {"to": coordinator2.pk})
    flow_suspend(plan=flow_plan, by=lead, reason="Elezioni comunali")
    flow_resume(plan=flow_plan, by=lead, reason="Nuova giunta insediata")

    page = _english(client, auditor, timeline_url(flow_plan), {"last": "1"}).content.decode()

    assert escape("Plan suspended: “Elezioni comunali”.") in page
    assert escape("Plan resumed, back in “Needs assessment”: “Nuova giunta insediata”.") in page
    assert (
        escape("Task “Needs assessment” released: offered again to those who may take it on.")
        in page
    )
    assert escape("Task “Needs assessment” handed to coord-saluzzo-2.") in page
    # who, with the role they held then
    who = set(re.findall(WHO, page))
    assert ("lead", "lead facilitator") in who
    assert ("coord-saluzzo", "municipal coordinator") in who
    # the fields changed, old → new, in words
    assert "<del>Needs assessment</del> → <ins>Suspended</ins>" in page
    assert "<del>coord-saluzzo</del> → <ins>coord-saluzzo-2</ins>" in page


def test_the_role_shown_is_the_one_held_at_the_events_time(client, flow_plan, lead, auditor):
    comune = flow_plan.comune
    person = UserFactory(username="ex-coordinator")
    role_grant(user=person, role="coordinator", comune=comune, by=lead)
    task = open_task(flow_plan)
    claim(client, person, task)
    role_revoke(user=person, role="coordinator", comune=comune, by=lead)
    role_grant(user=person, role="auditor", by=lead)
    record(kind=EventKind.PHASE_NOTE_SAVED, actor=person, plan=flow_plan, payload={})

    page = _english(client, auditor, timeline_url(flow_plan), {"last": "1"}).content.decode()

    said = [role for name, role in WHO.findall(page) if name == "ex-coordinator"]
    assert said == ["municipal coordinator", "auditor"]


def test_a_person_holding_two_roles_on_the_comune_is_shown_with_both_in_a_fixed_order(
    client, flow_plan, lead, auditor
):
    # role_grant refuses the second role on the same comune today; the global chain may still
    # hold both (written before that rule): the timeline names them both, never one at random.
    person = UserFactory(username="two-hats")
    for role in ("facilitator", "coordinator"):
        record(
            kind=EventKind.ROLE_GRANTED,
            actor=lead,
            payload={
                "concerns": {"user": person.pk, "comune": flow_plan.comune.istat_code},
                "changes": {"role": [None, role]},
            },
        )
    record(kind=EventKind.PHASE_NOTE_SAVED, actor=person, plan=flow_plan, payload={})

    page = _english(client, auditor, timeline_url(flow_plan), {"last": "1"}).content.decode()

    said = [role for name, role in WHO.findall(page) if name == "two-hats"]
    assert said == ["municipal coordinator, facilitator"]


# --- Filters ----------------------------------------------------------------------------------


def test_filters_combine_who_what_phase_and_days(client, flow_plan, lead, auditor, coordinator):
    task = open_task(flow_plan)
    claim(client, coordinator, task)
    client.post(url(task, "unassign"))
    claim(client, coordinator, task)
    today = timezone.localdate()

    def shown(**data):
        return [kind for kind, _pk in _rows(_get(client, auditor, timeline_url(flow_plan), data))]

    mine = shown(actor=f"user:{coordinator.pk}")
    claims = shown(actor=f"user:{coordinator.pk}", kind=[EventKind.TASK_CLAIMED])
    both = shown(
        actor=f"user:{coordinator.pk}", kind=[EventKind.TASK_CLAIMED, EventKind.TASK_RELEASED]
    )
    in_phase = shown(kind=[EventKind.TASK_CLAIMED], phase="assessment")
    other_phase = shown(kind=[EventKind.TASK_CLAIMED], phase="drafting")
    today_only = shown(kind=[EventKind.TASK_CLAIMED], since=today, until=today)
    tomorrow = shown(kind=[EventKind.TASK_CLAIMED], since=today + datetime.timedelta(days=1))
    system = shown(actor="system:flow", kind=[EventKind.TASK_CLAIMED])

    assert mine == ["task.claimed", "task.released", "task.claimed"]
    assert claims == ["task.claimed", "task.claimed"]
    assert both == mine
    assert in_phase == claims and today_only == claims
    assert other_phase == [] and tomorrow == [] and system == []


def test_a_to_day_before_the_from_day_is_refused_beside_its_field_and_shows_no_event(
    client, flow_plan, auditor
):
    response = _english(
        client, auditor, timeline_url(flow_plan), {"since": "2027-03-08", "until": "2027-03-01"}
    )

    page = response.content.decode()
    assert response.context["form"].errors["until"] == [str(UNTIL_BEFORE_SINCE)]
    assert escape(str(UNTIL_BEFORE_SINCE)) in page
    assert _rows(response) == []


@pytest.mark.parametrize(
    "data",
    [
        {"actor": "user:999999999999999999999"},
        {"actor": "somebody"},
        {"kind": "plan.nothing"},
        {"phase": "nowhere"},
        {"since": "2027-02-30"},
        {"since": "0001-01-01"},
        {"until": "9999-12-31"},
        {"after": "not-a-cursor"},
        {"before": "99999999999999999-99999999999999999999"},
        {"after": "12-34", "before": "garbage"},
        {"since": "\x00"},
    ],
)
def test_a_bad_filter_or_a_forged_cursor_never_fails(client, flow_plan, auditor, data):
    client.force_login(auditor)
    response = client.get(timeline_url(flow_plan), data)
    # refused at the door (a control character: 400), or the page with the form's error or
    # its first page
    assert response.status_code in (200, 400)
    heads = _heads()
    exported = client.get(export_url(flow_plan), data)
    assert exported.status_code in (200, 302, 400)
    if exported.status_code == 302:  # refused filters: back to the page, nothing recorded
        assert _heads() == heads


# --- Pages ------------------------------------------------------------------------------------


def _many(plan, count: int, *, actor=None) -> None:
    """``count`` notes on the plan's chain, appended in bulk as the one writer would write
    them (content, hash, previous hash, head moved): the chain still verifies."""
    chain = chain_of(plan.pk)
    head = ChainHead.objects.get(chain=chain)
    seq, prev_hash = head.seq, head.hash
    start = max(timezone.now(), Event.objects.latest("occurred_at").occurred_at)
    rows = []
    for index in range(count):
        seq += 1
        moment = (start + datetime.timedelta(milliseconds=index + 1)).astimezone(datetime.UTC)
        payload = {"phase": "assessment", "changes": {"text": [None, f"Nota {index}"]}}
        content = content_of(
            chain=chain,
            seq=seq,
            prev_hash=prev_hash,
            kind=EventKind.PHASE_NOTE_SAVED,
            occurred_at=moment,
            plan_id=plan.pk,
            actor_id=actor.pk if actor else None,
            actor_system="" if actor else SYSTEM_OPERATOR,
            payload=payload,
        )
        event_hash = digest(content)
        rows.append(
            Event(
                chain=chain,
                seq=seq,
                prev_hash=prev_hash,
                hash=event_hash,
                content=content,
                kind=EventKind.PHASE_NOTE_SAVED,
                occurred_at=moment,
                plan=plan,
                actor=actor,
                actor_system="" if actor else SYSTEM_OPERATOR,
                payload=payload,
            )
        )
        prev_hash = event_hash
    Event.objects.bulk_create(rows, batch_size=500)
    ChainHead.objects.filter(chain=chain).update(seq=seq, hash=prev_hash)


def test_pages_follow_one_another_both_ways_carrying_the_filters(client, flow_plan, auditor):
    _many(flow_plan, 120)
    wanted = list(
        Event.objects.filter(plan=flow_plan, kind=EventKind.PHASE_NOTE_SAVED)
        .order_by("occurred_at", "pk")
        .values_list("pk", flat=True)
    )
    client.force_login(auditor)

    pages, query = [], f"kind={EventKind.PHASE_NOTE_SAVED}"
    while query is not None:
        response = client.get(f"{timeline_url(flow_plan)}?{query}")
        pages.append([pk for _kind, pk in _rows(response)])
        query = response.context["next_query"]
        assert query is None or "kind=phase_note.saved" in query
    back = client.get(f"{timeline_url(flow_plan)}?{response.context['previous_query']}")
    latest = client.get(f"{timeline_url(flow_plan)}?kind=phase_note.saved&last=1")

    assert [len(found) for found in pages] == [50, 50, 20]
    assert sum(pages, []) == wanted
    assert [pk for _kind, pk in _rows(back)] == wanted[50:100]
    assert [pk for _kind, pk in _rows(latest)] == wanted[-50:]
    assert "kind=phase_note.saved" in back.context["previous_query"]


def _queries(client, person, address) -> int:
    client.force_login(person)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured)


def test_the_timeline_costs_the_same_for_100_and_10000_events(client, flow_plan, auditor, lead):
    _many(flow_plan, 100)
    assert chains_verify(chain=chain_of(flow_plan.pk), plan_ids=[flow_plan.pk]).ok
    few = {
        "plan": _queries(client, auditor, timeline_url(flow_plan)),
        "all": _queries(client, auditor, reverse("home:timeline")),
        "last": _queries(client, lead, reverse("home:timeline") + "?last=1"),
    }
    _many(flow_plan, 9900)
    assert Event.objects.count() > 10_000

    many = {
        "plan": _queries(client, auditor, timeline_url(flow_plan)),
        "all": _queries(client, auditor, reverse("home:timeline")),
        "last": _queries(client, lead, reverse("home:timeline") + "?last=1"),
    }

    assert many == few


# --- Integrity --------------------------------------------------------------------------------


def test_the_plans_timeline_verifies_its_chain_and_writes_nothing(client, flow_plan, auditor):
    heads, count = _heads(), Event.objects.count()

    page = _english(client, auditor, timeline_url(flow_plan)).content.decode()

    assert _heads() == heads and Event.objects.count() == count
    last = Event.objects.filter(plan=flow_plan).order_by("-seq").first()
    assert 'data-ok="1"' in page and "Chain intact" in page
    assert f"{last.seq} events recomputed" in page
    assert last.hash in page
    assert "has never been verified" in page


def test_the_page_says_when_the_whole_log_was_last_verified(client, flow_plan, auditor):
    from django.core.management import call_command

    call_command("verify_audit")

    page = _english(client, auditor, timeline_url(flow_plan)).content.decode()

    verified = Event.objects.get(kind=EventKind.AUDIT_VERIFIED)
    from plm_workflow.formats.prose import prose_moment

    assert f"Last full verification: {prose_moment(verified.occurred_at)}, intact" in page


# --- Exports ----------------------------------------------------------------------------------


def _streamed(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_a_plans_export_downloads_with_its_filters_and_records_its_event(
    client, flow_plan, auditor
):
    wanted = list(
        Event.objects.filter(plan=flow_plan, kind=EventKind.TASK_CREATED).values_list(
            "seq", flat=True
        )
    )
    client.force_login(auditor)

    response = client.get(export_url(flow_plan), {"kind": EventKind.TASK_CREATED, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert re.fullmatch(
        r'attachment; filename="audit-plan-\d+-\d{8}\.csv"', response["Content-Disposition"]
    )
    text = _streamed(response)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, body, trailer = rows[0], rows[1:-1], rows[-1]
    assert header[:4] == ["chain", "seq", "prev_hash", "hash"] and "content" in header
    assert [int(row[1]) for row in body] == wanted
    exported = Event.objects.get(kind=EventKind.AUDIT_EXPORTED)
    assert exported.actor_id == auditor.pk and exported.plan_id == flow_plan.pk
    assert exported.payload["export"]["filters"] == {"kinds": [EventKind.TASK_CREATED]}
    assert json.loads(trailer[1])["rows"] == len(wanted)


def test_the_all_plans_export_in_json_lines_for_the_lead(client, two_plans, lead):
    client.force_login(lead)

    response = client.get(reverse("home:timeline_export"), {"format": "json"})

    assert response.status_code == 200
    lines = _streamed(response).splitlines()
    trailer = json.loads(lines[-1])["trailer"]
    assert trailer["rows"] == len(lines) - 1
    exported = Event.objects.get(kind=EventKind.AUDIT_EXPORTED)
    assert exported.plan_id is None and exported.payload["export"]["filters"] == {}


def test_the_timeline_links_its_exports_with_the_filters_and_the_plan_page_links_it(
    client, flow_plan, auditor
):
    page = _get(
        client, auditor, timeline_url(flow_plan), {"kind": EventKind.TASK_CREATED}
    ).content.decode()
    plan_page = _get(
        client, auditor, PLMFlow.instance.reverse("process_detail", args=[flow_plan.process.pk])
    ).content.decode()

    assert f"{export_url(flow_plan)}?kind=task.created&amp;format=csv" in page
    assert f"{export_url(flow_plan)}?kind=task.created&amp;format=json" in page
    assert timeline_url(flow_plan) in plan_page


def test_a_coordinators_plan_export_is_theirs_to_take(client, flow_plan, coordinator, lead):
    task = open_task(flow_plan)
    claim(client, coordinator, task)

    response = client.get(export_url(flow_plan), {"format": "json"})

    assert response.status_code == 200
    assert Event.objects.filter(kind=EventKind.AUDIT_EXPORTED, actor=coordinator).count() == 1


# --- The shell ----------------------------------------------------------------------------------


def test_the_timelines_are_titled_and_lead_back(client, flow_plan, auditor):
    from tests.test_titles import TITLE, TOP_BAR, _crumbs

    plan_page = _english(client, auditor, timeline_url(flow_plan)).content.decode()
    all_page = _english(client, auditor, reverse("home:timeline")).content.decode()

    assert TITLE.search(plan_page).group(1) == "Timeline – Saluzzo (CN) · PLM Workflow"
    assert TOP_BAR.search(plan_page).group(1) == "Timeline – Saluzzo (CN)"
    assert _crumbs(plan_page).crumbs == [
        ("Plans", reverse("home:plans"), False),
        (
            "Saluzzo (CN)",
            PLMFlow.instance.reverse("process_detail", args=[flow_plan.process.pk]),
            False,
        ),
        ("Timeline", None, True),
    ]
    assert TITLE.search(all_page).group(1) == "Timeline of all plans · PLM Workflow"
    assert _crumbs(all_page).crumbs == [
        ("Plans", reverse("home:plans"), False),
        ("Timeline of all plans", None, True),
    ]
