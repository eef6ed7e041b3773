"""The forms of the drafting step (being rewritten)."""

from .steps import DecisionForm


class DraftingCheckForm(DecisionForm):
    pass
