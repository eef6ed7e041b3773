"""Named checks of the lifecycle: each a small function returning its message or None.

The checks that need the data of a step not built yet read that phase's note (a placeholder
each later step issue replaces with its real checks). Which transition runs which checks is
said once, in the phase registry (``phases.py``).
"""

from django.utils.translation import gettext_lazy as _

from plm_workflow.limits import reason_too_long

from .models import RETURN_WITHOUT_COMMENTS, Phase, PhaseNote

ASSESSMENT_NOTE_MISSING = _("The needs assessment note is not filled.")
TABLES_NOTE_MISSING = _("The stakeholder tables note is not filled.")
DRAFTING_NOTE_MISSING = _("The drafting note is not filled.")
ADOPTION_NOTE_MISSING = _("The adoption note is not filled.")
COMMENTS_MISSING = RETURN_WITHOUT_COMMENTS
REASON_MISSING = _("Give the reason.")


def _note_filled(plan, phase) -> bool:
    text = PhaseNote.objects.filter(plan=plan, phase=phase).values_list("text", flat=True).first()
    return bool(text and text.strip())


def assessment_note_filled(plan, **inputs):
    return None if _note_filled(plan, Phase.ASSESSMENT) else ASSESSMENT_NOTE_MISSING


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
