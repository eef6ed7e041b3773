"""The stakeholder tables read-only, as of a moment, and what changed in them since another.

Built from the history rows of the comune's organisations (their names as they were then), the
plan's tables, their members, meetings and attendance: one query each whatever the number of
rows or of saves, and one for the minutes' files. A plan that ended (adopted, withdrawn) is
shown as it stood at its end, so a partner renamed in a later cycle keeps its old name here.
The editor's live rows (``editor_rows``) are read in a fixed number of queries too.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Lower
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plm_workflow.formats.prose import prose_moment
from plm_workflow.plans import permissions
from plm_workflow.plans.history import plan_ended_at, rows_as_of
from plm_workflow.plans.models import (
    Document,
    Meeting,
    MeetingAttendance,
    Organisation,
    Plan,
    StakeholderTable,
    TableMember,
)
from plm_workflow.plans.models.tables import TableKind
from plm_workflow.plans.organisations import organisations_of
from plm_workflow.steps.tables import LATE_SPEC

from .shown import Shown

EMPTY = "—"
TABLE_ADDED = _("%(kind)s «%(name)s» added.")
TABLE_REMOVED = _("%(kind)s «%(name)s» removed.")
MEMBER_ADDED = _("«%(organisation)s» joined «%(table)s».")
MEMBER_REMOVED = _("«%(organisation)s» left «%(table)s».")
MEETING_ADDED = _("Meeting of %(when)s of «%(table)s» added.")
MEETING_REMOVED = _("Meeting of %(when)s of «%(table)s» removed.")
PRESENT_ADDED = _("«%(organisation)s» recorded as present at the meeting of %(when)s.")
PRESENT_REMOVED = _("«%(organisation)s» no longer recorded as present at the meeting of %(when)s.")
ORGANISATION_ADDED = _("Organisation «%(name)s» added.")
TABLE_CHANGED = _("«%(table)s»: %(what)s")
MEETING_CHANGED = _("Meeting of %(when)s of «%(table)s»: %(what)s")
ORGANISATION_CHANGED = _("Organisation «%(name)s»: %(what)s")
_TEXT_SHOWN = 80  # characters of a long text shown in a change


@dataclass(eq=False)
class OrganisationShown(Shown):
    row: object
    tables: list = field(default_factory=list)
    attended: list = field(default_factory=list)  # MeetingShown


@dataclass(eq=False)
class MeetingShown(Shown):
    row: object
    table: object  # TableShown
    present: list = field(default_factory=list)  # OrganisationShown
    document: Document | None = None

    @property
    def has_minutes(self) -> bool:
        return bool(self.row.minutes.strip()) or self.row.minutes_file_id is not None

    @property
    def has_attendance(self) -> bool:
        """Organisations present recorded (a head count alone is not attendance)."""
        return bool(self.present)

    @property
    def lacks_record(self) -> bool:
        return not (self.has_minutes and self.has_attendance)


@dataclass(eq=False)
class TableShown(Shown):
    row: object
    convenor: OrganisationShown | None = None
    members: list = field(default_factory=list)
    meetings: list = field(default_factory=list)

    @property
    def is_core(self) -> bool:
        return self.row.kind == TableKind.CORE


@dataclass(frozen=True)
class TablesState:
    """The tables as they stood at a moment, with the organisations' names of that moment."""

    tables: list
    organisations: list
    version: tuple
    saved_at: object
    saved_by: object

    @property
    def core(self):
        return next((table for table in self.tables if table.is_core), None)

    @property
    def groups(self) -> list:
        return [table for table in self.tables if not table.is_core]

    @property
    def meetings(self) -> list:
        return [meeting for table in self.tables for meeting in table.meetings]

    @property
    def documents(self) -> list:
        """The minutes' PDFs, each with its meeting."""
        return [meeting for meeting in self.meetings if meeting.document is not None]


def _sorted(rows: dict) -> list:
    return [rows[pk] for pk in sorted(rows)]


@dataclass
class TablesContent:
    """The stakeholder tables phase's content (DESIGN §1.3)."""

    phase: object
    template = "flows/plm/sections/tables.html"
    changes_template = "flows/plm/steps/tables/_changes.html"
    # Meetings and organisations may still be added in drafting (DESIGN §3).
    grows_after_submission = True

    def as_of(self, plan, at=None) -> TablesState | None:
        at = at or timezone.now()
        end = plan_ended_at(plan)
        if end is not None and end < at:
            at = end
        tables = rows_as_of(StakeholderTable, plan_id=plan.pk, at=at)
        if not tables:
            return None
        organisations = rows_as_of(Organisation, plan_id=None, at=at, comune_id=plan.comune_id)
        members = rows_as_of(TableMember, plan_id=plan.pk, at=at)
        meetings = rows_as_of(Meeting, plan_id=plan.pk, at=at)
        present = rows_as_of(MeetingAttendance, plan_id=plan.pk, at=at)
        files = {m.minutes_file_id for m in meetings.values() if m.minutes_file_id is not None}
        documents = Document.objects.in_bulk(files) if files else {}

        shown_organisations = {
            pk: OrganisationShown(row)
            for pk, row in sorted(
                organisations.items(),
                key=lambda item: (not item[1].is_the_comune, item[1].name.lower(), item[0]),
            )
        }

        def organisation(pk):
            return shown_organisations.get(pk)

        shown_tables = {}
        for pk, row in sorted(tables.items(), key=lambda item: (item[1].kind, item[0])):
            shown_tables[pk] = TableShown(row, convenor=organisation(row.convenor_id))
        for link in _sorted(members):
            table, member = shown_tables.get(link.table_id), organisation(link.organisation_id)
            if table is not None and member is not None:
                table.members.append(member)
                member.tables.append(table)
        shown_meetings = {}
        for pk, row in sorted(meetings.items(), key=lambda item: (item[1].starts_at, item[0])):
            table = shown_tables.get(row.table_id)
            if table is None:
                continue
            meeting = MeetingShown(row, table=table, document=documents.get(row.minutes_file_id))
            table.meetings.append(meeting)
            shown_meetings[pk] = meeting
        for link in sorted(present.values(), key=lambda link: link.id):
            meeting, member = (
                shown_meetings.get(link.meeting_id),
                organisation(link.organisation_id),
            )
            if meeting is not None and member is not None:
                meeting.present.append(member)
        for meeting in shown_meetings.values():
            for member in meeting.present:
                member.attended.append(meeting)
        # The comune itself first, then by name (as the editor lists them).
        order = {pk: n for n, pk in enumerate(shown_organisations)}
        for table in shown_tables.values():
            table.members.sort(key=lambda member: order[member.row.id])
        for meeting in shown_meetings.values():
            meeting.present.sort(key=lambda member: order[member.row.id])

        every = [organisations, tables, members, meetings, present]
        version = tuple(max((row.history_id for row in rows.values()), default=0) for rows in every)
        latest = max(
            (row for rows in every[1:] for row in rows.values()),
            key=lambda row: (row.history_date, row.history_id),
        )
        return TablesState(
            tables=list(shown_tables.values()),
            organisations=list(shown_organisations.values()),
            version=version,
            saved_at=latest.history_date,
            saved_by=latest.history_user,
        )

    def changes_since(self, plan, since) -> list[dict]:
        """Return what changed since ``since``, in words: one entry per row or field."""
        return self.changes_between(self.as_of(plan, since), self.as_of(plan))

    def changes_between(self, before, now) -> list[dict]:
        """Return what differs between two states (``as_of``), in words."""
        return describe_changes(before, now)


# --- What changed, in words -------------------------------------------------------------------


def _kind_label(table) -> str:
    return str(TableKind(table.row.kind).label)


def _value(model, name, value, names) -> str:
    if value is None or value == "":
        return EMPTY
    if name in ("convenor_id",):
        return names.get(value, EMPTY)
    if name == "minutes_file_id":
        return str(_("a PDF file"))
    model_field = model._meta.get_field(name.removesuffix("_id"))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if hasattr(value, "tzinfo"):
        return prose_moment(value)
    return truncatechars(str(value), _TEXT_SHOWN)


def _fields(model, old_row, new_row, names_, names) -> list[tuple[str, str, str]]:
    found = []
    for name in names_:
        old, new = getattr(old_row, name), getattr(new_row, name)
        if old != new:
            label = str(model._meta.get_field(name.removesuffix("_id")).verbose_name)
            found.append((label, _value(model, name, old, names), _value(model, name, new, names)))
    return found


_TABLE_FIELDS = ("kind", "theme", "name", "convenor_id")
_MEETING_FIELDS = (
    "starts_at",
    "place",
    "online_link",
    "agenda",
    "head_count",
    "minutes",
    "minutes_file_id",
    "decisions",
)
_ORGANISATION_FIELDS = ("name", "kind", "email")


def _changed(template, values, changes) -> list[dict]:
    return [
        {"what": template % {**values, "what": label}, "old": old, "new": new}
        for label, old, new in changes
    ]


def describe_changes(before: TablesState | None, now: TablesState | None) -> list[dict]:
    """Describe, in sentences, what differs between two states of a plan's tables."""
    lines = []
    old_tables = {t.row.id: t for t in before.tables} if before else {}
    new_tables = {t.row.id: t for t in now.tables} if now else {}
    old_orgs = {o.row.id: o for o in before.organisations} if before else {}
    new_orgs = {o.row.id: o for o in now.organisations} if now else {}
    names = {pk: o.name for pk, o in {**old_orgs, **new_orgs}.items()}

    for pk, organisation in new_orgs.items():
        if pk not in old_orgs and before is not None:
            lines.append({"text": ORGANISATION_ADDED % {"name": organisation.name}})
        elif pk in old_orgs:
            changes = _fields(
                Organisation, old_orgs[pk].row, organisation.row, _ORGANISATION_FIELDS, names
            )
            lines += _changed(ORGANISATION_CHANGED, {"name": old_orgs[pk].name}, changes)

    for pk, table in new_tables.items():
        kind = {"kind": _kind_label(table), "name": table.name}
        if pk not in old_tables:
            lines.append({"text": TABLE_ADDED % kind})
            continue
        old = old_tables[pk]
        changes = _fields(StakeholderTable, old.row, table.row, _TABLE_FIELDS, names)
        lines += _changed(TABLE_CHANGED, {"table": table.name}, changes)
        old_members = {m.row.id for m in old.members}
        new_members = {m.row.id for m in table.members}
        for member in table.members:
            if member.row.id not in old_members:
                lines.append(
                    {"text": MEMBER_ADDED % {"organisation": member.name, "table": table.name}}
                )
        for member in old.members:
            if member.row.id not in new_members:
                lines.append(
                    {
                        "text": MEMBER_REMOVED
                        % {"organisation": names[member.row.id], "table": table.name}
                    }
                )
    for pk, table in old_tables.items():
        if pk not in new_tables:
            lines.append({"text": TABLE_REMOVED % {"kind": _kind_label(table), "name": table.name}})

    old_meetings = {m.row.id: m for t in old_tables.values() for m in t.meetings}
    new_meetings = {m.row.id: m for t in new_tables.values() for m in t.meetings}
    for pk, meeting in new_meetings.items():
        values = {"when": prose_moment(meeting.starts_at), "table": meeting.table.name}
        if pk not in old_meetings:
            lines.append({"text": MEETING_ADDED % values})
            continue
        old = old_meetings[pk]
        changes = _fields(Meeting, old.row, meeting.row, _MEETING_FIELDS, names)
        lines += _changed(MEETING_CHANGED, values, changes)
        old_present = {o.row.id for o in old.present}
        new_present = {o.row.id for o in meeting.present}
        for member in meeting.present:
            if member.row.id not in old_present:
                lines.append({"text": PRESENT_ADDED % {"organisation": member.name, **values}})
        for member in old.present:
            if member.row.id not in new_present:
                lines.append(
                    {"text": PRESENT_REMOVED % {"organisation": names[member.row.id], **values}}
                )
    for pk, meeting in old_meetings.items():
        if pk not in new_meetings:
            values = {"when": prose_moment(meeting.starts_at), "table": meeting.table.name}
            lines.append({"text": MEETING_REMOVED % values})
    return lines


# --- The editor's rows and the plan header's counts ------------------------------------------


@dataclass(frozen=True)
class EditorRows:
    organisations: list
    tables: list

    @property
    def core(self):
        return next((table for table in self.tables if table.kind == TableKind.CORE), None)


def editor_rows(plan) -> EditorRows:
    """The live rows the editor lists: the comune's organisations, the plan's tables with
    their convenor, members and meetings (with who attended and the minutes' file)."""
    by_name = Organisation.objects.order_by("-is_the_comune", Lower("name"), "pk")
    meetings = Meeting.objects.select_related("minutes_file").prefetch_related(
        Prefetch("attendance", queryset=by_name)
    )
    tables = (
        StakeholderTable.objects.filter(plan=plan)
        .select_related("convenor")
        .prefetch_related(
            Prefetch("members", queryset=by_name),
            Prefetch(
                "meetings", queryset=meetings.order_by("starts_at", "pk"), to_attr="shown_meetings"
            ),
        )
        .order_by("kind", "pk")
    )
    return EditorRows(organisations=list(organisations_of(plan.comune_id)), tables=list(tables))


def tables_counts(plan) -> dict:
    """The plan header's counts: the comune's organisations, the plan's groups and meetings."""
    counted = Plan.objects.filter(pk=plan.pk).aggregate(
        groups=Count("tables", filter=Q(tables__kind=TableKind.THEMATIC), distinct=True),
        meetings=Count("tables__meetings", distinct=True),
    )
    counted["organisations"] = Organisation.objects.filter(comune_id=plan.comune_id).count()
    return counted


def late_additions_open(plan, user) -> bool:
    """Return True if ``user`` may add meetings and organisations to the plan now: one of its
    coordinators, while it is drafted (the service has the last word)."""
    return plan.status == LATE_SPEC.status and permissions.can_coordinate(plan, user)
