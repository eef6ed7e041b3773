"""A draft for tests: complete sections and measures, through the services or straight to the
database."""

from datetime import date
from decimal import Decimal

from plm_workflow.plans.models import (
    FundingLine,
    Indicator,
    Measure,
    PlanSection,
    PriorityAction,
    SectionKey,
)
from plm_workflow.plans.organisations import comune_organisation_ensure


def texts(**given) -> dict:
    """Every section's text, filled (``given`` overrides some)."""
    return {
        SectionKey.CONTEXT: "Il territorio e il fenomeno.\n\n- stagionali\n- residenti",
        SectionKey.OBJECTIVES: "Alloggi dignitosi e trasporti.",
        SectionKey.GOVERNANCE: "Il tavolo primario guida il piano.",
        SectionKey.MONITORING: "Indicatori raccolti ogni sei mesi.",
    } | given


def action(number: int = 5) -> PriorityAction:
    return PriorityAction.objects.get(number=number)


def measure_fields(plan, by=None, **given) -> dict:
    """A complete measure's fields: action 5, led by the comune itself, 2027."""
    lead = given.pop("lead", None)
    if lead is None:
        lead, _created = comune_organisation_ensure(comune=plan.comune, by=by)
    return {
        "priority_action_id": action().pk,
        "title": "Foresteria stagionale",
        "description": "Cinquanta posti letto per la stagione.",
        "lead_id": lead.pk,
        "starts_on": date(2027, 3, 1),
        "ends_on": date(2027, 12, 31),
    } | given


def funding(**given) -> list[dict]:
    return [{"source": "pnrr_m5c2_2_2", "amount": Decimal("1693747.15"), "cup": ""} | given]


def indicators(**given) -> list[dict]:
    return [
        {
            "name": "Posti letto disponibili",
            "unit": "posti",
            "baseline": Decimal("0"),
            "target": Decimal("52"),
            "target_date": None,
            "source": "Registro della foresteria",
        }
        | given
    ]


def measure(plan, by, **given) -> dict:
    """Keyword arguments of ``measure_save`` for one complete measure (but plan and person)."""
    return {
        "fields": measure_fields(plan, by, **given),
        "partners": [],
        "funding": funding(),
        "indicators": indicators(),
    }


def complete(plan, by) -> None:
    """Write a complete draft through the services (``by`` holds the draft task)."""
    from plm_workflow.steps.drafting import measure_save, sections_save

    sections_save(plan=plan, by=by, texts=texts())
    measure_save(plan=plan, by=by, **measure(plan, by))


def fill(plan, by) -> Measure:
    """Write a draft that passes the checks straight to the database (plans with no flow)."""
    for key, text in texts().items():
        PlanSection.objects.create(plan=plan, key=key, text=text, revision=1)
    fields = measure_fields(plan, by)
    row = Measure.objects.create(plan=plan, revision=1, **fields)
    FundingLine.objects.create(measure=row, **funding()[0])
    Indicator.objects.create(measure=row, **indicators()[0])
    return row
