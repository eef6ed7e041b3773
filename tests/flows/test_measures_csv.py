"""The measures' CSV of a plan, as an Italian spreadsheet opens it."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import translation

from flows.flows import PLMFlow
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.plans.models import FundingLine, Measure, MeasurePartner, Organisation
from tests import drafts
from tests.factories import ADOPTED, MembershipFactory, PlanFactory
from tests.flows.helpers import process_url

pytestmark = pytest.mark.django_db

COLUMNS = [
    "Comune",
    "Misura",
    "Azione prioritaria",
    "Asse",
    "Ente capofila",
    "Partner",
    "Fonte di finanziamento",
    "Importo (€)",
    "CUP",
    "Inizio",
    "Fine",
    "Indicatori",
]


@pytest.fixture
def plan():
    return PlanFactory(at="review")


def _url(plan) -> str:
    return PLMFlow.instance.reverse("measures_csv", args=[plan.process.pk])


def _rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def _download(client, plan, person):
    client.force_login(person)
    with translation.override("it"):
        return client.get(_url(plan), HTTP_ACCEPT_LANGUAGE="it")


def test_the_csv_has_the_columns_and_one_row_per_funding_line_in_italian(client, plan):
    measure = Measure.objects.get(plan=plan)
    FundingLine.objects.create(measure=measure, source="municipal", amount=Decimal("0.10"))
    partner = Organisation.objects.create(
        comune=plan.comune, name="Caritas diocesana", kind="third_sector"
    )
    MeasurePartner.objects.create(measure=measure, organisation=partner)
    person = MembershipFactory(comune=plan.comune).user

    response = _download(client, plan, person)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="misure-')
    header, *rows = _rows(response)
    assert header == COLUMNS
    assert len(rows) == 2
    by_source = {row[6]: row for row in rows}
    pnrr = by_source["PNRR M5C2 inv. 2.2"]
    assert pnrr[1] == "Foresteria stagionale"
    assert pnrr[2].startswith("Alloggi dignitosi")
    assert pnrr[3] == "Prevenzione"
    assert pnrr[5] == "Caritas diocesana"
    assert pnrr[7] == "1693747,15"
    assert pnrr[9] == "01/03/2027" and pnrr[10] == "31/12/2027"
    assert pnrr[11] == "Posti letto disponibili: 0 → 52 posti"
    assert by_source["Bilancio comunale"][7] == "0,10"


def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_neutralised(client, plan):
    measure = Measure.objects.get(plan=plan)
    measure.title = '=HYPERLINK("http://x.invalid","clic")'
    measure.save()
    person = MembershipFactory(comune=plan.comune).user

    header, row = _rows(_download(client, plan, person))

    assert row[1] == "'" + measure.title


def test_each_download_is_an_event_naming_who_and_how_many_rows(client, plan, auditor):
    response = _download(client, plan, auditor)

    assert response.status_code == 200
    event = Event.objects.filter(plan=plan, kind=EventKind.MEASURES_EXPORTED).get()
    assert event.actor == auditor
    assert event.payload["changes"] == {"rows": [None, 1], "measures": [None, 1]}


def test_a_plan_the_person_may_not_see_is_not_found_and_nothing_is_recorded(client, plan):
    stranger = MembershipFactory(comune=PlanFactory(at="draft").comune).user

    response = _download(client, plan, stranger)

    assert response.status_code == 404
    assert not Event.objects.filter(kind=EventKind.MEASURES_EXPORTED).exists()


def test_the_plan_page_links_the_csv_once_the_plan_has_measures(client, plan, auditor):
    client.force_login(auditor)

    page = client.get(process_url(plan.process)).content.decode()

    assert _url(plan) in page
    empty = PlanFactory(at="draft")
    assert _url(empty) not in client.get(process_url(empty.process)).content.decode()


def test_an_adopted_plan_exports_its_measures_as_adopted(client, auditor):
    adopted = PlanFactory(at=ADOPTED)

    header, *rows = _rows(_download(client, adopted, auditor))

    assert [row[1] for row in rows] == [drafts.measure_fields(adopted)["title"]]
