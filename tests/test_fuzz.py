"""Every form of the app, fed random text, huge numbers and control characters: never a 5xx,
and a refusal changes nothing (no table's row count, no audit chain's head).

The forms are found in the ``forms`` package: a new form without a driver here fails
``test_every_form_has_a_driver``. A driver says which page uses the form, who is logged in
and which fields to fill. Bounded (a few examples per form) to stay within the suite's time.
"""

import importlib
import pkgutil
from dataclasses import dataclass, field

import pytest
from django import forms as django_forms
from django.test.utils import ContextList
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import forms as forms_package
from flows.flows import PLMFlow
from forms.drafting import measure_comment_name, section_comment_name
from plm_workflow.deadlines.models import PhaseDate
from plm_workflow.plans.models import (
    Adoption,
    Measure,
    Meeting,
    NeedsAssessment,
    Organisation,
    Phase,
    PlanSection,
)
from plm_workflow.roles import Role
from plm_workflow.steps.tables import meeting_save
from tests import assessments, drafts
from tests.conftest import pdf_upload
from tests.factories import ADOPTED, PlanFactory
from tests.flows.helpers import claim, open_task, url
from tests.tables import complete as tables_complete
from tests.test_bad_input import database_state, errors_of

pytestmark = pytest.mark.django_db

EXAMPLES = 12


def _discover() -> set[str]:
    """Return the dotted names of the forms (plain and model forms) the forms package defines."""
    found = set()
    for info in pkgutil.iter_modules(forms_package.__path__):
        module = importlib.import_module(f"forms.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, django_forms.BaseForm)
                and not value.__name__.startswith("_")
                and value.__module__ == module.__name__
            ):
                found.add(f"{module.__name__}.{value.__name__}")
    return found


# --- What is posted --------------------------------------------------------------------------

NASTY = [
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\x07\x08",
    "\x7f",
    "2027-03-08junk",
    "08/03/2027\x00",
    "-1",
    "0",
    "",
    " ",
    "9" * 40,
    str(2**63),
    str(2**64),
    "1e309",
    "NaN",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "'; DROP TABLE plans_plan; --",
    "\ud7ff\ue000",
]


def _value(base: str | None = None):
    options = [
        st.text(max_size=40),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(NASTY),
        st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),
    ]
    if base is not None:
        options.append(st.just(base))
        options.append(st.sampled_from(NASTY).map(lambda nasty: base + nasty))
    return st.one_of(options)


@dataclass
class Page:
    """Where a form is used: the address, the method, the person and the fields."""

    client: object
    address: str
    fields: dict  # name -> a plausible value (str), or a list for a multiple choice
    method: str = "post"
    extra: dict = field(default_factory=dict)  # sent as is (files, submit buttons)

    def strategy(self):
        parts = {}
        for name, base in self.fields.items():
            if isinstance(base, list):
                parts[name] = st.lists(_value(str(base[0]) if base else None), max_size=3)
            else:
                parts[name] = _value(base)
        return st.fixed_dictionaries(parts)

    def send(self, data):
        payload = {**data, **{k: v() if callable(v) else v for k, v in self.extra.items()}}
        if self.method == "get":
            return self.client.get(self.address, payload)
        return self.client.post(self.address, payload)


def _refused(response) -> bool:
    if response.status_code >= 400 or errors_of(response):
        return True
    context = getattr(response, "context", None)
    if context is None:
        return False
    form = context.get("form")
    if form is not None and form.is_bound and form.errors:
        return True
    # A page with formsets (the assessment's rows): a row refused refuses the page.
    layers = context if isinstance(context, ContextList) else [context]
    formsets = {
        id(value): value
        for layer in layers
        for value in layer.flatten().values()
        if isinstance(value, django_forms.BaseFormSet)
    }
    return any(
        formset.is_bound and (formset.non_form_errors() or any(formset.errors))
        for formset in formsets.values()
    )


# --- The drivers: one per form class ---------------------------------------------------------


def _logged_in(request, person):
    client = request.getfixturevalue("client")
    client.force_login(request.getfixturevalue(person))
    return client


def _plan_state(request):
    plan = request.getfixturevalue("flow_plan")
    client = _logged_in(request, "lead")
    address = PLMFlow.instance.reverse("process_suspend", args=[plan.process.pk])
    return Page(client, address, {"reason": "Elezioni"}, extra={"confirmed": "1"})


def _phase_move(request):
    plan = request.getfixturevalue("flow_plan")
    client = _logged_in(request, "lead")
    shown = PhaseDate.objects.get(plan=plan, phase=Phase.TABLES).current
    address = PLMFlow.instance.reverse("phase_date", args=[plan.process.pk, Phase.TABLES])
    return Page(
        client,
        address,
        {"date": shown.isoformat(), "reason": "Proroga", "shown": shown.isoformat()},
        extra={"shift_later": "on"},
    )


def _due_move(request):
    plan = request.getfixturevalue("flow_plan")
    client = _logged_in(request, "lead")
    task = open_task(plan)
    address = PLMFlow.instance.reverse("due_date", args=[plan.process.pk, task.pk])
    shown = task.step.due.isoformat()
    return Page(client, address, {"date": shown, "reason": "Ferie", "shown": shown})


def _patron_day(request):
    plan = request.getfixturevalue("flow_plan")
    client = _logged_in(request, "lead")
    return Page(
        client,
        f"/comuni/{plan.comune.istat_code}/",
        {"patron_day": "3", "patron_month": "12", "shown": ""},
    )


def _comune_search(request):
    request.getfixturevalue("comune")
    client = _logged_in(request, "lead")
    return Page(client, reverse("comune_search"), {"q": "Salu"}, method="get")


def _launch(request):
    data = request.getfixturevalue("launch_data")
    client = _logged_in(request, "lead")
    fields = {key: value for key, value in data.items() if key != "adhesion_act_file"}
    return Page(
        client,
        request.getfixturevalue("launch_url"),
        fields,
        extra={"adhesion_act_file": pdf_upload},
    )


def _task_filter(request):
    request.getfixturevalue("flow_plan")
    client = _logged_in(request, "coordinator")
    return Page(
        client,
        reverse("home:inbox"),
        {"comune": "Saluzzo (CN)", "region": "Piemonte", "phase": "assessment"},
        method="get",
    )


def _timeline_filter(request):
    """A plan's timeline, as an auditor filters it: who, what, phase, from and to (a GET)."""
    plan = request.getfixturevalue("flow_plan")
    client = _logged_in(request, "auditor")
    return Page(
        client,
        PLMFlow.instance.reverse("process_timeline", args=[plan.process.pk]),
        {
            "actor": "system:flow",
            "kind": ["task.created"],
            "phase": "assessment",
            "since": "2022-07-01",
            "until": "2027-03-08",
        },
        method="get",
    )


def _as_posted(value):
    return [str(item) for item in value] if isinstance(value, list) else str(value)


def _assessment(prefix):
    """The assess page, its fields of one form junk (``prefix``: a row's), the rest complete.

    Drafts keep the task open; each post carries the revision saved last, so that no
    example is refused only for coming from an out-of-date page.
    """

    def driver(request):
        plan = request.getfixturevalue("flow_plan")
        person = request.getfixturevalue("coordinator")
        client = request.getfixturevalue("client")
        task = open_task(plan)
        claim(client, person, task)
        data = assessments.post_data(submit=False)
        del data["version"]
        mine = {
            name
            for name in data
            if (name.startswith(prefix) if prefix else "-" not in name and name != "_draft")
        }
        if not prefix:
            mine.add("no_settlements_known")  # a tick, absent when not ticked
        data.setdefault("no_settlements_known", "")
        fields = {name: _as_posted(data[name]) for name in sorted(mine)}
        extra = {name: value for name, value in data.items() if name not in mine}
        extra["version"] = lambda: str(
            NeedsAssessment.objects.filter(plan=plan).values_list("revision", flat=True).first()
            or 0
        )
        return Page(client, url(task, "execute"), fields, extra=extra)

    return driver


def _tables(form):
    """A page of the tables step, as its form is posted: ``organisation`` (added inline on the
    editor), ``table`` (a new one), ``meeting`` (a new one of the core table), ``record``
    (the minutes and attendance a meeting lacks, added in drafting from the plan's page)."""

    def driver(request):
        plan = PlanFactory(at="draft" if form == "record" else "convene_tables")
        person = plan.comune.memberships.get(role=Role.COORDINATOR).user
        client = request.getfixturevalue("client")
        client.force_login(person)
        itself = Organisation.objects.get(comune_id=plan.comune_id, is_the_comune=True)
        if form == "record":
            core = plan.tables.get(kind="core")
            meeting = meeting_save(
                plan=plan,
                by=person,
                table=core.pk,
                starts_at=core.meetings.first().starts_at,
                place="Sala",
            )
            address = PLMFlow.instance.reverse(
                "tables_meeting_record", args=[plan.process.pk, meeting.pk]
            )
            fields = {"minutes": "Verbale.", "attendance": [itself.pk], "head_count": "4"}
            extra = {
                "version": lambda: str(Meeting.objects.get(pk=meeting.pk).revision),
                "minutes_upload": pdf_upload,
            }
            return Page(client, address, fields, extra=extra)
        task = open_task(plan)
        node = task.flow_task
        pages = {
            "organisation": (
                node.reverse("execute", args=[plan.process.pk, task.pk]),
                {"name": "Prefettura di Cuneo", "kind": "prefettura", "email": "p@example.org"},
                {"_add_organisation": "1"},
            ),
            "table": (
                node.reverse("page_table_new", args=[plan.process.pk, task.pk]),
                {
                    "kind": "thematic",
                    "theme": "housing",
                    "name": "Gruppo abitare",
                    "convenor": str(itself.pk),
                    "members": [itself.pk],
                    "version": "0",
                },
                {},
            ),
        }
        if form == "meeting":
            core = tables_complete(plan, person)["core"]
            pages["meeting"] = (
                node.reverse("page_meeting_new", args=[plan.process.pk, task.pk, core.pk]),
                {
                    "starts_at": "2022-09-12T10:00",
                    "place": "Sala consiliare",
                    "online_link": "https://meet.example.org/tavolo",
                    "agenda": "Avvio.",
                    "attendance": [itself.pk],
                    "head_count": "6",
                    "minutes": "Verbale.",
                    "decisions": "Nessuna.",
                    "version": "0",
                },
                {"minutes_upload": pdf_upload},
            )
        address, fields, extra = pages[form]
        fields = {name: _as_posted(value) for name, value in fields.items()}
        return Page(client, address, fields, extra=extra)

    return driver


def _draft(form):
    """A page of the draft, as its form is posted: ``sections`` (the editor's sections, each
    with the revision saved last), or a new measure's page with the fields of ``measure``,
    ``funding`` (its first line) or ``indicator`` (its first indicator) junk and the rest
    complete. Each save keeps the task open, so every example reaches the form."""

    def driver(request):
        plan = PlanFactory(at="draft")
        person = plan.comune.memberships.get(role=Role.COORDINATOR).user
        client = request.getfixturevalue("client")
        client.force_login(person)
        task = open_task(plan)
        if form == "sections":
            fields = dict(drafts.texts())
            extra = {"_save_sections": "1"}
            for key in fields:
                extra[f"{key}_version"] = lambda key=key: str(
                    PlanSection.objects.filter(plan=plan, key=key)
                    .values_list("revision", flat=True)
                    .first()
                    or 0
                )
            return Page(client, url(task, "execute"), fields, extra=extra)
        itself = Organisation.objects.get(comune_id=plan.comune_id, is_the_comune=True)
        measure = {
            "title": "Foresteria stagionale",
            "priority_action": str(drafts.action(5).pk),
            "description": "Cinquanta posti letto.",
            "lead": str(itself.pk),
            "partners": [itself.pk],
            "starts_on": "2027-03-01",
            "ends_on": "2027-12-31",
            "version": "0",
        }
        parts = {
            "measure": measure,
            "funding": {"source": "fnpm", "amount": "1.234,56", "cup": "J51B21004880006"},
            "indicators": {
                "name": "Posti letto",
                "unit": "posti",
                "baseline": "0",
                "target": "52",
                "target_date": "2027-12-31",
                "source": "Registro",
            },
        }
        data = dict(measure)
        for prefix in ("funding", "indicators"):
            data |= {
                f"{prefix}-TOTAL_FORMS": "1",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "20",
                **{f"{prefix}-0-{name}": value for name, value in parts[prefix].items()},
            }
        prefix = {"measure": "", "funding": "funding-0-", "indicator": "indicators-0-"}[form]
        source = parts["indicators" if form == "indicator" else form]
        mine = {f"{prefix}{name}" for name in source}
        fields = {name: _as_posted(data[name]) for name in sorted(mine)}
        extra = {name: value for name, value in data.items() if name not in mine}
        extra["_save"] = "1"
        address = task.flow_task.reverse("page_measure_new", args=[plan.process.pk, task.pk])
        return Page(client, address, fields, extra=extra)

    return driver


def _review(request):
    """The review page: a return with comments, one on a section and one on the measure."""
    plan = PlanFactory(at="review")
    person = plan.comune.memberships.get(role=Role.FACILITATOR).user
    client = request.getfixturevalue("client")
    task = open_task(plan)
    client.force_login(person)
    if task.owner_id != person.pk:
        claim(client, person, task)
    measure = Measure.objects.get(plan=plan)
    fields = {
        "decision": "returned",
        "comments": "Manca la mappa.",
        section_comment_name("context"): "Aggiungere i dati.",
        measure_comment_name(measure.pk): "Manca il CUP.",
    }
    return Page(client, url(task, "execute"), fields)


def _check(node):
    def driver(request):
        plan = PlanFactory(at=node)
        person = plan.comune.memberships.get(role=Role.FACILITATOR).user
        client = request.getfixturevalue("client")
        task = open_task(plan)
        client.force_login(person)
        if task.owner_id != person.pk:
            claim(client, person, task)
        return Page(
            client, url(task, "execute"), {"decision": "returned", "comments": "Manca la mappa."}
        )

    return driver


def _adoption_act(request):
    """The record_adoption page: the act's fields junk, drafts with a signed act and an annex
    (each PDF checked by its content), the revision saved last carried along."""
    plan = PlanFactory(at="record_adoption")
    person = plan.comune.memberships.get(role=Role.COORDINATOR).user
    client = request.getfixturevalue("client")
    client.force_login(person)
    task = open_task(plan)
    fields = {
        "body": "giunta",
        "act_number": "112",
        "act_date": timezone.localdate().isoformat(),
        "immediately_enforceable": "on",
        "notes": "Delibera di Giunta.",
    }
    extra = {
        "_draft": "1",
        "version": lambda: str(
            Adoption.objects.filter(plan=plan).values_list("revision", flat=True).first() or 0
        ),
        "signed_act": pdf_upload,
        "annexes": lambda: [pdf_upload("allegato.pdf")],
    }
    return Page(client, url(task, "execute"), fields, extra=extra)


def _adoption_check(request):
    """The verify_adoption page: a return, or an approval posted from its confirmation."""
    driver = _check("verify_adoption")(request)
    driver.fields["confirmed"] = "1"
    return driver


def _publication(request):
    """An adopted plan's publication, as its coordinator records it (then corrects it, giving
    a reason) from the plan's page."""
    plan = PlanFactory(at=ADOPTED)
    person = plan.comune.memberships.get(role=Role.COORDINATOR).user
    client = request.getfixturevalue("client")
    client.force_login(person)
    today = timezone.localdate().isoformat()
    fields = {
        "published_from": today,
        "published_to": today,
        "register_number": "1234/2023",
        "publication_link": "https://albo.example.org/atti/1234",
        "reason": "Numero errato.",
    }
    extra = {"version": lambda: str(Adoption.objects.get(plan=plan).revision)}
    address = PLMFlow.instance.reverse("publication", args=[plan.process.pk])
    return Page(client, address, fields, extra=extra)


def _password_reset(request):
    request.getfixturevalue("coordinator")
    client = request.getfixturevalue("client")
    return Page(client, reverse("password_reset"), {"email": "coord@example.org"})


def _profile(request):
    client = _logged_in(request, "coordinator")
    return Page(client, reverse("profile"), {"language": "en", "notifications": "digest"})


DRIVERS = {
    "forms.plan.ReasonForm": _plan_state,
    "forms.plan.DateMoveForm": _due_move,
    "forms.plan.PhaseDateMoveForm": _phase_move,
    "forms.plan.PatronDayForm": _patron_day,
    "forms.plan.ComuneSearchForm": _comune_search,
    "forms.launch.LaunchForm": _launch,
    "forms.tasks.TaskFilterForm": _task_filter,
    "forms.timeline.TimelineFilterForm": _timeline_filter,
    "forms.steps.DecisionForm": _check("check_assessment"),
    "forms.assessment.AssessmentWorkForm": _assessment(""),
    "forms.assessment.CropForm": _assessment("crops-0-"),
    "forms.assessment.SettlementForm": _assessment("settlements-0-"),
    "forms.assessment.AssessmentCheckForm": _check("check_assessment"),
    "forms.tables.OrganisationForm": _tables("organisation"),
    "forms.tables.TableForm": _tables("table"),
    "forms.tables.MeetingForm": _tables("meeting"),
    "forms.tables.MeetingRecordForm": _tables("record"),
    "forms.tables.TablesCheckForm": _check("check_tables"),
    "forms.drafting.SectionsForm": _draft("sections"),
    "forms.drafting.MeasureForm": _draft("measure"),
    "forms.drafting.FundingLineForm": _draft("funding"),
    "forms.drafting.IndicatorForm": _draft("indicator"),
    "forms.drafting.DraftingCheckForm": _review,
    "forms.adoption.AdoptionWorkForm": _adoption_act,
    "forms.adoption.AdoptionCheckForm": _adoption_check,
    "forms.adoption.PublicationForm": _publication,
    "forms.accounts.ThrottledPasswordResetForm": _password_reset,
    "forms.profile.ProfileForm": _profile,
}

FORMS = _discover()


def test_every_form_has_a_driver():
    missing = sorted(FORMS - set(DRIVERS))
    assert not missing, f"forms without a fuzz driver in tests/test_fuzz.py: {missing}"


@pytest.mark.parametrize("name", sorted(FORMS & set(DRIVERS)))
def test_a_form_fed_junk_never_answers_5xx_and_a_refusal_changes_nothing(request, name):
    page = DRIVERS[name](request)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=page.strategy())
    def post_junk(data):
        before = database_state()
        response = page.send(data)
        assert response.status_code < 500, (data, response.status_code)
        if _refused(response):
            assert database_state() == before, data

    post_junk()
