"""The demo's drafts of the plan (the phase's note)."""

from plm_workflow.plans.models import Phase
from plm_workflow.plans.services import phase_work_submit


def text(comune, *, revised: bool = False) -> str:
    if revised:
        return "Bozza rivista con indicatori e finanziamenti (illustrativo)."
    return f"Bozza del piano di {comune.name} con le schede intervento (illustrativo)."


def second_cycle_text(comune) -> str:
    return f"Bozza del piano 2026-2028 di {comune.name} (illustrativo)."


def second_cycle(plan, by) -> None:
    phase_work_submit(plan=plan, phase=Phase.DRAFTING, text=second_cycle_text(plan.comune), by=by)
