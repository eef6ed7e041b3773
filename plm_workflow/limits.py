"""How much free text the app takes: one place for every form, service and model.

A note or minutes hold a few pages; a reason or comments a paragraph. Longer text is refused
with its message, never cut, so nothing is lost silently.
"""

from django.utils.translation import gettext_lazy as _

NOTE_MAX_CHARS = 20_000  # phase notes, minutes
REASON_MAX_CHARS = 2_000  # reasons, comments

TOO_LONG = _("At most %(limit)s characters, please: this text has %(length)s.")


def too_long(text: str, limit: int) -> str | None:
    """Return the refusal for a text longer than ``limit`` characters, or None."""
    length = len(text or "")
    if length <= limit:
        return None
    return str(
        TOO_LONG
        % {"limit": f"{limit:,}".replace(",", "."), "length": f"{length:,}".replace(",", ".")}
    )
