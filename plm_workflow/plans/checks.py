"""Named checks of the lifecycle: each a small function returning its message or None.

Each reads its phase's rows once per run of the checks (the run's ``memo``). Which transition
runs which checks is said once, in the phase registry (``phases.py``).
"""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from plm_workflow.formats.prose import short_date
from plm_workflow.limits import reason_too_long

from .models import (
    RETURN_WITHOUT_COMMENTS,
    Adoption,
    Crop,
    FundingLine,
    Indicator,
    Measure,
    NeedsAssessment,
    Phase,
    PlanSection,
    Review,
    ReviewDecision,
    SectionKey,
    Settlement,
)
from .models.adoption import ACT_DATE_IN_FUTURE
from .models.assessment import FIGURES
from .models.tables import Meeting, MeetingAttendance, StakeholderTable, TableKind

WORKERS_MISSING = _(
    "Give the number of foreign agricultural workers (seasonal or resident): its range, "
    "whether it is declared or estimated, its reference year and its source."
)
CROPS_MISSING = _("Add at least one crop to the crop calendar, with its months of peak work.")
HOUSING_MISSING = _("Describe the housing conditions.")
KEY_ISSUES_MISSING = _("Write the key issues the plan must answer.")
SETTLEMENTS_MISSING = _("List the settlements, or tick “no settlements known”.")
CORE_TABLE_MISSING = _("Set up the core table.")
CORE_TABLE_NOT_MET = _(
    "The core table “%(table)s” has no past meeting with minutes and attendance yet."
)
GROUP_MISSING = _("Set up at least one thematic group.")
GROUPS_NOT_MET = _(
    "No thematic group has a past meeting with minutes and attendance yet: %(tables)s."
)
SECTIONS_MISSING = _("Write the plan's sections still empty: %(sections)s.")
MEASURE_MISSING = _("Add at least one measure.")
ACTIONS_MISSING = _("Choose the priority action of these measures: %(measures)s.")
LEADS_MISSING = _("Choose the lead organisation of these measures: %(measures)s.")
FUNDING_MISSING = _("Give at least one funding line above 0 € to these measures: %(measures)s.")
DATES_MISSING = _(
    "Give the start and the end (not before the start) of these measures: %(measures)s."
)
INDICATORS_MISSING = _(
    "Give at least one indicator with its baseline and target to these measures: %(measures)s."
)
# How many measures a message names before it counts the rest.
_NAMED = 5
BODY_MISSING = _("Say which body adopted the plan.")
ACT_NUMBER_MISSING = _("Give the resolution's number.")
ACT_DATE_MISSING = _("Give the resolution's date.")
# The model says the same when the date is typed: one message for one fault.
ACT_DATE_FUTURE = ACT_DATE_IN_FUTURE
ACT_BEFORE_APPROVAL = _(
    "The resolution's date (%(date)s) is before the facilitators approved the draft "
    "(%(approved)s): a plan is adopted after its approval."
)
ACT_BEFORE_ADHESION = _(
    "The resolution's date (%(date)s) is before the adhesion act's date (%(adhesion)s)."
)
SIGNED_ACT_MISSING = _("Attach the signed act as a PDF.")
COMMENTS_MISSING = RETURN_WITHOUT_COMMENTS
REASON_MISSING = _("Give the reason.")


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


def _tables(plan, memo=None) -> list:
    """Return the plan's tables, each with whether it met (a past meeting with minutes, text
    or PDF, and organisations present); read once per run of the checks."""
    memo = {} if memo is None else memo
    if "tables" not in memo:
        met = (
            Meeting.objects.filter(table=OuterRef("pk"), starts_at__lte=timezone.now())
            .filter(Q(minutes_file__isnull=False) | ~Q(minutes=""))  # stored stripped
            .filter(Exists(MeetingAttendance.objects.filter(meeting=OuterRef("pk"))))
        )
        memo["tables"] = list(
            StakeholderTable.objects.filter(plan_id=plan.pk)
            .annotate(met=Exists(met))
            .order_by("pk")
        )
    return memo["tables"]


def tables_core_met(plan, memo=None, **inputs):
    """The core table exists and has met (a past meeting with minutes and attendance)."""
    core = [table for table in _tables(plan, memo) if table.kind == TableKind.CORE]
    if not core:
        return CORE_TABLE_MISSING
    return None if core[0].met else CORE_TABLE_NOT_MET % {"table": core[0].name}


def tables_group_met(plan, memo=None, **inputs):
    """At least one thematic group exists and has met; the message names those that did not."""
    groups = [table for table in _tables(plan, memo) if table.kind == TableKind.THEMATIC]
    if not groups:
        return GROUP_MISSING
    if any(group.met for group in groups):
        return None
    return GROUPS_NOT_MET % {"tables": ", ".join(f"“{group.name}”" for group in groups)}


TABLES_CHECKS = (tables_core_met, tables_group_met)


def _draft(plan, memo=None) -> dict:
    """Return the draft's section texts and measures, each measure with whether it has a
    funding line above 0 and an indicator with baseline and target; read once per run."""
    memo = {} if memo is None else memo
    if "draft" not in memo:
        funded = FundingLine.objects.filter(measure=OuterRef("pk"), amount__gt=0)
        measured = Indicator.objects.filter(
            measure=OuterRef("pk"), baseline__isnull=False, target__isnull=False
        )
        memo["draft"] = {
            "sections": dict(
                PlanSection.objects.filter(plan_id=plan.pk).values_list("key", "text")
            ),
            "measures": list(
                Measure.objects.filter(plan_id=plan.pk)
                .annotate(funded=Exists(funded), measured=Exists(measured))
                .only("pk", "title", "priority_action_id", "lead_id", "starts_on", "ends_on")
                .order_by("pk")
            ),
        }
    return memo["draft"]


def _measures_named(measures) -> str:
    """The measures' titles, the first few by name and the rest counted."""
    names = [f"“{measure.title}”" for measure in measures[:_NAMED]]
    rest = len(measures) - _NAMED
    if rest > 0:
        names.append(ngettext("and %(count)s more", "and %(count)s more", rest) % {"count": rest})
    return ", ".join(names)


def _measures_lacking(plan, memo, lacks, message):
    measures = [measure for measure in _draft(plan, memo)["measures"] if lacks(measure)]
    return message % {"measures": _measures_named(measures)} if measures else None


def drafting_sections_filled(plan, memo=None, **inputs):
    """Every section of the plan's text is written; the message names those still empty."""
    texts = _draft(plan, memo)["sections"]
    empty = [
        f"“{label}”" for key, label in SectionKey.choices if not (texts.get(key) or "").strip()
    ]
    return SECTIONS_MISSING % {"sections": ", ".join(empty)} if empty else None


def drafting_measure_given(plan, memo=None, **inputs):
    return None if _draft(plan, memo)["measures"] else MEASURE_MISSING


def drafting_actions_given(plan, memo=None, **inputs):
    return _measures_lacking(
        plan, memo, lambda measure: measure.priority_action_id is None, ACTIONS_MISSING
    )


def drafting_leads_given(plan, memo=None, **inputs):
    return _measures_lacking(plan, memo, lambda measure: measure.lead_id is None, LEADS_MISSING)


def drafting_funding_given(plan, memo=None, **inputs):
    """Each measure has a funding line above 0 (a line of 0 € does not fund it)."""
    return _measures_lacking(plan, memo, lambda measure: not measure.funded, FUNDING_MISSING)


def drafting_dates_given(plan, memo=None, **inputs):
    """Each measure has its start and end, the start not after the end."""

    def lacks(measure):
        start, end = measure.starts_on, measure.ends_on
        return start is None or end is None or start > end

    return _measures_lacking(plan, memo, lacks, DATES_MISSING)


def drafting_indicators_given(plan, memo=None, **inputs):
    return _measures_lacking(plan, memo, lambda measure: not measure.measured, INDICATORS_MISSING)


DRAFTING_CHECKS = (
    drafting_sections_filled,
    drafting_measure_given,
    drafting_actions_given,
    drafting_leads_given,
    drafting_funding_given,
    drafting_dates_given,
    drafting_indicators_given,
)


def _adoption(plan, memo=None):
    """Return the plan's adoption (or None), read afresh once per run of the checks."""
    memo = {} if memo is None else memo
    if "adoption" not in memo:
        memo["adoption"] = Adoption.objects.filter(plan_id=plan.pk).first()
    return memo["adoption"]


def adoption_body_given(plan, memo=None, **inputs):
    adoption = _adoption(plan, memo)
    return None if adoption and adoption.body else BODY_MISSING


def adoption_number_given(plan, memo=None, **inputs):
    adoption = _adoption(plan, memo)
    return None if adoption and adoption.act_number.strip() else ACT_NUMBER_MISSING


def adoption_date_given(plan, memo=None, **inputs):
    """The act's date, given and not in the future."""
    adoption = _adoption(plan, memo)
    if adoption is None or adoption.act_date is None:
        return ACT_DATE_MISSING
    return ACT_DATE_FUTURE if adoption.act_date > timezone.localdate() else None


def adoption_after_approval(plan, memo=None, **inputs):
    """The act is not dated before the drafting phase's last approving review."""
    adoption = _adoption(plan, memo)
    if adoption is None or adoption.act_date is None:
        return None  # said by adoption_date_given
    approved = (
        Review.objects.filter(
            plan_id=plan.pk, phase=Phase.DRAFTING, decision=ReviewDecision.APPROVED
        )
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    if approved is None:
        return None
    approved_on = timezone.localdate(approved)
    if adoption.act_date < approved_on:
        return ACT_BEFORE_APPROVAL % {
            "date": short_date(adoption.act_date),
            "approved": short_date(approved_on),
        }
    return None


def adoption_after_adhesion(plan, memo=None, **inputs):
    adoption = _adoption(plan, memo)
    if adoption is None or adoption.act_date is None:
        return None
    if adoption.act_date < plan.adhesion_act_date:
        return ACT_BEFORE_ADHESION % {
            "date": short_date(adoption.act_date),
            "adhesion": short_date(plan.adhesion_act_date),
        }
    return None


def adoption_signed_act_given(plan, memo=None, **inputs):
    adoption = _adoption(plan, memo)
    return None if adoption and adoption.signed_act_id else SIGNED_ACT_MISSING


ADOPTION_CHECKS = (
    adoption_body_given,
    adoption_number_given,
    adoption_date_given,
    adoption_after_approval,
    adoption_after_adhesion,
    adoption_signed_act_given,
)


def comments_given(plan, *, comments: str = "", **inputs):
    return None if comments.strip() else COMMENTS_MISSING


def reason_given(plan, *, reason: str = "", **inputs):
    return None if reason.strip() else REASON_MISSING


def inputs_within_limits(plan, *, comments: str = "", reason: str = "", **inputs):
    """Refuse comments or a reason over REASON_MAX_CHARS (every transition runs this)."""
    return reason_too_long(comments) or reason_too_long(reason)
