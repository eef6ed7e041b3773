"""The adoption read-only, as of a moment, and what changed in it since another.

Built from the history rows of the plan's adoption, with the signed act's document and the
annexes uploaded by then: two queries whatever the number of saves or of annexes. Here too
the reads the plan page and the home page need about the publication on the albo pretorio.
"""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermission

from plm_workflow.accounts.selectors import plans_visible_to
from plm_workflow.formats.prose import prose_date
from plm_workflow.plans import permissions
from plm_workflow.plans.history import rows_as_of
from plm_workflow.plans.models import Adoption, Document, DocumentKind, Plan, PlanStatus
from plm_workflow.roles import COORDINATE_PLAN_CODENAME, FACILITATE_PLAN_CODENAME

EMPTY = "—"
YES, NO = _("yes"), _("no")
ACT_REPLACED = _("Signed act replaced: «%(old)s» → «%(new)s».")
ACT_ATTACHED = _("Signed act attached: «%(name)s».")
ANNEX_ADDED = _("Annex «%(name)s» added.")
# The act's fields as the page and the changes name them, in the form's order.
SHOWN_FIELDS = (
    "body",
    "act_number",
    "act_date",
    "immediately_enforceable",
    "notes",
    "published_from",
    "published_to",
    "register_number",
    "publication_link",
)
_TEXT_SHOWN = 80  # characters of a long text shown in a change


@dataclass(frozen=True)
class AdoptionState:
    """The adoption as it stood at a moment: its row, its signed act, its annexes."""

    row: object  # the historical row of Adoption
    act: Document | None = None
    annexes: list = field(default_factory=list)

    def __getattr__(self, name):
        # The act's fields read through (body, act_number, published_from…).
        if name == "row":
            raise AttributeError(name)
        return getattr(self.row, name)

    @property
    def saved_at(self):
        return self.row.history_date

    @property
    def saved_by(self):
        return self.row.history_user

    @property
    def version(self) -> int:
        return self.row.revision

    @property
    def body_label(self) -> str:
        return self.row.get_body_display() if self.row.body else ""

    @property
    def is_published(self) -> bool:
        return self.row.published_from is not None


def _documents(plan, row, at) -> tuple[Document | None, list]:
    """The row's signed act and the annexes uploaded by ``at``, in one query."""
    wanted = Q(kind=DocumentKind.ADOPTION_ANNEX, uploaded_at__lte=at)
    if row.signed_act_id is not None:
        wanted |= Q(pk=row.signed_act_id)
    found = list(Document.objects.filter(wanted, plan_id=plan.pk).order_by("uploaded_at", "pk"))
    act = next((document for document in found if document.pk == row.signed_act_id), None)
    annexes = [document for document in found if document.kind == DocumentKind.ADOPTION_ANNEX]
    return act, annexes


@dataclass
class AdoptionContent:
    """The adoption phase's content (DESIGN §1.6): the resolution and its signed act."""

    phase: object
    template = "flows/plm/sections/adoption.html"
    changes_template = "flows/plm/steps/adoption/_changes.html"

    def as_of(self, plan, at=None) -> AdoptionState | None:
        at = at or timezone.now()
        rows = rows_as_of(Adoption, plan_id=plan.pk, at=at)
        if not rows:
            return None
        (row,) = rows.values()
        act, annexes = _documents(plan, row, at)
        return AdoptionState(row=row, act=act, annexes=annexes)

    def changes_since(self, plan, since) -> list[dict]:
        """Return what changed since ``since``, in words: one entry per field or file."""
        return describe_changes(self.as_of(plan, since), self.as_of(plan))


def _shown(name, value) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return str(YES if value else NO)
    model_field = Adoption._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if hasattr(value, "isoformat"):
        return prose_date(value)
    return truncatechars(str(value), _TEXT_SHOWN)


def describe_changes(before: AdoptionState | None, now: AdoptionState | None) -> list[dict]:
    """Describe, in sentences, what differs between two states of a plan's adoption."""
    if now is None:
        return []
    lines = []
    for name in SHOWN_FIELDS:
        old = getattr(before.row, name) if before is not None else None
        new = getattr(now.row, name)
        if before is None and new in (None, "", False):
            continue  # started after the return: only what was given is new
        if old != new:
            label = Adoption._meta.get_field(name).verbose_name
            lines.append({"what": str(label), "old": _shown(name, old), "new": _shown(name, new)})
    old_act = before.act if before is not None else None
    if now.act is not None and (old_act is None or old_act.pk != now.act.pk):
        if old_act is None:
            lines.append({"text": ACT_ATTACHED % {"name": now.act.original_name}})
        else:
            names = {"old": old_act.original_name, "new": now.act.original_name}
            lines.append({"text": ACT_REPLACED % names})
    known = {annex.pk for annex in before.annexes} if before is not None else set()
    for annex in now.annexes:
        if annex.pk not in known:
            lines.append({"text": ANNEX_ADDED % {"name": annex.original_name}})
    return lines


# --- The publication on the albo pretorio ------------------------------------------------------


def adoption_of(plan) -> Adoption | None:
    """The plan's adoption as stored now, with its signed act (one query)."""
    return Adoption.objects.select_related("signed_act").filter(plan_id=plan.pk).first()


def may_record_publication(plan, user) -> bool:
    """Return True if ``user`` may record the plan's publication: one of its coordinators or
    facilitators (the service has the last word, and says so once the plan is adopted)."""
    return permissions.can_coordinate(plan, user) or permissions.can_facilitate(plan, user)


def publications_due_for(user) -> QuerySet[Plan]:
    """Return the adopted plans whose publication is not recorded yet, among those the user
    coordinates or facilitates: one query, whatever the number of plans."""
    held = UserObjectPermission.objects.filter(
        user_id=user.pk,
        content_type=ContentType.objects.get_for_model(Plan),
        permission__codename__in=(COORDINATE_PLAN_CODENAME, FACILITATE_PLAN_CODENAME),
        object_pk=Cast(OuterRef("pk"), output_field=CharField()),
    )
    return (
        plans_visible_to(user)
        .filter(
            status=PlanStatus.ADOPTED,
            adoption__isnull=False,
            adoption__published_from__isnull=True,
        )
        .filter(Exists(held))
        .select_related("comune", "process")
        .order_by("comune__name", "pk")
    )
