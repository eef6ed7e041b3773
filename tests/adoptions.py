"""An adoption for tests: a complete resolution with its signed act, through the service or
straight to the database."""

from django.utils import timezone

from plm_workflow.plans import checks
from plm_workflow.plans.documents import document_store
from plm_workflow.plans.models import Adoption, DocumentKind


def fields(**given) -> dict:
    """Return the act's fields of a complete adoption, dated today."""
    return {
        "body": "giunta",
        "act_number": "112",
        "act_date": timezone.localdate(),
        "immediately_enforceable": True,
        "notes": "",
    } | given


# Each named check of ``adopt`` that a saved adoption may fail alone: its message, and what a
# complete adoption (``fields``) lacks for it. The act's dates are tested on their own (they
# depend on the plan), the signed act by not giving it.
FAILING_ALONE = {
    "body": (checks.BODY_MISSING, {"body": ""}),
    "act_number": (checks.ACT_NUMBER_MISSING, {"act_number": "  "}),
    "act_date": (checks.ACT_DATE_MISSING, {"act_date": None}),
}


def complete(**given) -> dict:
    """Return the keyword arguments of ``adoption_save`` for a complete adoption."""
    from tests.conftest import pdf_upload

    return {"fields": fields(**given), "signed_act_upload": pdf_upload("delibera-adozione.pdf")}


def fill(plan, by, **given) -> Adoption:
    """Write a complete adoption straight to the database (plans with no flow)."""
    from tests.conftest import pdf_upload

    act = document_store(
        plan=plan, kind=DocumentKind.ADOPTION_ACT, upload=pdf_upload("delibera.pdf"), by=by
    )
    return Adoption.objects.create(plan=plan, signed_act=act, revision=1, **fields(**given))
