"""How many password-reset e-mails an address may receive: a few an hour, counted in the
database (each web worker has its own memory)."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import PasswordResetSent

# At most this many reset e-mails per address within the window.
RESETS_PER_WINDOW = 3
RESET_WINDOW = datetime.timedelta(hours=1)


def address_hash(address: str) -> str:
    """Return the keyed hash an address is counted under (case-insensitive)."""
    return salted_hmac(
        "plm_workflow.profiles.resets", address.strip().lower(), algorithm="sha256"
    ).hexdigest()


def password_reset_send_allow(*, address: str) -> bool:
    """Record a reset e-mail to ``address`` and return True, or False if it had its share.

    The people with that address are locked while counting, so two requests at the same
    moment (on two workers) cannot both take the last send.
    """
    key = address_hash(address)
    now = timezone.now()
    with transaction.atomic():
        list(
            get_user_model()
            .objects.select_for_update()
            .filter(email__iexact=address.strip())
            .values_list("pk", flat=True)
        )
        PasswordResetSent.objects.filter(sent_at__lte=now - RESET_WINDOW).delete()
        if PasswordResetSent.objects.filter(address_hash=key).count() >= RESETS_PER_WINDOW:
            return False
        PasswordResetSent.objects.create(address_hash=key, sent_at=now)
    return True
