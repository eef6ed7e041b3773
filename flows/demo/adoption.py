"""The demo's adoptions: each cohort plan's resolution, its signed act, its albo publication.

COHORT-FACTS documents one adoption: the Giunta of Castel Volturno took the plan over on
6 July 2023. Act numbers are not documented for any comune, nor the other bodies and dates:
all of it is illustrative, and says so in the act's number, its notes and its PDF, which is
a one-page document saying it is not the real act. The albo pretorio's publication (register
number, period, link to an example.org address) is illustrative too: it starts a few days
after the act and lasts fifteen days.

On the replay's calendar the coordinator records the act the working day after it, the
facilitator verifies it (the plan is adopted) the working day after that, and the coordinator
records the publication on the day it starts. Written through the step services: the act by
the holder of the open task, the publication from the plan page, each under the flow's lock.
"""

import datetime
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.text import slugify

from plm_workflow.deadlines.calendar import next_working_day
from plm_workflow.plans.models import AdoptingBody
from plm_workflow.plans.pdfs import one_page_pdf
from plm_workflow.steps.adoption import adoption_save, adoption_submit, publication_record

ILLUSTRATIVE = "illustrativo"
SIGNED_ACT_MARK = "Documento illustrativo della demo, non l'atto reale"
PUBLICATION_DAYS = 15  # the albo pretorio's period, both ends included
NOTES_ILLUSTRATIVE = (
    "Numero e data illustrativi: la delibera di adozione non è documentata pubblicamente; "
    "anche l'organo, l'immediata eseguibilità e la pubblicazione all'albo sono illustrativi."
)
NOTES_DOCUMENTED = (
    "Data documentata (documentazione pubblica del programma InCaS, ANCI/Cittalia): la Giunta "
    "ha fatto proprio il piano il 6 luglio 2023. Numero, immediata eseguibilità e pubblicazione "
    "all'albo illustrativi: non sono documentati pubblicamente."
)
SECOND_CYCLE_NOTES = "Secondo ciclo (illustrativo): numero, data e atto illustrativi."
DRAFT_NOTES = (
    "Bozza del secondo ciclo (illustrativa): organo e numero indicati; la data della delibera "
    "e l'atto firmato sono ancora da inserire."
)


@dataclass(frozen=True)
class Act:
    """A comune's adoption resolution, all of it illustrative but the documented date."""

    body: str
    number: int
    immediately_enforceable: bool
    register: int  # the albo pretorio's register number, in the act's year


# By ISTAT code: illustrative numbers; the acts' dates are the cohort's (flows/demo COHORT).
ACTS = {
    "076043": Act(AdoptingBody.GIUNTA, 74, True, 612),  # Lavello
    "089017": Act(AdoptingBody.GIUNTA, 213, True, 2874),  # Siracusa
    "078157": Act(AdoptingBody.GIUNTA, 291, True, 3105),  # Corigliano-Rossano
    "009002": Act(AdoptingBody.GIUNTA, 302, False, 2411),  # Albenga
    "061027": Act(AdoptingBody.GIUNTA, 98, True, 1187),  # Castel Volturno
    "029041": Act(AdoptingBody.CONSIGLIO, 61, True, 3342),  # Rovigo
    "004203": Act(AdoptingBody.GIUNTA, 245, True, 2690),  # Saluzzo
    "043042": Act(AdoptingBody.GIUNTA, 176, False, 1473),  # Porto Recanati
}
# The one adoption COHORT-FACTS documents: Castel Volturno's Giunta, 6 July 2023.
DOCUMENTED = {"061027": (AdoptingBody.GIUNTA, datetime.date(2023, 7, 6))}
SECOND_CYCLE = Act(AdoptingBody.GIUNTA, 57, True, 0)


@dataclass(frozen=True)
class Calendar:
    """When the replay records an act dated ``act``, verifies it, and publishes it."""

    act: datetime.date
    recorded: datetime.date
    verified: datetime.date
    published_from: datetime.date
    published_to: datetime.date


def calendar(act: datetime.date) -> Calendar:
    """The act recorded the working day after it, verified the working day after that, and
    published on the albo from the next working day, for fifteen days."""
    recorded = next_working_day(act + datetime.timedelta(days=1))
    verified = next_working_day(recorded + datetime.timedelta(days=1))
    published_from = next_working_day(verified + datetime.timedelta(days=1))
    return Calendar(
        act=act,
        recorded=recorded,
        verified=verified,
        published_from=published_from,
        published_to=published_from + datetime.timedelta(days=PUBLICATION_DAYS - 1),
    )


def _number(number: int) -> str:
    return f"{number} ({ILLUSTRATIVE})"


def signed_act(act: Act, day: datetime.date) -> SimpleUploadedFile:
    """The act's PDF: one page saying it is the demo's, not the real act (one line that fits
    the page: the comune, the body and the plan are on the adoption itself)."""
    text = f"{SIGNED_ACT_MARK}: delibera n. {act.number} del {day:%d/%m/%Y}."
    return SimpleUploadedFile(
        "delibera-adozione.pdf", one_page_pdf(text), content_type="application/pdf"
    )


def act_fields(istat: str, day: datetime.date) -> dict:
    """The fields of ``adoption_submit`` for a cohort comune's act dated ``day``."""
    act = ACTS[istat]
    documented = DOCUMENTED.get(istat)
    if documented is not None and documented != (act.body, day):
        raise ValueError(f"{istat}: the documented adoption is {documented}, not {day}")
    return {
        "body": act.body,
        "act_number": _number(act.number),
        "act_date": day,
        "immediately_enforceable": act.immediately_enforceable,
        "notes": NOTES_DOCUMENTED if documented else NOTES_ILLUSTRATIVE,
    }


def publication_fields(plan, act: Act, dates: Calendar) -> dict:
    """The fields of ``publication_record``: the albo's period, register number and link."""
    year = dates.published_from.year
    return {
        "published_from": dates.published_from,
        "published_to": dates.published_to,
        "register_number": f"{act.register}/{year} ({ILLUSTRATIVE})",
        "publication_link": (
            f"https://albo.example.org/{slugify(plan.comune.name)}/{year}/{act.register}"
        ),
    }


# --- The filler's steps: each runs under the flow's lock ----------------------------------------


def first_cycle(istat: str, day: datetime.date):
    """The act's submission, by the holder of the open task, on the recording day."""

    def write(plan, by) -> None:
        adoption_submit(
            plan=plan,
            by=by,
            fields=act_fields(istat, day),
            signed_act_upload=signed_act(ACTS[istat], day),
            seen_version=0,
        )

    return write


def publication(istat: str, day: datetime.date):
    """The publication's record by a coordinator, from the plan page, on the day it starts."""

    def write(plan, by) -> None:
        dates = calendar(day)
        if timezone.localdate() < dates.published_from:
            raise RuntimeError(f"{plan}: the publication is recorded before it starts")
        publication_record(plan=plan, by=by, **publication_fields(plan, ACTS[istat], dates))

    return write


def second_cycle(plan, by) -> None:
    """The second cycle's act (illustrative), dated and recorded today, submitted."""
    today = timezone.localdate()
    adoption_submit(
        plan=plan,
        by=by,
        fields={
            "body": SECOND_CYCLE.body,
            "act_number": _number(SECOND_CYCLE.number),
            "act_date": today,
            "immediately_enforceable": SECOND_CYCLE.immediately_enforceable,
            "notes": SECOND_CYCLE_NOTES,
        },
        signed_act_upload=signed_act(SECOND_CYCLE, today),
        seen_version=0,
    )


def draft_fields() -> dict:
    """A second cycle's partial draft: the body and the number, without the act's date and
    its signed PDF (what the demo leaves for its user to give)."""
    return {
        "body": SECOND_CYCLE.body,
        "act_number": _number(SECOND_CYCLE.number),
        "immediately_enforceable": SECOND_CYCLE.immediately_enforceable,
        "notes": DRAFT_NOTES,
    }


def second_cycle_draft(plan, by) -> None:
    """Save (not submit) a partial draft, for a demo user to finish."""
    adoption_save(plan=plan, by=by, fields=draft_fields(), seen_version=0)
