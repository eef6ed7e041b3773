"""The alert policy: which stage a due date reached on a day, and who is told of it."""

import datetime

import pytest

from plm_workflow.deadlines.models import AlertKind, StepKind
from plm_workflow.deadlines.policy import (
    Patron,
    PlanPeople,
    Policy,
    TaskFacts,
    not_published_notices,
    stage_days,
    stage_reached,
    task_notices,
    today_of,
)

D = datetime.date
MONDAY = D(2027, 3, 8)  # a Monday with no holiday around it
ROME = datetime.timezone(datetime.timedelta(hours=1))
PEOPLE = PlanPeople(coordinators=(11, 12), facilitators=(21, 22))
LEADS = (31,)


def at(day: datetime.date, hour=9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=ROME)


LONG_AGO = D(2027, 1, 4)
NO_PATRON = Patron()


def facts(*, kind=StepKind.WORK, holder=11, since=LONG_AGO, due=MONDAY, patron=NO_PATRON):
    return TaskFacts(
        step_id=5,
        plan_id=3,
        kind=kind,
        due=due,
        holder_id=holder,
        held_since=at(since) if holder else None,
        opened_at=at(since),
        comune=patron,
    )


def told(task, day):
    return {(n.recipient_id, n.kind) for n in task_notices(task, day, people=PEOPLE, leads=LEADS)}


@pytest.mark.parametrize(
    ("day", "stage"),
    [
        (D(2027, 2, 24), None),  # 8 working days before
        (D(2027, 2, 25), AlertKind.DUE_IN_7),  # 7 working days before
        (D(2027, 3, 4), AlertKind.DUE_IN_7),
        (D(2027, 3, 5), AlertKind.DUE_IN_1),  # a Friday: Monday is 1 working day away
        (D(2027, 3, 6), AlertKind.DUE_IN_1),  # the weekend
        (D(2027, 3, 8), AlertKind.DUE_TODAY),
        (D(2027, 3, 9), AlertKind.OVERDUE),
        (D(2027, 3, 16), AlertKind.OVERDUE),  # 6 working days overdue
        (D(2027, 3, 17), AlertKind.ESCALATION),  # 7 working days overdue
        (D(2030, 1, 1), AlertKind.ESCALATION),
    ],
)
def test_each_stage_starts_on_its_working_day(day, stage):
    reached = stage_reached(MONDAY, day)
    assert (reached[0] if reached else None) == stage


def test_a_national_holiday_and_the_patron_day_are_not_working_days():
    # Tuesday 2 June 2026 is the Festa della Repubblica: Wednesday 3 is due in 1 from Monday.
    assert stage_days(D(2026, 6, 3))[AlertKind.DUE_IN_1] == D(2026, 6, 1)
    patron = Patron(patron_month=3, patron_day=5)  # the Friday before MONDAY
    assert stage_days(MONDAY, patron)[AlertKind.DUE_IN_1] == D(2027, 3, 4)
    assert stage_days(MONDAY)[AlertKind.DUE_IN_1] == D(2027, 3, 5)


def test_the_numbers_come_from_the_policy():
    policy = Policy(due_soon=3, due_last=2, escalation=2)
    days = stage_days(MONDAY, policy=policy)
    assert days[AlertKind.DUE_IN_7] == D(2027, 3, 3)
    assert days[AlertKind.DUE_IN_1] == D(2027, 3, 4)
    assert days[AlertKind.ESCALATION] == D(2027, 3, 10)


def test_today_is_the_day_in_rome():
    late = datetime.datetime(2027, 3, 4, 23, 30, tzinfo=datetime.UTC)  # 00:30 in Rome
    assert today_of(late) == D(2027, 3, 5)


def test_the_holder_gets_the_latest_stage_only():
    # Friday: due in 7 and due in 1 have both started; only due in 1 is told.
    assert told(facts(), D(2027, 3, 5)) == {(11, AlertKind.DUE_IN_1)}


def test_escalation_reaches_the_holder_the_facilitators_and_the_lead():
    assert told(facts(), D(2027, 3, 17)) == {
        (11, AlertKind.ESCALATION),
        (21, AlertKind.ESCALATION),
        (22, AlertKind.ESCALATION),
        (31, AlertKind.ESCALATION),
    }


def test_an_overdue_check_task_escalates_to_the_lead_not_to_the_other_facilitators():
    task = facts(kind=StepKind.CHECK, holder=21)
    assert told(task, D(2027, 3, 17)) == {(21, AlertKind.ESCALATION), (31, AlertKind.ESCALATION)}


def test_an_offered_task_tells_whoever_may_take_it_on():
    assert told(facts(holder=None), D(2027, 3, 8)) == {
        (11, AlertKind.DUE_TODAY),
        (12, AlertKind.DUE_TODAY),
    }
    check = facts(kind=StepKind.CHECK, holder=None)
    assert told(check, D(2027, 3, 8)) == {(21, AlertKind.DUE_TODAY), (22, AlertKind.DUE_TODAY)}


def test_a_new_holder_gets_only_the_stages_still_ahead():
    # Taken on on the Saturday after the "due in 1" stage started (Friday): that one is
    # behind them; the due date itself is ahead.
    task = facts(since=D(2027, 3, 6))
    assert told(task, D(2027, 3, 6)) == set()
    assert told(task, D(2027, 3, 7)) == set()
    assert told(task, D(2027, 3, 8)) == {(11, AlertKind.DUE_TODAY)}


def test_a_stage_starting_the_day_a_task_is_taken_on_is_still_ahead():
    # Taken on on the Friday the "due in 1" stage starts: no sweep has told them of it yet.
    task = facts(since=D(2027, 3, 5))
    assert told(task, D(2027, 3, 5)) == {(11, AlertKind.DUE_IN_1)}


def test_a_new_holder_of_an_escalated_task_is_not_told_but_the_escalation_still_goes_up():
    task = facts(since=D(2027, 3, 20))
    assert told(task, D(2027, 3, 22)) == {
        (21, AlertKind.ESCALATION),
        (22, AlertKind.ESCALATION),
        (31, AlertKind.ESCALATION),
    }


def test_a_moved_due_date_is_another_key():
    before = task_notices(facts(), D(2027, 3, 5), people=PEOPLE)
    after = task_notices(facts(due=D(2027, 3, 15)), D(2027, 3, 5), people=PEOPLE)
    assert [(n.kind, n.due) for n in before] == [(AlertKind.DUE_IN_1, MONDAY)]
    assert [(n.kind, n.due) for n in after] == [(AlertKind.DUE_IN_7, D(2027, 3, 15))]


def test_a_far_due_date_tells_nobody():
    assert told(facts(due=D(2027, 6, 1)), D(2027, 3, 5)) == set()


def test_an_adopted_plan_not_published_reminds_its_people_once_the_days_passed():
    policy = Policy(not_published_days=15)
    act = D(2027, 3, 1)
    assert not_published_notices(3, act, D(2027, 3, 15), people=PEOPLE, policy=policy) == []
    notices = not_published_notices(3, act, D(2027, 3, 16), people=PEOPLE, policy=policy)
    assert {(n.recipient_id, n.kind, n.due) for n in notices} == {
        (pk, AlertKind.NOT_PUBLISHED, D(2027, 3, 16)) for pk in (11, 12, 21, 22)
    }
    assert not_published_notices(3, None, D(2027, 9, 1), people=PEOPLE, policy=policy) == []
