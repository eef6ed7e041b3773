"""Bad input never answers 500: a NUL byte, an id beyond the integer range, a date with junk.

Each is refused with a 400 or the form's message, and nothing changes: no table's row count,
no audit chain's head. Runs on SQLite and on PostgreSQL (``DATABASE_URL``).
"""

import datetime

import pytest
from django.apps import apps
from django.contrib.messages import constants, get_messages
from django.utils import translation
from django.utils.html import escape

from forms.plan import INVALID_DATE
from plm_workflow.audit.selectors import heads_list
from plm_workflow.deadlines.models import PhaseDate
from plm_workflow.ids import CONTROL_CHARACTERS
from plm_workflow.middleware import CONTROL_IN_ADDRESS
from plm_workflow.plans.models import PATRON_DAY_INVALID, Phase, Plan
from tests.conftest import pdf_upload
from tests.flows.helpers import claim, open_task, url

pytestmark = pytest.mark.django_db

HUGE = [str(2**63), str(2**64), "9" * 40]


def database_state():
    """Return every table's row count and the audit chains' heads."""
    counts = {
        model._meta.db_table: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return counts, heads_list()


def errors_of(response) -> list[str]:
    """Return the error messages this request added (not those left by earlier ones)."""
    added = get_messages(response.wsgi_request)._queued_messages
    return [str(m) for m in added if m.level == constants.ERROR]


def _flow(plan):
    return plan.process.flow_class.instance


@pytest.mark.parametrize(
    "address",
    [
        "/comuni/%00/",
        "/comuni/0042%0003/",
        "/comuni/search/?q=Agl%00",
        "/comuni/search/?q=Agl%01",
        "/comuni/search/?%00=x",
        "/home/%1b/",
    ],
)
def test_a_control_character_in_the_address_is_a_400(client, lead, flow_plan, address):
    client.force_login(lead)
    before = database_state()

    response = client.get(address)

    assert response.status_code == 400
    with translation.override("it"):
        assert response.content.decode() == str(CONTROL_IN_ADDRESS)
    assert database_state() == before


@pytest.mark.parametrize("code", ["4203", "0042031", "abcdef", "004 03"])
def test_a_comune_code_that_is_not_six_digits_is_not_found(client, lead, flow_plan, code):
    client.force_login(lead)

    assert client.get(f"/comuni/{code}/").status_code == 404


def test_the_comune_search_still_answers_plain_text(client, lead, flow_plan):
    client.force_login(lead)

    response = client.get("/comuni/search/", {"q": "Saluz"})

    assert response.status_code == 200
    assert response.json() == {"results": ["Saluzzo (CN)"]}


def test_a_search_too_long_is_refused_with_a_400(client, lead, flow_plan):
    client.force_login(lead)

    response = client.get("/comuni/search/", {"q": "a" * 300})

    assert response.status_code == 400
    assert response.json()["results"] == []


@pytest.mark.parametrize("action", ["suspend", "withdraw"])
@pytest.mark.parametrize("reason", ["Elezioni\x00", "\x00", "Bell\x07", "a\x1fb"])
def test_a_control_character_in_a_state_reason_is_refused(client, lead, flow_plan, action, reason):
    client.force_login(lead)
    before = database_state()
    process = flow_plan.process

    response = client.post(
        _flow(flow_plan).reverse(f"process_{action}", args=[process.pk]),
        {"reason": reason, "confirmed": "1"},
    )

    assert response.status_code == 200  # the confirmation step, refused beside the reason
    assert any(
        str(CONTROL_CHARACTERS) in message for message in response.context["form"].errors["reason"]
    )
    assert database_state() == before


def test_tabs_and_line_breaks_in_a_reason_are_taken(client, lead, flow_plan):
    client.force_login(lead)
    process = flow_plan.process

    client.post(
        _flow(flow_plan).reverse("process_suspend", args=[process.pk]),
        {"reason": "Elezioni\tcomunali\r\nnuova giunta", "confirmed": "1"},
    )

    flow_plan.refresh_from_db()
    assert flow_plan.suspension_reason == "Elezioni\tcomunali\r\nnuova giunta"


def _phase_move(plan):
    row = PhaseDate.objects.get(plan=plan, phase=Phase.ASSESSMENT)
    return _flow(plan).reverse("phase_date", args=[plan.process.pk, Phase.ASSESSMENT]), row.current


def _due_move(plan):
    task = open_task(plan)
    return _flow(plan).reverse("due_date", args=[plan.process.pk, task.pk]), task.step.due


MOVES = {"phase": _phase_move, "task": _due_move}


@pytest.mark.parametrize("move", list(MOVES))
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reason", "Ferie\x00", CONTROL_CHARACTERS),
        ("reason", "Fe\x0brie", CONTROL_CHARACTERS),
        ("date", "{new}\x00", INVALID_DATE),
        ("date", "{new}junk", INVALID_DATE),
        ("date", "{new}T00:00", INVALID_DATE),
        ("date", "99999-01-01", INVALID_DATE),
        ("date", "31/02/2027", INVALID_DATE),
        ("date", "9" * 40, INVALID_DATE),
        ("shown", "{shown}\x00", None),
        ("shown", "{shown}x", None),
    ],
)
def test_a_bad_date_move_is_refused_and_changes_nothing(
    client, lead, flow_plan, move, field, value, message
):
    address, shown = MOVES[move](flow_plan)
    new = shown + datetime.timedelta(days=7)
    data = {"date": new.isoformat(), "reason": "Ferie", "shown": shown.isoformat()}
    data[field] = value.format(new=new.isoformat(), shown=shown.isoformat())
    client.force_login(lead)
    before = database_state()

    response = client.post(address, data)

    assert response.status_code == 302
    refused = errors_of(response)
    assert refused
    if message is not None:
        assert any(str(message) in text for text in refused), refused
    assert database_state() == before


@pytest.mark.parametrize("move", list(MOVES))
def test_a_date_move_in_the_other_format_is_taken(client, lead, flow_plan, move):
    address, shown = MOVES[move](flow_plan)
    new = shown + datetime.timedelta(days=7)
    client.force_login(lead)

    response = client.post(
        address,
        {"date": new.strftime("%d/%m/%Y"), "reason": "Ferie", "shown": shown.strftime("%d/%m/%Y")},
    )

    assert errors_of(response) == []
    assert MOVES[move](flow_plan)[1] != shown


@pytest.mark.parametrize(
    ("day", "month", "shown"),
    [
        ("3\x00", "12", ""),
        ("3", "12\x00", ""),
        ("3", "12", "\x00"),
        (HUGE[0], "12", ""),
        ("3", HUGE[2], ""),
        ("-1", "12", ""),
        ("3", "", ""),
        ("3", "12", "99/99/99"),
    ],
)
def test_a_bad_patron_day_is_refused_and_changes_nothing(
    client, lead, flow_plan, day, month, shown
):
    client.force_login(lead)
    before = database_state()

    response = client.post(
        f"/comuni/{flow_plan.comune.istat_code}/",
        {"patron_day": day, "patron_month": month, "shown": shown},
        follow=True,
    )

    assert response.status_code == 200
    assert database_state() == before
    flow_plan.comune.refresh_from_db()
    assert flow_plan.comune.patron_day is None


def test_a_huge_patron_day_says_why(client, lead, flow_plan):
    client.force_login(lead)

    response = client.post(
        f"/comuni/{flow_plan.comune.istat_code}/",
        {"patron_day": HUGE[1], "patron_month": "1"},
        follow=True,
    )

    assert escape(str(PATRON_DAY_INVALID)) in response.content.decode()


@pytest.mark.parametrize("role", ["coordinators", "facilitators"])
@pytest.mark.parametrize("value", [*HUGE, "-1", "1.5", "1\x00", "x"])
def test_a_person_id_beyond_the_integer_range_is_refused_at_launch(
    client, lead, launch_url, launch_data, role, value
):
    client.force_login(lead)
    before = database_state()
    data = {**launch_data, role: [launch_data[role][0], value], "adhesion_act_file": pdf_upload()}

    response = client.post(launch_url, data)

    assert response.status_code == 200
    assert response.context["form"].errors[role]
    assert not Plan.objects.exists()
    assert database_state() == before


@pytest.mark.parametrize("value", [*HUGE, "1\x00", ""])
def test_a_reassignment_to_a_huge_id_is_refused(client, lead, coordinator, flow_plan, value):
    task = open_task(flow_plan)
    claim(client, coordinator, task)
    client.force_login(lead)
    before = database_state()

    response = client.post(url(task, "reassign"), {"to": value})

    assert response.status_code < 500
    assert database_state() == before
