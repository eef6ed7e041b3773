"""The demo's drafts of the plan."""


def text(comune, *, revised: bool = False) -> str:
    if revised:
        return "Bozza rivista con indicatori e finanziamenti (illustrativo)."
    return f"Bozza del piano di {comune.name} con le schede intervento (illustrativo)."


def second_cycle_text(comune) -> str:
    return f"Bozza del piano 2026-2028 di {comune.name} (illustrativo)."
