"""The demo: the InCaS cohort replayed on its documented dates, through the real services.

The clock is moved (``time-machine``) to each step's date while the same services the pages
use do the work, so history, audit events and due dates are those the app would have
written. Where COHORT-FACTS documents a date it is used; other dates are illustrative, and
every text the demo writes says which facts it draws on. Second-cycle plans, launched today,
are labelled illustrative in their title.

One filler per phase (``flows/demo/<phase>.py``) writes its work step's data, through that
phase's services, run here under the flow's lock by the holder of the open task:

- the first cycle's work, with the facts it needs (the needs assessment's ``first_cycle(plan,
  by)``; the tables' ``first_cycle_steps(...)``, writes of weeks each on its date, with late
  additions in drafting; the drafting's ``first_cycle_steps(...)``, the draft written over
  the weeks of the phase, returned once with comments, revised and approved, or San Severo's
  ``stalled_steps(...)``; the adoption's ``first_cycle(istat, day)``, the act recorded on its
  ``calendar(day)``, and its ``publication(istat, day)`` on the adopted plan, from the plan
  page);
- ``second_cycle(plan, by)``: the second cycle's work, submitted;
- optionally ``second_cycle_draft(plan, by)``: a draft saved, not submitted, where a
  second-cycle plan waits on that phase's work, for a demo user to finish;
- optionally ``second_cycle_return(istat)``: where a second-cycle plan waits on that phase's
  check, a round returned first and the work revised and submitted again (the check page
  then shows what changed since the return).
"""

import contextlib
import datetime
from dataclasses import dataclass
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from plm_workflow.accounts.services import RoleAlreadyHeld, role_grant
from plm_workflow.deadlines.calendar import next_working_day
from plm_workflow.deadlines.models import Alert, AlertKind, Channel, DeliveryState, StepTask
from plm_workflow.deadlines.policy import stage_days
from plm_workflow.deadlines.services import task_due_move
from plm_workflow.plans import phases
from plm_workflow.plans.documents import files_kept_only_on_success
from plm_workflow.plans.models import Comune, Phase, Plan, PlanStatus
from plm_workflow.plans.services import review_decide

from ..flows import PLMFlow, launch_plan
from ..rules import OPEN_STATUSES
from ..services import task_claim, task_complete
from . import adoption, assessment, drafting, tables

# Raised whenever what the demo builds changes: ``make run`` rebuilds an older demo database.
DEMO_VERSION = 8
# One filler per phase: the data its work step writes (see the module's docstring).
FILLERS = {
    Phase.ASSESSMENT: assessment,
    Phase.TABLES: tables,
    Phase.DRAFTING: drafting,
    Phase.ADOPTION: adoption,
}

PASSWORD = "demo"
ROME = ZoneInfo("Europe/Rome")
D = datetime.date
FIRST_CYCLE = "PLM 2022-2023"
SECOND_CYCLE = "PLM 2026-2028 (illustrativo)"


@dataclass(frozen=True)
class Cohort:
    istat: str
    name: str
    launched: datetime.date
    adopted: datetime.date | None  # None: stalled in drafting


# Launch dates are the first documented meetings where known; adoption dates (the date of the
# resolution, flows/demo/adoption.py) are illustrative (only Castel Volturno's is public:
# Giunta, 6 July 2023) and fall before 20 December 2023, when the programme presented the
# eight plans.
COHORT = [
    Cohort("076043", "Lavello", D(2022, 7, 6), D(2023, 6, 12)),
    Cohort("089017", "Siracusa", D(2022, 7, 13), D(2023, 10, 9)),
    Cohort("078157", "Corigliano-Rossano", D(2022, 7, 18), D(2023, 9, 14)),
    Cohort("009002", "Albenga", D(2022, 8, 2), D(2023, 11, 6)),
    Cohort("061027", "Castel Volturno", D(2022, 10, 6), D(2023, 7, 6)),
    Cohort("029041", "Rovigo", D(2022, 10, 20), D(2023, 11, 20)),
    Cohort("004203", "Saluzzo", D(2022, 11, 7), D(2023, 12, 4)),
    Cohort("043042", "Porto Recanati", D(2022, 11, 21), D(2023, 9, 28)),
    Cohort("071051", "San Severo", D(2022, 11, 28), None),
]

# Second-cycle plans (illustrative): the step each waits on today.
SECOND_CYCLE_STEPS = {
    "009002": phases.spec_of(Phase.ASSESSMENT).work_node,
    "076043": phases.spec_of(Phase.TABLES).work_node,
    "029041": phases.spec_of(Phase.DRAFTING).work_node,
    "004203": phases.spec_of(Phase.DRAFTING).check_node,
    "089017": phases.spec_of(Phase.ADOPTION).work_node,
}
ORDER = list(phases.NODE_STATUS)  # the human steps, in flow order
# The second-cycle plan with a due date soon (Saluzzo's draft, waiting on review): its check
# falls due on the day whose first reminder ("due in 7 working days") is today, so that the
# first sweep of ``make run`` tells its holder at once.
DUE_SOON = "004203"
DUE_SOON_REASON = "Revisione anticipata: il consiglio comunale si riunisce a breve (illustrativo)."


def coordinator_name(comune_name: str) -> str:
    return f"coord-{slugify(comune_name)}"


def _at(day: datetime.date, hour: int = 10):
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=ROME)


def _moment(when) -> datetime.datetime:
    """A step's moment: a day (at ten) or a time."""
    return when if isinstance(when, datetime.datetime) else _at(when)


def _pdf(title: str):
    from plm_workflow.plans.pdfs import one_page_pdf

    content = one_page_pdf(title + " (documento illustrativo della demo)")
    return SimpleUploadedFile("delibera-adesione.pdf", content, content_type="application/pdf")


def demo_email(username: str) -> str:
    """A demo account's address: on the reserved .invalid domain, so that no e-mail the
    deadline sweep sends for the demo can reach anyone."""
    return f"{username}@example.invalid"


def _user(username, *, first_name=""):
    """Create (once) a demo account, named by its role: the demo names no real person."""
    email = demo_email(username)
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": first_name, "email": email}
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    elif (user.first_name, user.email) != (first_name, email):  # built by an older demo
        user.first_name, user.email = first_name, email
        user.save(update_fields=["first_name", "email"])
    return user


def coordinator_full_name(comune_name: str) -> str:
    """The name a comune's demo coordinator goes by: "Referente comunale – Albenga"."""
    return f"Referente comunale – {comune_name}"


def _grant(**kwargs):
    with contextlib.suppress(RoleAlreadyHeld):
        role_grant(**kwargs)


def people() -> dict:
    """Create (once) the demo's people and their roles."""
    lead = _user("lead", first_name="Responsabile della task force")
    _grant(user=lead, role="lead")
    auditor = _user("auditor", first_name="Auditor")
    _grant(user=auditor, role="auditor")
    facilitator = _user("facilitator", first_name="Facilitatore Cittalia 1")
    coordinators = {
        entry.istat: _user(
            coordinator_name(entry.name), first_name=coordinator_full_name(entry.name)
        )
        for entry in COHORT
    }
    return {"lead": lead, "auditor": auditor, "facilitator": facilitator, **coordinators}


def _open_task(plan):
    return plan.process.task_set.filter(status__in=OPEN_STATUSES, flow_task_type="HUMAN").get()


def _act(plan, by, action):
    """Run one step on the plan's open task as its page would: under the flow's lock."""
    plan.refresh_from_db()
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        task = _open_task(plan)
        task.process = plan.process
        activation = task.flow_task.activation_class(task)
        if task.owner_id is None:
            task_claim(activation=activation, by=by)
        activation.start(SimpleNamespace(user=by))
        action(task.flow_task.name)
        task_complete(activation=activation, by=by)


def _fill(plan, by, write):
    """Run a filler's step, ``write(plan, by)``, on the plan's open task, and complete it."""
    _act(plan, by, lambda name: write(plan, by))


def _hold(plan, by, write):
    """Take the plan's open task on and run ``write(plan, by)`` as a draft save would: under
    the flow's lock, the task held but neither started nor completed (it stays open)."""
    plan.refresh_from_db()
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        task = _open_task(plan)
        task.process = plan.process
        if task.owner_id is None:
            task_claim(activation=task.flow_task.activation_class(task), by=by)
        write(plan, by)


def _late(plan, by, write):
    """Run ``write(plan, by)`` as a coordinator's late addition from the plan page, in
    drafting: under the flow's lock, no task taken on. A date outside drafting is a mistake
    of the demo's calendar, never recorded as something else."""
    plan.refresh_from_db()
    if plan.status != phases.spec_of(Phase.DRAFTING).status:
        raise RuntimeError(
            f"{plan}: a late addition on {timezone.now():%Y-%m-%d} is not in drafting"
        )
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        write(plan, by)


def _aside(plan, by, write):
    """Run ``write(plan, by)`` as a write from the plan page with no task (the publication
    of an adopted plan's act): under the flow's lock."""
    plan.refresh_from_db()
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        write(plan, by)


def _decide(plan, by, decision="approved", comments="", items=None):
    """A facilitator's decision on the open check; ``items(plan)``: its comments on the
    draft's sections and measures."""
    _act(
        plan,
        by,
        lambda name: review_decide(
            plan=plan,
            phase=phases.node_phase(name),
            decision=decision,
            comments=comments,
            item_comments=items(plan) if items else None,
            by=by,
        ),
    )


def _decided(plan, by, decision: drafting.Decision):
    _decide(plan, by, decision.decision, decision.comments, decision.items)


TABLE_STEPS = {tables.HOLD: _hold, tables.SUBMIT: _fill, tables.LATE: _late}
DRAFT_STEPS = {drafting.HOLD: _hold, drafting.SUBMIT: _fill, drafting.DECIDE: _decided}


def _launch(comune, *, title, by, coordinator, facilitator, act_date):
    return launch_plan(
        comune=comune,
        title=title,
        adhesion_act_number=f"DGC {act_date.strftime('%d/%m/%Y')} (illustrativo)",
        adhesion_act_date=act_date,
        coordinators=[coordinator],
        facilitators=[facilitator],
        adhesion_act_file=_pdf(f"{comune.label} {title}"),
        by=by,
    )


def replay_cohort(travel, who: dict) -> int:
    """Replay each cohort comune's first cycle on its dates; return how many were created."""
    created = 0
    lead, facilitator = who["lead"], who["facilitator"]
    for entry in COHORT:
        comune = Comune.objects.get(istat_code=entry.istat)
        if Plan.objects.filter(comune=comune, title=FIRST_CYCLE).exists():
            continue
        coordinator = who[entry.istat]
        start = entry.launched
        with travel(_at(start)):
            plan = _launch(
                comune,
                title=FIRST_CYCLE,
                by=lead,
                coordinator=coordinator,
                facilitator=facilitator,
                act_date=start - datetime.timedelta(days=21),
            )
        tables_open = start + datetime.timedelta(days=52)  # the assessment approved
        tables_submitted = start + datetime.timedelta(days=110)
        tables_approved = start + datetime.timedelta(days=118)
        steps = [
            (start + datetime.timedelta(days=45), _fill, (coordinator, assessment.first_cycle)),
            (tables_open, _decide, (facilitator,)),
            (tables_approved, _decide, (facilitator,)),
        ]
        # The tables, written over the weeks of the phase up to their submission, and their
        # late additions in drafting: each on its date, among the steps above and below.
        steps += [
            (moment, TABLE_STEPS[kind], (coordinator, write))
            for moment, kind, write in tables.first_cycle_steps(
                entry.istat, opens=tables_open, submits=tables_submitted, approved=tables_approved
            )
        ]
        # The draft, written over the weeks of drafting by the coordinator and reviewed by
        # the facilitator; San Severo's started, never submitted.
        if entry.adopted is None:
            drafted = drafting.stalled_steps(entry.istat, opens=tables_approved)
        else:
            drafted = drafting.first_cycle_steps(
                entry.istat, opens=tables_approved, adopted=entry.adopted
            )
        steps += [
            (
                moment,
                DRAFT_STEPS[kind],
                (facilitator if kind == drafting.DECIDE else coordinator, write),
            )
            for moment, kind, write in drafted
        ]
        if entry.adopted is not None:
            adopted = entry.adopted
            # The act dated ``adopted``, recorded and verified after it, then published.
            dates = adoption.calendar(adopted)
            steps += [
                (dates.recorded, _fill, (coordinator, adoption.first_cycle(entry.istat, adopted))),
                (dates.verified, _decide, (facilitator,)),
                (
                    _at(dates.published_from, 12),
                    _aside,
                    (coordinator, adoption.publication(entry.istat, adopted)),
                ),
            ]
        for moment, step, arguments in sorted(steps, key=lambda item: _moment(item[0])):
            with travel(_moment(moment)):
                step(plan, *arguments)
        created += 1
    return created


def _replayed_alerts_settled(*, before) -> None:
    """What the app told people during the replayed years was read and sent in those years.

    The replay drives the real services, which tell people of each task offered, returned,
    approved, adopted: in the app and by e-mail for the next sweep. Left as they are, the first
    sweep of ``make run`` would e-mail 2022's news and every bell would start at dozens; so the
    replay's notifications are marked read, and its e-mails sent, at the moment each was
    written. What happens from today (the second cycle, the sweep's reminders) stays new.
    """
    replayed = Alert.objects.filter(created_at__lt=before)
    replayed.filter(channel=Channel.IN_APP, read_at__isnull=True).update(read_at=F("created_at"))
    replayed.filter(
        channel__in=(Channel.EMAIL, Channel.DIGEST), state=DeliveryState.PENDING
    ).update(state=DeliveryState.SENT, sent_at=F("created_at"))


def second_cycle(travel, who: dict) -> int:
    """Launch today the illustrative second-cycle plans, each waiting on its step; then bring
    the due date of one (``DUE_SOON``) forward to within the week."""
    created = sum(
        _second_cycle_plan(istat, stop_at, who) for istat, stop_at in SECOND_CYCLE_STEPS.items()
    )
    _bring_forward(who["lead"])
    return created


def _bring_forward(lead) -> None:
    """Move the due date of the DUE_SOON plan's open check to the day whose first reminder
    starts today (7 working days of the comune from now)."""
    plan = Plan.objects.filter(comune__istat_code=DUE_SOON, title=SECOND_CYCLE).first()
    if plan is None:
        return
    deadline = StepTask.objects.filter(plan=plan, closed_at__isnull=True).first()
    today = timezone.localdate(timezone.now(), ROME)
    soon = next_working_day(today + datetime.timedelta(days=1), plan.comune)
    while stage_days(soon, plan.comune)[AlertKind.DUE_IN_7] < today:
        soon = next_working_day(soon + datetime.timedelta(days=1), plan.comune)
    if deadline is None or deadline.due == soon:
        return
    task_due_move(deadline=deadline, new=soon, reason=DUE_SOON_REASON, by=lead)


def _second_cycle_plan(istat: str, stop_at: str, who: dict) -> int:
    lead, facilitator = who["lead"], who["facilitator"]
    comune = Comune.objects.get(istat_code=istat)
    if Plan.objects.filter(comune=comune, title=SECOND_CYCLE).exists():
        return 0
    first = Plan.objects.filter(comune=comune, title=FIRST_CYCLE).first()
    if first is None or first.status != PlanStatus.ADOPTED:
        return 0
    coordinator = who[istat]
    plan = _launch(
        comune,
        title=SECOND_CYCLE,
        by=lead,
        coordinator=coordinator,
        facilitator=facilitator,
        act_date=first.adhesion_act_date + datetime.timedelta(days=1100),
    )
    for name in ORDER[: ORDER.index(stop_at)]:
        if name in phases.WORK_NODES:
            filler = FILLERS[phases.node_phase(name)]
            _fill(plan, coordinator, filler.second_cycle)
        else:
            _decide(plan, facilitator)
    filler = FILLERS[phases.node_phase(stop_at)]
    if stop_at in phases.WORK_NODES:
        draft = getattr(filler, "second_cycle_draft", None)
        if draft is not None:
            _hold(plan, coordinator, draft)
    else:
        # Its work submitted, returned once and submitted again, where the filler says so.
        rework = getattr(filler, "second_cycle_return", lambda istat: None)(istat)
        if rework is not None:
            _decided(plan, facilitator, rework.decision)
            _fill(plan, coordinator, rework.revise)
    return 1


def seed(travel) -> dict:
    """Create everything the demo needs, skipping what exists. ``travel(datetime)`` is a
    context manager that moves the clock there."""
    with files_kept_only_on_success(), transaction.atomic():
        now = timezone.now()
        # The people exist before the first launch: the global chain stays in time order.
        with travel(_at(COHORT[0].launched - datetime.timedelta(days=30))):
            who = people()
        first = replay_cohort(travel, who)
        if first:  # a run that replayed nothing leaves today's notifications as they are
            _replayed_alerts_settled(before=now)
        second = second_cycle(travel, who)
    return {"people": who, "first_cycle": first, "second_cycle": second}
