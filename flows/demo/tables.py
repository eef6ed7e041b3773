"""The demo's stakeholder tables."""


def text(comune) -> str:
    return f"Tavolo primario e gruppi tematici di {comune.name} (illustrativo)."


def second_cycle_text(comune) -> str:
    return f"Tavoli del secondo ciclo di {comune.name} (illustrativo)."
