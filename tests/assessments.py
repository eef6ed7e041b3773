"""A needs assessment for tests: complete data, written through the service or over HTTP."""

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


def complete(**fields) -> dict:
    """Return the keyword arguments of ``assessment_save`` for a complete assessment."""
    return {
        "fields": FIELDS | fields,
        "crops": [dict(row) for row in CROPS],
        "settlements": [dict(row) for row in SETTLEMENTS],
    }


def fill(plan, **fields) -> NeedsAssessment:
    """Write a complete assessment straight to the database (plans with no flow)."""
    assessment = NeedsAssessment.objects.create(plan=plan, revision=1, **(FIELDS | fields))
    for row in CROPS:
        Crop.objects.create(assessment=assessment, **row)
    for row in SETTLEMENTS:
        Settlement.objects.create(assessment=assessment, **row)
    return assessment


def _value(value):
    return "" if value is None else value


def post_data(assessment=None, *, submit=True, version=None, **fields) -> dict:
    """Return the assess page's POST for a complete assessment (replacing any rows it has)."""
    data = {name: _value(value) for name, value in (FIELDS | fields).items()}
    if not data["no_settlements_known"]:
        data.pop("no_settlements_known")
    else:
        data["no_settlements_known"] = "on"
    data["version"] = version if version is not None else (assessment.revision if assessment else 0)
    data["_submit" if submit else "_draft"] = "1"
    for prefix, rows, stored in (
        ("crops", CROPS, list(assessment.crops.all()) if assessment else []),
        ("settlements", SETTLEMENTS, list(assessment.settlements.all()) if assessment else []),
    ):
        forms = [(row.pk, True, {}) for row in stored] + [(None, False, row) for row in rows]
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
                stored_row = stored[index]
                row = {
                    name: getattr(stored_row, name)
                    for name in (CROPS[0] if prefix == "crops" else SETTLEMENTS[0])
                }
            if delete:
                data[key + "DELETE"] = "on"
            for name, value in row.items():
                data[key + name] = [str(m) for m in value] if name == "months" else _value(value)
    return data
