"""The demo's stakeholder tables (the phase's note)."""

from plm_workflow.plans.models import Phase
from plm_workflow.plans.services import phase_work_submit


def text(comune) -> str:
    return f"Tavolo primario e gruppi tematici di {comune.name} (illustrativo)."


def second_cycle_text(comune) -> str:
    return f"Tavoli del secondo ciclo di {comune.name} (illustrativo)."


def second_cycle(plan, by) -> None:
    phase_work_submit(plan=plan, phase=Phase.TABLES, text=second_cycle_text(plan.comune), by=by)
