"""The adoption's writes: the act (draft and submission), and its publication after adoption.

The holder of the open ``record_adoption`` task records the resolution: body, number, date,
whether it is immediately enforceable, the signed act as a PDF and any annexes. The files go
through the document service (PDF by content, up to ``PLM_MAX_ACT_BYTES``, SHA-256 in their
event). Once the plan is adopted, its coordinators or facilitators record the publication on
the albo pretorio; a correction of it carries a reason.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import payload_of, record
from plm_workflow.db import joined, lock_value
from plm_workflow.limits import reason_too_long
from plm_workflow.plans import permissions, phases
from plm_workflow.plans.documents import document_store, files_kept_only_on_success, pdf_problems
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import Adoption, DocumentKind, Phase, Plan, PlanStatus
from plm_workflow.plans.services import StaleEdit, phase_work_submit

from . import rows
from .guard import work_held

SPEC = phases.spec_of(Phase.ADOPTION)
ACT_FIELDS = ("body", "act_number", "act_date", "immediately_enforceable", "notes")
PUBLICATION_FIELDS = ("published_from", "published_to", "register_number", "publication_link")

STALE = _(
    "Someone changed this adoption while you were editing it: nothing was saved. Its current "
    "version is shown; make your change again."
)
NOT_ADOPTED = _("The publication can be recorded only once the plan is adopted.")
PUBLICATION_INCOMPLETE = _(
    "Give the publication's period (from and until) and its register number."
)
CORRECTION_NEEDS_REASON = _(
    "The publication is recorded already: to correct it, say why (the reason is kept)."
)


def _clean(row) -> None:
    try:
        row.full_clean(exclude=["plan", "signed_act"], validate_unique=False)
    except ValidationError as error:
        raise PlanError([str(message) for message in error.messages]) from None


def _file_problems(signed_act_upload, uploads) -> list[str]:
    """Return why the signed act or an annex cannot be stored (each file's own refusal)."""
    problems = []
    if signed_act_upload is not None:
        problems += pdf_problems(signed_act_upload, DocumentKind.ADOPTION_ACT)
    for upload in uploads:
        problems += pdf_problems(upload, DocumentKind.ADOPTION_ANNEX)
    return problems


def adoption_save(
    *,
    plan: Plan,
    by,
    fields: dict,
    signed_act_upload=None,
    annex_uploads=(),
    seen_version: int | None = None,
) -> Adoption:
    """Save the act as a draft (the holder of the open ``record_adoption`` task).

    A new signed act replaces the former one on the adoption; the former stays as a
    document of the plan, with its event. Annexes are added. Every file is checked before the
    first is stored; a file stored by a save that fails after all is deleted.
    """
    # Every refusal comes before the first write (the files' too), and a failure after a
    # file is stored removes it from storage: the database's rollback does not.
    with files_kept_only_on_success(), joined():
        work_held(plan=plan, spec=SPEC, by=by)
        adoption = Adoption.objects.filter(plan=plan).first() or Adoption(plan=plan)
        current = adoption.revision
        if seen_version is not None and current != seen_version:
            raise StaleEdit([STALE])
        before = rows.values(adoption, ACT_FIELDS) if adoption.pk else {}
        for name in ACT_FIELDS:
            if name in fields:
                value = fields[name]
                setattr(adoption, name, value.strip() if isinstance(value, str) else value)
        _clean(adoption)
        after = rows.values(adoption, ACT_FIELDS)
        if before:
            changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        else:
            changes = {k: [None, v] for k, v in after.items() if v not in (None, "", False)}
        uploads = [u for u in annex_uploads if u is not None]
        problems = _file_problems(signed_act_upload, uploads)
        if problems:
            raise PlanError(problems)
        if adoption.pk is not None and not changes and signed_act_upload is None and not uploads:
            return adoption  # nothing changed: no write, no event
        if adoption.pk is None and not changes and signed_act_upload is None and not uploads:
            return adoption  # an empty form on no adoption writes nothing
        if signed_act_upload is not None:
            former = adoption.signed_act.public_id if adoption.signed_act_id else None
            act = document_store(
                plan=plan, kind=DocumentKind.ADOPTION_ACT, upload=signed_act_upload, by=by
            )
            adoption.signed_act = act
            changes["signed_act"] = [str(former) if former else None, str(act.public_id)]
        annexes = [
            document_store(plan=plan, kind=DocumentKind.ADOPTION_ANNEX, upload=upload, by=by)
            for upload in uploads
        ]
        rows.save_row(adoption, by, "adoption act")
        record(
            kind=EventKind.ADOPTION_SAVED,
            actor=by,
            plan=plan,
            payload=payload_of(
                concerns={"plan": plan.pk, "adoption": adoption.pk},
                phase=SPEC.phase,
                node=SPEC.work_node,
                changes=changes or None,
                children=(
                    {"annex": {"added": [str(annex.public_id) for annex in annexes]}}
                    if annexes
                    else None
                ),
            ),
        )
    return adoption


def adoption_submit(
    *,
    plan: Plan,
    by,
    fields: dict,
    signed_act_upload=None,
    annex_uploads=(),
    seen_version: int | None = None,
) -> Plan:
    """Save the act and hand it to the facilitators; all or nothing (the named checks of
    ``adopt`` must pass; a refused submission leaves no file in storage either)."""
    with files_kept_only_on_success(), transaction.atomic():
        adoption_save(
            plan=plan,
            by=by,
            fields=fields,
            signed_act_upload=signed_act_upload,
            annex_uploads=annex_uploads,
            seen_version=seen_version,
        )
        return phase_work_submit(plan=plan, phase=SPEC.phase, by=by)


def publication_record(
    *, plan: Plan, by, reason: str = "", seen_version: int | None = None, **fields
) -> Adoption:
    """Record the act's publication on the albo pretorio (the plan's coordinators or
    facilitators, on an adopted plan); a correction of a recorded one needs ``reason``."""
    if not (permissions.can_coordinate(plan, by) or permissions.can_facilitate(plan, by)):
        raise PlanError.not_allowed()
    reason = (reason or "").strip()
    too_long = reason_too_long(reason)
    if too_long:
        raise PlanError([too_long])
    with joined():
        if lock_value(Plan, plan.pk, "status") != PlanStatus.ADOPTED:
            raise PlanError([NOT_ADOPTED])
        adoption = Adoption.objects.filter(plan=plan).first()
        if adoption is None:
            raise PlanError([NOT_ADOPTED])
        if seen_version is not None and adoption.revision != seen_version:
            raise StaleEdit([STALE])
        correcting = adoption.is_published
        if correcting and not reason:
            raise PlanError([CORRECTION_NEEDS_REASON])
        before = rows.values(adoption, PUBLICATION_FIELDS)
        for name in PUBLICATION_FIELDS:
            if name in fields:
                value = fields[name]
                setattr(adoption, name, value.strip() if isinstance(value, str) else value)
        if not (adoption.published_from and adoption.published_to and adoption.register_number):
            raise PlanError([PUBLICATION_INCOMPLETE])
        _clean(adoption)
        changes = {
            k: [before[k], v]
            for k, v in rows.values(adoption, PUBLICATION_FIELDS).items()
            if before[k] != v
        }
        if not changes:
            return adoption
        rows.save_row(adoption, by, f"publication: {reason}" if reason else "publication")
        record(
            kind=EventKind.PUBLICATION_CORRECTED if correcting else EventKind.PUBLICATION_RECORDED,
            actor=by,
            plan=plan,
            payload=payload_of(
                concerns={"plan": plan.pk, "adoption": adoption.pk},
                phase=SPEC.phase,
                changes=changes,
                reason=reason or None,
            ),
        )
    return adoption
