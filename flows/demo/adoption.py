"""The demo's adoption records (the phase's note)."""

from plm_workflow.plans.models import Phase
from plm_workflow.plans.services import phase_work_submit


def text(adopted, *, documented: bool) -> str:
    """Return the adoption note; only Castel Volturno's date is public."""
    note = "" if documented else " (data illustrativa)"
    return f"Adozione da parte della Giunta, {adopted.strftime('%d/%m/%Y')}{note}."


def second_cycle_text(comune) -> str:
    return f"Delibera di adozione del piano 2026-2028 di {comune.name} (illustrativo)."


def second_cycle(plan, by) -> None:
    phase_work_submit(plan=plan, phase=Phase.ADOPTION, text=second_cycle_text(plan.comune), by=by)
