"""A needs assessment for tests: complete data, written through the service or over HTTP."""

from plm_workflow.plans import checks
from plm_workflow.plans.models import Crop, NeedsAssessment, Settlement

FIELDS = {
    "seasonal_min": 10_000,
    "seasonal_max": 12_000,
    "seasonal_kind": "estimated",
    "seasonal_year": 2022,
    "seasonal_source": "Comune, stima dei servizi sociali",
    "resident_min": None,
    "resident_max": None,
    "resident_kind": "",
    "resident_year": None,
    "resident_source": "",
    "countries_of_origin": "Mali, Senegal, Costa d'Avorio",
    "housing": "Affitti alti, sovraffollamento; dormitorio stagionale.",
    "transport": "",
    "health_access": "",
    "services": "",
    "key_issues": "Alloggio nei mesi di raccolta.",
    "data_sources": "",
    "no_settlements_known": False,
}
CROPS = [{"name": "Mele", "months": [8, 9, 10], "workers_at_peak": 6_000}]
SETTLEMENTS = [
    {
        "name": "Dormitorio stagionale",
        "kind": "reception_centre",
        "people_peak": 360,
        "people_off_season": 0,
        "capacity": 360,
        "months": [5, 6, 7, 8, 9, 10, 11],
        "water": "yes",
        "electricity": "yes",
        "sanitation": "yes",
        "notes": "",
    }
]


# Each named check of ``complete_assessment`` failing alone: its message, and what a complete
# assessment (``complete``) lacks for it (keyword arguments of ``complete`` and ``fill``).
FAILING_ALONE = {
    # A figure without its source is not given, and the other figure is empty.
    "workers": (checks.WORKERS_MISSING, {"seasonal_source": ""}),
    "crops": (checks.CROPS_MISSING, {"crops": []}),
    "housing": (checks.HOUSING_MISSING, {"housing": ""}),
    "key_issues": (checks.KEY_ISSUES_MISSING, {"key_issues": "  \n "}),
    "settlements": (checks.SETTLEMENTS_MISSING, {"settlements": []}),
}


def complete(*, crops=None, settlements=None, **fields) -> dict:
    """Return the keyword arguments of ``assessment_save`` for a complete assessment.

    ``fields`` replace some of ``FIELDS``; ``crops`` and ``settlements`` the rows.
    """
    return {
        "fields": FIELDS | fields,
        "crops": [dict(row) for row in (CROPS if crops is None else crops)],
        "settlements": [dict(row) for row in (SETTLEMENTS if settlements is None else settlements)],
    }


def fill(plan, **given) -> NeedsAssessment:
    """Write a complete assessment straight to the database (plans with no flow).

    Takes what ``complete`` takes.
    """
    values = complete(**given)
    assessment = NeedsAssessment.objects.create(plan=plan, revision=1, **values["fields"])
    for row in values["crops"]:
        Crop.objects.create(assessment=assessment, **row)
    for row in values["settlements"]:
        Settlement.objects.create(assessment=assessment, **row)
    return assessment


def state(plan) -> tuple:
    """Return the plan's assessment as stored: its fields, crops and settlements (None: none)."""
    assessment = NeedsAssessment.objects.filter(plan=plan).first()
    if assessment is None:
        return None
    return (
        {name: getattr(assessment, name) for name in [*FIELDS, "revision", "copied_from_id"]},
        list(assessment.crops.order_by("pk").values("pk", *CROPS[0])),
        list(assessment.settlements.order_by("pk").values("pk", *SETTLEMENTS[0])),
    )


def _value(value):
    return "" if value is None else value


def post_data(
    assessment=None,
    *,
    submit=True,
    version=None,
    keep_rows=False,
    crops=None,
    settlements=None,
    **fields,
) -> dict:
    """Return the assess page's POST for a complete assessment.

    The rows the assessment has are deleted and ``crops`` and ``settlements`` (``CROPS`` and
    ``SETTLEMENTS`` by default) added; with ``keep_rows`` its rows are posted as they are and
    none added (the same assessment submitted again).
    """
    data = {name: _value(value) for name, value in (FIELDS | fields).items()}
    if not data["no_settlements_known"]:
        data.pop("no_settlements_known")
    else:
        data["no_settlements_known"] = "on"
    data["version"] = version if version is not None else (assessment.revision if assessment else 0)
    data["_submit" if submit else "_draft"] = "1"
    for prefix, rows, names, stored in (
        (
            "crops",
            CROPS if crops is None else crops,
            CROPS[0],
            list(assessment.crops.order_by("pk")) if assessment else [],
        ),
        (
            "settlements",
            SETTLEMENTS if settlements is None else settlements,
            SETTLEMENTS[0],
            list(assessment.settlements.order_by("pk")) if assessment else [],
        ),
    ):
        forms = [
            (row.pk, not keep_rows, {name: getattr(row, name) for name in names}) for row in stored
        ]
        if not keep_rows:
            forms += [(None, False, row) for row in rows]
        data |= {
            f"{prefix}-TOTAL_FORMS": len(forms),
            f"{prefix}-INITIAL_FORMS": len(stored),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
        for index, (pk, delete, row) in enumerate(forms):
            key = f"{prefix}-{index}-"
            if pk is not None:
                data[key + "id"] = pk
            if delete:
                data[key + "DELETE"] = "on"
            for name, value in row.items():
                data[key + name] = [str(m) for m in value] if name == "months" else _value(value)
    return data
