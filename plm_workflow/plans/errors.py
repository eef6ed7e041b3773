from django.utils.translation import gettext_lazy as _

NOT_ALLOWED = _("You are not allowed to do this on this plan.")


class PlanError(Exception):
    """A refused action on a plan, with every reason, translated.

    ``forbidden`` is True when the user lacks the permission: the message then says nothing
    about the plan's data. Views turn this error into a message on an unchanged page (or a
    403 when forbidden), never a 500.
    """

    def __init__(self, messages, *, forbidden: bool = False):
        self.messages = [str(message) for message in messages]
        self.forbidden = forbidden
        super().__init__(" ".join(self.messages))

    @classmethod
    def not_allowed(cls) -> "PlanError":
        return cls([NOT_ALLOWED], forbidden=True)
