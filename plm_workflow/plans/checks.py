"""Named checks of the lifecycle: each a small function returning its message or None.

The checks that need the data of a step not built yet read that phase's note (a placeholder
each later step issue replaces with its real checks). Which transition runs which checks is
said once, in the phase registry (``phases.py``).
"""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from plm_workflow.limits import reason_too_long

from .models import RETURN_WITHOUT_COMMENTS, Crop, NeedsAssessment, Phase, PhaseNote, Settlement
from .models.assessment import FIGURES

WORKERS_MISSING = _(
    "Give the number of foreign agricultural workers (seasonal or resident): its range, "
    "whether it is declared or estimated, its reference year and its source."
)
CROPS_MISSING = _("Add at least one crop to the crop calendar, with its months of peak work.")
HOUSING_MISSING = _("Describe the housing conditions.")
KEY_ISSUES_MISSING = _("Write the key issues the plan must answer.")
SETTLEMENTS_MISSING = _("List the settlements, or tick “no settlements known”.")
TABLES_NOTE_MISSING = _("The stakeholder tables note is not filled.")
DRAFTING_NOTE_MISSING = _("The drafting note is not filled.")
ADOPTION_NOTE_MISSING = _("The adoption note is not filled.")
COMMENTS_MISSING = RETURN_WITHOUT_COMMENTS
REASON_MISSING = _("Give the reason.")


def _note_filled(plan, phase) -> bool:
    text = PhaseNote.objects.filter(plan=plan, phase=phase).values_list("text", flat=True).first()
    return bool(text and text.strip())


def _assessment(plan, memo=None):
    """Return the plan's assessment with whether it has crops with months and settlements.

    Read afresh (a copy cached on the plan may predate the save just made), once per run of
    the checks: ``memo`` is the run's.
    """
    memo = {} if memo is None else memo
    if "assessment" not in memo:
        memo["assessment"] = (
            NeedsAssessment.objects.filter(plan_id=plan.pk)
            .annotate(
                has_crops=Exists(Crop.objects.filter(assessment=OuterRef("pk")).exclude(months=[])),
                has_settlements=Exists(Settlement.objects.filter(assessment=OuterRef("pk"))),
            )
            .first()
        )
    return memo["assessment"]


def _figure_complete(assessment, figure) -> bool:
    values = [getattr(assessment, f"{figure}_{part}") for part in ("min", "max", "year")]
    return (
        all(value is not None for value in values)
        and bool(getattr(assessment, f"{figure}_kind"))
        and bool(getattr(assessment, f"{figure}_source").strip())
    )


def assessment_workers_given(plan, memo=None, **inputs):
    """The worker estimate, with its kind, year and source (seasonal or resident)."""
    assessment = _assessment(plan, memo)
    if assessment and any(_figure_complete(assessment, figure) for figure in FIGURES):
        return None
    return WORKERS_MISSING


def assessment_crops_given(plan, memo=None, **inputs):
    """At least one crop with its months."""
    assessment = _assessment(plan, memo)
    return None if assessment and assessment.has_crops else CROPS_MISSING


def assessment_housing_given(plan, memo=None, **inputs):
    assessment = _assessment(plan, memo)
    return None if assessment and assessment.housing.strip() else HOUSING_MISSING


def assessment_key_issues_given(plan, memo=None, **inputs):
    assessment = _assessment(plan, memo)
    return None if assessment and assessment.key_issues.strip() else KEY_ISSUES_MISSING


def assessment_settlements_stated(plan, memo=None, **inputs):
    """Settlements listed, or "none known" stated (not both: the services refuse that)."""
    assessment = _assessment(plan, memo)
    stated = assessment and (assessment.no_settlements_known or assessment.has_settlements)
    return None if stated else SETTLEMENTS_MISSING


ASSESSMENT_CHECKS = (
    assessment_workers_given,
    assessment_crops_given,
    assessment_housing_given,
    assessment_key_issues_given,
    assessment_settlements_stated,
)


def tables_note_filled(plan, **inputs):
    return None if _note_filled(plan, Phase.TABLES) else TABLES_NOTE_MISSING


def drafting_note_filled(plan, **inputs):
    return None if _note_filled(plan, Phase.DRAFTING) else DRAFTING_NOTE_MISSING


def adoption_note_filled(plan, **inputs):
    return None if _note_filled(plan, Phase.ADOPTION) else ADOPTION_NOTE_MISSING


def comments_given(plan, *, comments: str = "", **inputs):
    return None if comments.strip() else COMMENTS_MISSING


def reason_given(plan, *, reason: str = "", **inputs):
    return None if reason.strip() else REASON_MISSING


def inputs_within_limits(plan, *, comments: str = "", reason: str = "", **inputs):
    """Refuse comments or a reason over REASON_MAX_CHARS (every transition runs this)."""
    return reason_too_long(comments) or reason_too_long(reason)
