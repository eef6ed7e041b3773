"""The demo's needs assessment: what the cohort's documents say of each comune's context."""


def text(context: str) -> str:
    """Return the first cycle's assessment note, from the comune's documented context."""
    return context


def second_cycle_text(comune) -> str:
    return f"Aggiornamento dell'analisi dei fabbisogni di {comune.name} (illustrativo)."
