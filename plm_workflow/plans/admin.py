from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from plm_workflow.admin import ReadOnlyAdminMixin

from .models import (
    Adoption,
    Axis,
    Comune,
    Crop,
    FundingLine,
    Indicator,
    Measure,
    Meeting,
    NeedsAssessment,
    Organisation,
    PhaseNote,
    Plan,
    PlanSection,
    PriorityAction,
    Review,
    ReviewComment,
    Settlement,
    StakeholderTable,
)


class ReadOnlyAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Inspect, never change, with the field history of each row."""


@admin.register(Comune)
class ComuneAdmin(ReadOnlyAdmin):
    list_display = ["istat_code", "name", "province_code", "region", "suppressed"]
    list_filter = ["suppressed", "region"]
    search_fields = ["istat_code", "name"]


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["comune", "title", "status", "adhesion_act_date", "created_at"]
    list_filter = ["status"]
    search_fields = ["comune__name", "title"]
    list_select_related = ["comune"]


@admin.register(PhaseNote)
class PhaseNoteAdmin(ReadOnlyAdmin):
    list_display = ["plan", "phase", "updated_at"]
    list_select_related = ["plan__comune"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["plan", "phase", "round", "decision", "reviewer", "decided_at"]
    list_filter = ["phase", "decision"]
    list_select_related = ["plan__comune", "reviewer"]


@admin.register(NeedsAssessment)
class NeedsAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["plan", "revision", "updated_at"]
    list_select_related = ["plan__comune"]


@admin.register(Crop)
class CropAdmin(ReadOnlyAdmin):
    list_display = ["name", "assessment", "months", "workers_at_peak"]
    list_select_related = ["assessment__plan__comune"]


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "assessment", "people_peak", "people_off_season"]
    list_filter = ["kind"]
    list_select_related = ["assessment__plan__comune"]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "comune", "is_the_comune"]
    list_filter = ["kind"]
    search_fields = ["name", "comune__name"]
    list_select_related = ["comune"]


@admin.register(StakeholderTable)
class StakeholderTableAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "theme", "plan"]
    list_filter = ["kind", "theme"]
    list_select_related = ["plan__comune"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["table", "starts_at", "place", "head_count"]
    list_select_related = ["table__plan__comune"]


@admin.register(Adoption)
class AdoptionAdmin(ReadOnlyAdmin):
    list_display = ["plan", "body", "act_number", "act_date", "published_from"]
    list_filter = ["body"]
    list_select_related = ["plan__comune"]


@admin.register(Axis)
class AxisAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Reference data, loaded by a migration from ``fixtures/priority_actions.json``."""

    list_display = ["number", "code", "name_it", "name_en"]


@admin.register(PriorityAction)
class PriorityActionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Reference data, loaded by a migration from ``fixtures/priority_actions.json``."""

    list_display = ["number", "code", "name_it", "axis"]
    list_filter = ["axis"]
    list_select_related = ["axis"]


@admin.register(PlanSection)
class PlanSectionAdmin(ReadOnlyAdmin):
    list_display = ["plan", "key", "revision"]
    list_filter = ["key"]
    list_select_related = ["plan__comune"]


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdmin):
    list_display = ["title", "plan", "priority_action", "lead", "starts_on", "ends_on"]
    list_filter = ["priority_action"]
    search_fields = ["title", "plan__comune__name"]
    list_select_related = ["plan__comune", "priority_action", "lead"]


@admin.register(FundingLine)
class FundingLineAdmin(ReadOnlyAdmin):
    list_display = ["measure", "source", "amount", "cup"]
    list_filter = ["source"]
    list_select_related = ["measure__plan__comune"]


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["name", "measure", "unit", "baseline", "target", "target_date"]
    list_select_related = ["measure__plan__comune"]


@admin.register(ReviewComment)
class ReviewCommentAdmin(ReadOnlyAdmin):
    list_display = ["review", "subject", "section", "measure"]
    list_select_related = ["review__plan__comune", "measure"]
