"""The adoption's services, as its coordinators, facilitators and an auditor see them.

While the ``record_adoption`` task is open its holder records the resolution: body, number,
date, whether it is immediately enforceable, the signed act as a PDF and any annexes; the
submission needs the six named checks of ``adopt``, and the facilitator's approval adopts the
plan. Once adopted, the plan's coordinators or facilitators record the act's publication on
the albo pretorio; a correction carries its reason. Every change is one event old → new; a
refusal leaves no trace, not even a file in storage.
"""

import datetime
import hashlib

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from flows.flows import PLMFlow
from flows.services import task_claim
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.limits import REASON_MAX_CHARS, reason_too_long
from plm_workflow.plans import checks, phases
from plm_workflow.plans.documents import NOT_A_PDF, PDF_ENVELOPE, TOO_LARGE, pdf_problems
from plm_workflow.plans.errors import NOT_ALLOWED, PlanError
from plm_workflow.plans.models import (
    Adoption,
    Document,
    DocumentKind,
    Phase,
    PlanStatus,
    Review,
    ReviewDecision,
)
from plm_workflow.plans.models.adoption import (
    ACT_DATE_IN_FUTURE,
    LINK_INVALID,
    PUBLICATION_BEFORE_ACT,
    PUBLICATION_IN_FUTURE,
    PUBLICATION_REVERSED,
)
from plm_workflow.plans.pdfs import one_page_pdf
from plm_workflow.plans.services import StaleEdit, plan_adopt
from plm_workflow.steps.adoption import (
    CORRECTION_NEEDS_REASON,
    NOT_ADOPTED,
    PUBLICATION_INCOMPLETE,
    adoption_save,
    adoption_submit,
    publication_record,
)
from plm_workflow.steps.guard import NOT_HOLDER, SUBMITTED
from tests import adoptions
from tests.conftest import pdf_upload
from tests.factories import ADOPTED, PlanFactory, UserFactory, plan_step
from tests.flows.helpers import open_task

pytestmark = pytest.mark.django_db

K = EventKind
S = PlanStatus
DAY = datetime.timedelta(days=1)
LABEL = Phase.ADOPTION.label
ADHESION = datetime.date(2022, 6, 30)  # the adhesion act of the plans launched here


def today():
    return timezone.localdate()


def day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def take(plan, person):
    """Take the plan's open task on as ``person``, as its page does (nobody holds it yet)."""
    plan.refresh_from_db()
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        task = open_task(plan)
        task.process = plan.process
        task_claim(activation=task.flow_task.activation_class(task), by=person)


@pytest.fixture
def plan(flow_launched, comune, coordinator, coordinator2, facilitator):
    """Saluzzo's plan at its adoption, its draft approved today: two coordinators, the
    ``record_adoption`` task held by ``coordinator``."""
    plan = flow_launched(comune, coordinators=[coordinator, coordinator2])
    order = list(phases.NODE_STATUS)
    for node in order[: order.index("record_adoption")]:
        if node in phases.WORK_NODES:
            plan_step(plan, by=coordinator, text=f"{node}: fatto.")
        else:
            plan_step(plan, by=facilitator, decision="approved")
    take(plan, coordinator)
    assert (plan.status, open_task(plan).owner) == (S.ADOPTION, coordinator)
    return plan


@pytest.fixture
def adopted(plan, coordinator, facilitator):
    """The plan with its act submitted and verified: adopted, not yet published."""
    submit(plan, coordinator)
    plan_step(plan, by=facilitator, decision="approved")
    assert plan.status == S.ADOPTED
    return plan


def save(plan, by, *, seen_version=None, **given):
    """Save a complete act with a signed PDF as a draft (``given`` changes its fields)."""
    return adoption_save(plan=plan, by=by, seen_version=seen_version, **adoptions.complete(**given))


def submit(plan, by, **given):
    """Submit a complete act with a signed PDF (``given`` changes its fields)."""
    return adoption_submit(plan=plan, by=by, **adoptions.complete(**given))


def publish(plan, by, **given):
    """Record a publication from today for fifteen days (``given`` changes it)."""
    fields = {
        "published_from": today(),
        "published_to": today() + 15 * DAY,
        "register_number": "1234/2026",
        "publication_link": "https://albo.example.org/atti/1234",
    } | given
    return publication_record(plan=plan, by=by, **fields)


def act_pdf(name="delibera-adozione.pdf", text="Delibera di adozione del PLM"):
    return pdf_upload(name=name, content=one_page_pdf(text))


def stored_files(plan) -> list[str]:
    folder = f"plans/{plan.pk}"
    return sorted(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else []


def _rows(model, *fields):
    return list(model.objects.order_by("pk").values_list("pk", *fields))


def trace(plan) -> tuple:
    """What a refused write must leave as it was: the rows, their history, files and events."""
    plan.refresh_from_db()
    return (
        plan.status,
        _rows(Adoption, "plan_id", *adoptions.fields(), "signed_act_id", "revision"),
        _rows(Adoption, "published_from", "published_to", "register_number", "publication_link"),
        Adoption.history.count(),
        _rows(Document, "kind"),
        stored_files(plan),
        Event.objects.count(),
        list(plan.process.task_set.order_by("pk").values_list("pk", "status", "owner")),
    )


def refused(action, plan) -> PlanError:
    """Run ``action``, which must be refused and leave no trace; return the refusal."""
    before = trace(plan)
    with pytest.raises(PlanError) as caught:
        action()
    assert trace(plan) == before
    return caught.value


def events(plan, *kinds):
    return list(Event.objects.filter(plan=plan, kind__in=kinds).order_by("seq"))


def approve_drafting_on(plan, when: datetime.date):
    """Date the drafting phase's approving review ``when`` (the plan was approved then)."""
    moment = timezone.make_aware(datetime.datetime.combine(when, datetime.time(12)))
    approvals = Review.objects.filter(
        plan=plan, phase=Phase.DRAFTING, decision=ReviewDecision.APPROVED
    )
    assert approvals.update(decided_at=moment) == 1


# --- Drafts -----------------------------------------------------------------------------------


def test_a_draft_keeps_the_task_open_and_records_the_act_old_and_new(plan, coordinator):
    # when: the coordinator saves the act with its signed PDF
    adoption = save(plan, coordinator, seen_version=0)

    # then: the task stays theirs and open, the plan where it was, one event says what changed
    plan.refresh_from_db()
    assert plan.status == S.ADOPTION
    task = open_task(plan)
    assert (task.flow_task.name, task.owner) == ("record_adoption", coordinator)
    act = adoption.signed_act
    assert (act.kind, act.original_name, act.plan) == (
        DocumentKind.ADOPTION_ACT,
        "delibera-adozione.pdf",
        plan,
    )
    [event] = events(plan, K.ADOPTION_SAVED)
    assert (event.actor, event.plan) == (coordinator, plan)
    assert event.payload == {
        "concerns": {"plan": plan.pk, "adoption": adoption.pk},
        "phase": "adoption",
        "node": "record_adoption",
        "changes": {
            "body": [None, "giunta"],
            "act_number": [None, "112"],
            "act_date": [None, today().isoformat()],
            "immediately_enforceable": [None, True],
            "signed_act": [None, str(act.public_id)],
        },
    }
    assert adoption.revision == 1
    assert adoption.history.latest().history_user == coordinator


def test_a_second_draft_records_each_field_changed_old_and_new(plan, coordinator):
    first = save(plan, coordinator)

    second = adoption_save(
        plan=plan,
        by=coordinator,
        fields={"act_number": "113", "notes": "Numero corretto."},
        seen_version=first.revision,
    )

    latest = events(plan, K.ADOPTION_SAVED)[-1]
    assert latest.payload["changes"] == {
        "act_number": ["112", "113"],
        "notes": ["", "Numero corretto."],
    }
    assert "children" not in latest.payload
    assert second.revision == first.revision + 1
    assert second.signed_act == first.signed_act  # no new file: the act stays
    assert len(events(plan, K.ADOPTION_SAVED)) == 2


def test_a_submission_writes_the_acts_event_and_its_files_and_nothing_else(plan, coordinator):
    before = Event.objects.order_by("-seq").values_list("seq", flat=True).first()

    submit(plan, coordinator)

    written = Event.objects.filter(seq__gt=before).order_by("seq")
    assert [(e.kind, e.actor) for e in written] == [
        (K.FILE_UPLOADED, coordinator),
        (K.ADOPTION_SAVED, coordinator),
    ]
    adoption = Adoption.objects.get(plan=plan)
    assert written.last().payload["changes"]["signed_act"] == [
        None,
        str(adoption.signed_act.public_id),
    ]
    # the task is completed by its page, after the service: the plan waits where it was
    plan.refresh_from_db()
    assert plan.status == S.ADOPTION


def test_saving_unchanged_data_writes_nothing(plan, coordinator):
    adoption = save(plan, coordinator)
    before = trace(plan)

    again = adoption_save(
        plan=plan, by=coordinator, fields=adoptions.fields(), seen_version=adoption.revision
    )

    assert trace(plan) == before
    assert again.revision == adoption.revision


def test_saving_an_empty_form_on_no_adoption_writes_nothing(plan, coordinator):
    before = trace(plan)

    adoption_save(
        plan=plan,
        by=coordinator,
        fields={"body": "", "act_number": " ", "act_date": None, "notes": ""},
        seen_version=0,
    )

    assert trace(plan) == before
    assert not Adoption.objects.filter(plan=plan).exists()


def test_a_save_from_an_out_of_date_page_is_refused_and_overwrites_nothing(plan, coordinator):
    shown = save(plan, coordinator).revision
    # meanwhile, another tab changes the number
    adoption_save(plan=plan, by=coordinator, fields={"act_number": "113"}, seen_version=shown)

    error = refused(
        lambda: adoption_save(
            plan=plan,
            by=coordinator,
            fields={"act_number": "114"},
            signed_act_upload=act_pdf(),
            seen_version=shown,
        ),
        plan,
    )

    assert isinstance(error, StaleEdit)
    assert Adoption.objects.get(plan=plan).act_number == "113"


def test_a_submission_from_an_out_of_date_page_is_refused(plan, coordinator):
    shown = save(plan, coordinator).revision
    adoption_save(plan=plan, by=coordinator, fields={"act_number": "113"}, seen_version=shown)

    error = refused(
        lambda: adoption_submit(
            plan=plan, by=coordinator, fields=adoptions.fields(), seen_version=shown
        ),
        plan,
    )

    assert isinstance(error, StaleEdit)


def test_notes_over_the_limit_are_refused_with_the_limit(plan, coordinator):
    notes = "x" * (REASON_MAX_CHARS + 1)

    error = refused(lambda: save(plan, coordinator, notes=notes), plan)

    assert error.messages == [reason_too_long(notes)]


# --- The named checks of adopt ----------------------------------------------------------------


@pytest.mark.parametrize("check", list(adoptions.FAILING_ALONE))
def test_each_named_check_failing_alone_refuses_the_submission_and_nothing_changes(
    check, plan, coordinator
):
    message, lacking = adoptions.FAILING_ALONE[check]

    error = refused(lambda: submit(plan, coordinator, **lacking), plan)

    assert error.messages == [str(message)]
    assert open_task(plan).flow_task.name == "record_adoption"


def test_a_submission_without_the_signed_act_is_refused_and_nothing_changes(plan, coordinator):
    error = refused(
        lambda: adoption_submit(plan=plan, by=coordinator, fields=adoptions.fields()), plan
    )

    assert error.messages == [str(checks.SIGNED_ACT_MISSING)]


def test_a_submission_of_nothing_names_every_missing_part_at_once(plan, coordinator):
    error = refused(lambda: adoption_submit(plan=plan, by=coordinator, fields={}), plan)

    assert error.messages == [
        str(checks.BODY_MISSING),
        str(checks.ACT_NUMBER_MISSING),
        str(checks.ACT_DATE_MISSING),
        str(checks.SIGNED_ACT_MISSING),
    ]


@pytest.mark.parametrize("write", ["draft", "submission"])
def test_an_act_dated_in_the_future_is_refused_with_its_message(write, plan, coordinator):
    action = {"draft": save, "submission": submit}[write]

    error = refused(lambda: action(plan, coordinator, act_date=today() + DAY), plan)

    assert error.messages == [str(ACT_DATE_IN_FUTURE)]


def test_an_act_dated_in_the_future_fails_its_named_check_alone(plan, coordinator, facilitator):
    # given: an act whose date is in the future, written past the service (an older row)
    adoptions.fill(plan, coordinator, act_date=today() + DAY)

    with pytest.raises(PlanError) as caught:
        plan_adopt(plan=plan, by=facilitator)

    assert caught.value.messages == [str(checks.ACT_DATE_FUTURE)]


def test_an_act_dated_before_the_approval_is_refused_and_nothing_changes(plan, coordinator):
    approve_drafting_on(plan, today() - 10 * DAY)
    act_date = today() - 11 * DAY

    error = refused(lambda: submit(plan, coordinator, act_date=act_date), plan)

    assert error.messages == [
        str(checks.ACT_BEFORE_APPROVAL)
        % {"date": day(act_date), "approved": day(today() - 10 * DAY)}
    ]


def test_an_act_dated_the_day_of_the_approval_is_accepted(plan, coordinator):
    approve_drafting_on(plan, today() - 10 * DAY)

    submit(plan, coordinator, act_date=today() - 10 * DAY)  # not refused

    assert Adoption.objects.get(plan=plan).act_date == today() - 10 * DAY


def test_the_last_approval_of_the_draft_counts(plan, coordinator, facilitator):
    # given: the draft approved a month ago, and approved again today (written past the
    # services: a later round's approval is the one that counts)
    earlier = Review.objects.get(plan=plan, phase=Phase.DRAFTING, decision=ReviewDecision.APPROVED)
    approve_drafting_on(plan, today() - 30 * DAY)
    Review.objects.create(
        plan=plan,
        phase=Phase.DRAFTING,
        round=earlier.round + 1,
        decision=ReviewDecision.APPROVED,
        reviewer=facilitator,
    )
    act_date = today() - DAY

    error = refused(lambda: submit(plan, coordinator, act_date=act_date), plan)

    assert error.messages == [
        str(checks.ACT_BEFORE_APPROVAL) % {"date": day(act_date), "approved": day(today())}
    ]


def test_an_act_dated_before_the_adhesion_act_is_refused_and_nothing_changes(plan, coordinator):
    # given: the draft approved before the adhesion act (so that only the adhesion fails)
    approve_drafting_on(plan, ADHESION - 30 * DAY)
    act_date = ADHESION - DAY

    error = refused(lambda: submit(plan, coordinator, act_date=act_date), plan)

    assert error.messages == [
        str(checks.ACT_BEFORE_ADHESION) % {"date": day(act_date), "adhesion": day(ADHESION)}
    ]


def test_an_act_dated_the_day_of_the_adhesion_act_is_accepted(plan, coordinator):
    approve_drafting_on(plan, ADHESION - 30 * DAY)

    submit(plan, coordinator, act_date=ADHESION)  # not refused

    assert Adoption.objects.get(plan=plan).act_date == ADHESION


# --- The signed act and the annexes as PDFs ----------------------------------------------------


@pytest.mark.parametrize("write", ["draft", "submission"])
def test_a_text_file_renamed_pdf_is_refused_and_nothing_is_stored(write, plan, coordinator):
    action = {"draft": adoption_save, "submission": adoption_submit}[write]
    fake = pdf_upload(name="delibera.pdf", content=b"Delibera n. 112, testo semplice.\n")

    error = refused(
        lambda: action(
            plan=plan, by=coordinator, fields=adoptions.fields(), signed_act_upload=fake
        ),
        plan,
    )

    assert error.messages == [str(NOT_A_PDF % {"name": "delibera.pdf"})]


def test_a_p7m_envelope_is_refused_asking_for_the_pdf_itself(plan, coordinator):
    envelope = pdf_upload(name="delibera.pdf.p7m", content=one_page_pdf("Delibera"))

    error = refused(
        lambda: adoption_save(
            plan=plan, by=coordinator, fields=adoptions.fields(), signed_act_upload=envelope
        ),
        plan,
    )

    assert error.messages == [str(PDF_ENVELOPE % {"name": "delibera.pdf.p7m"})]
    assert "PAdES" in error.messages[0]


def test_an_act_over_the_acts_limit_is_refused_saying_the_limit(plan, coordinator, settings):
    upload = act_pdf()
    settings.PLM_MAX_ACT_BYTES = upload.size - 1

    error = refused(
        lambda: adoption_save(
            plan=plan, by=coordinator, fields=adoptions.fields(), signed_act_upload=upload
        ),
        plan,
    )

    limit = filesizeformat(upload.size - 1)
    assert error.messages == [
        str(
            TOO_LARGE
            % {"name": "delibera-adozione.pdf", "size": filesizeformat(upload.size), "limit": limit}
        )
    ]
    assert limit in error.messages[0]


def test_an_act_larger_than_other_files_but_within_the_acts_limit_is_accepted(
    plan, coordinator, settings
):
    # given: the limits lowered in their proportion (10 MiB for files, 25 MiB for acts), the
    # act between the two
    upload, annex = act_pdf(), act_pdf("allegato.pdf", "Il piano adottato")
    settings.PLM_MAX_ACT_BYTES = max(upload.size, annex.size)
    settings.PLM_MAX_UPLOAD_BYTES = settings.PLM_MAX_ACT_BYTES * 10 // 25
    assert pdf_problems(upload, DocumentKind.MINUTES)  # too large for minutes

    adoption = adoption_save(
        plan=plan,
        by=coordinator,
        fields=adoptions.fields(),
        signed_act_upload=upload,
        annex_uploads=[annex],
    )

    assert adoption.signed_act.size == upload.size
    annexes = Document.objects.filter(plan=plan, kind=DocumentKind.ADOPTION_ANNEX)
    assert [a.original_name for a in annexes] == ["allegato.pdf"]


def test_an_annex_that_is_not_a_pdf_refuses_the_save_and_the_act_with_it(plan, coordinator):
    error = refused(
        lambda: adoption_save(
            plan=plan,
            by=coordinator,
            fields=adoptions.fields(),
            signed_act_upload=act_pdf(),
            annex_uploads=[pdf_upload(name="allegato.pdf", content=b"non un pdf")],
        ),
        plan,
    )

    assert error.messages == [str(NOT_A_PDF % {"name": "allegato.pdf"})]


def test_the_upload_event_carries_the_stored_files_sha256(plan, coordinator):
    adoption = save(plan, coordinator)

    act = adoption.signed_act
    with default_storage.open(act.file.name, "rb") as stored:
        digest = hashlib.sha256(stored.read()).hexdigest()
    [uploaded] = [
        e
        for e in events(plan, K.FILE_UPLOADED)
        if e.payload["concerns"].get("document") == str(act.public_id)
    ]
    assert uploaded.actor == coordinator
    [added] = uploaded.payload["children"]["document"]["added"]
    assert added == {
        "kind": "adoption_act",
        "name": "delibera-adozione.pdf",
        "size": act.size,
        "sha256": digest,
    }
    assert act.sha256 == digest


def test_a_replaced_signed_act_stays_on_record(plan, coordinator):
    files = stored_files(plan)  # the adhesion act
    first = save(plan, coordinator).signed_act

    again = adoption_save(
        plan=plan,
        by=coordinator,
        fields={},
        signed_act_upload=act_pdf("delibera-firmata.pdf", "Delibera firmata"),
    )

    assert again.signed_act != first
    acts = Document.objects.filter(plan=plan, kind=DocumentKind.ADOPTION_ACT).order_by("pk")
    assert [d.original_name for d in acts] == ["delibera-adozione.pdf", "delibera-firmata.pdf"]
    assert len(stored_files(plan)) == len(files) + 2
    saved = events(plan, K.ADOPTION_SAVED)[-1]
    assert saved.payload["changes"] == {
        "signed_act": [str(first.public_id), str(again.signed_act.public_id)]
    }


def test_annexes_are_added_each_with_its_event(plan, coordinator):
    save(plan, coordinator)

    adoption = adoption_save(
        plan=plan,
        by=coordinator,
        fields={},
        annex_uploads=[act_pdf("piano.pdf", "Il piano adottato"), act_pdf("mappa.pdf", "Mappa")],
    )

    annexes = list(
        Document.objects.filter(plan=plan, kind=DocumentKind.ADOPTION_ANNEX).order_by("pk")
    )
    assert [a.original_name for a in annexes] == ["piano.pdf", "mappa.pdf"]
    saved = events(plan, K.ADOPTION_SAVED)[-1]
    assert saved.payload["children"] == {"annex": {"added": [str(a.public_id) for a in annexes]}}
    assert "changes" not in saved.payload
    assert adoption.revision == 2
    uploaded = {e.payload["concerns"]["document"] for e in events(plan, K.FILE_UPLOADED)}
    assert {str(a.public_id) for a in annexes} <= uploaded


# --- Who writes it, and when ------------------------------------------------------------------


def _writes(plan):
    return {
        "adoption_save": lambda by: save(plan, by),
        "adoption_submit": lambda by: submit(plan, by),
    }


@pytest.mark.parametrize("write", ["adoption_save", "adoption_submit"])
@pytest.mark.parametrize("who", ["another comune's coordinator", "auditor", "facilitator"])
def test_people_who_do_not_coordinate_the_plan_are_refused_learning_nothing(
    write, who, plan, coordinator, facilitator, auditor
):
    save(plan, coordinator)
    elsewhere = PlanFactory(at="record_adoption")
    person = {
        "another comune's coordinator": elsewhere.comune.memberships.get(role="coordinator").user,
        "auditor": auditor,
        "facilitator": facilitator,
    }[who]

    error = refused(lambda: _writes(plan)[write](person), plan)

    assert error.forbidden is True
    assert error.messages == [str(NOT_ALLOWED)]


@pytest.mark.parametrize("write", ["adoption_save", "adoption_submit"])
def test_a_coordinator_not_holding_the_task_is_told_to_take_it_on(
    write, plan, coordinator, coordinator2
):
    save(plan, coordinator)

    error = refused(lambda: _writes(plan)[write](coordinator2), plan)

    assert error.forbidden is False
    assert error.messages == [str(NOT_HOLDER % {"phase": LABEL})]


def test_a_stranger_without_any_role_is_refused(plan):
    error = refused(lambda: save(plan, UserFactory()), plan)

    assert error.forbidden is True


def test_the_act_is_frozen_while_the_facilitators_verify_it(plan, coordinator):
    submit_and_hand_in(plan, coordinator)

    error = refused(lambda: save(plan, coordinator, act_number="999"), plan)

    assert error.messages == [str(SUBMITTED % {"phase": LABEL})]


def test_the_act_is_frozen_once_the_plan_is_adopted(adopted, coordinator):
    error = refused(lambda: save(adopted, coordinator, act_number="999"), adopted)

    assert error.messages == [str(SUBMITTED % {"phase": LABEL})]


def test_after_a_return_the_new_task_may_change_the_act(plan, coordinator, facilitator):
    first = submit_and_hand_in(plan, coordinator)
    plan_step(plan, by=facilitator, decision="returned", comments="Manca la firma digitale.")
    assert open_task(plan).flow_task.name == "record_adoption"
    take(plan, coordinator)

    again = adoption_save(
        plan=plan,
        by=coordinator,
        fields={"act_number": "113"},
        signed_act_upload=act_pdf("delibera-firmata.pdf", "Delibera firmata"),
    )

    assert (again.act_number, again.revision) == ("113", first.revision + 1)
    assert again.signed_act != first.signed_act
    assert events(plan, K.ADOPTION_SAVED)[-1].payload["changes"]["act_number"] == ["112", "113"]


def test_the_facilitators_approval_adopts_the_plan_and_ends_the_flow(
    plan, coordinator, facilitator
):
    submit_and_hand_in(plan, coordinator)

    plan_step(plan, by=facilitator, decision="approved")

    plan.refresh_from_db()
    assert plan.status == S.ADOPTED
    assert plan.history.latest().history_user == facilitator
    assert not plan.process.task_set.filter(flow_task_type="HUMAN", status="NEW").exists()
    plan.process.refresh_from_db()
    assert plan.process.status == "DONE"


def submit_and_hand_in(plan, coordinator) -> Adoption:
    """Submit a complete act through the step, as its page does: the verification opens."""
    plan_step(plan, by=coordinator)
    assert open_task(plan).flow_task.name == "verify_adoption"
    return Adoption.objects.get(plan=plan)


# --- The publication on the albo pretorio ------------------------------------------------------


@pytest.mark.parametrize("at", ["record_adoption", "verify_adoption"])
def test_the_publication_is_refused_before_adoption(at, plan, coordinator, facilitator):
    save(plan, coordinator)
    if at == "verify_adoption":
        submit_and_hand_in(plan, coordinator)

    error = refused(lambda: publish(plan, facilitator), plan)

    assert error.messages == [str(NOT_ADOPTED)]


@pytest.mark.parametrize("who", ["coordinator", "coordinator2", "facilitator"])
def test_the_publication_is_recorded_once_adopted_by_a_coordinator_or_a_facilitator(
    who, adopted, request
):
    person = request.getfixturevalue(who)

    adoption = publish(adopted, person)

    assert adoption.is_published
    [event] = events(adopted, K.PUBLICATION_RECORDED, K.PUBLICATION_CORRECTED)
    assert (event.kind, event.actor) == (K.PUBLICATION_RECORDED, person)
    assert event.payload == {
        "concerns": {"plan": adopted.pk, "adoption": adoption.pk},
        "phase": "adoption",
        "changes": {
            "published_from": [None, today().isoformat()],
            "published_to": [None, (today() + 15 * DAY).isoformat()],
            "register_number": ["", "1234/2026"],
            "publication_link": ["", "https://albo.example.org/atti/1234"],
        },
    }
    assert adoption.history.latest().history_user == person


@pytest.mark.parametrize("who", ["auditor", "lead", "another comune's coordinator"])
def test_others_cannot_record_the_publication(who, adopted, request):
    person = (
        PlanFactory(at=ADOPTED).comune.memberships.get(role="coordinator").user
        if who == "another comune's coordinator"
        else request.getfixturevalue(who)
    )

    error = refused(lambda: publish(adopted, person), adopted)

    assert error.forbidden is True
    assert error.messages == [str(NOT_ALLOWED)]


def test_a_publication_from_the_acts_day_is_accepted(adopted, coordinator):
    act_date = Adoption.objects.get(plan=adopted).act_date

    adoption = publish(adopted, coordinator, published_from=act_date, published_to=act_date)

    assert (adoption.published_from, adoption.published_to) == (act_date, act_date)


def test_a_publication_starting_before_the_act_is_refused(adopted, coordinator):
    # given: the act dated ten days ago
    Adoption.objects.filter(plan=adopted).update(act_date=today() - 10 * DAY)

    error = refused(
        lambda: publish(adopted, coordinator, published_from=today() - 11 * DAY), adopted
    )

    assert error.messages == [str(PUBLICATION_BEFORE_ACT) % {"date": day(today() - 10 * DAY)}]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"published_from": None}, PUBLICATION_INCOMPLETE),
        ({"published_to": None}, PUBLICATION_INCOMPLETE),
        ({"register_number": "  "}, PUBLICATION_INCOMPLETE),
        (
            {"published_from": today() + DAY, "published_to": today() + 16 * DAY},
            PUBLICATION_IN_FUTURE,
        ),
        ({"published_to": today() - DAY}, PUBLICATION_REVERSED),
        ({"publication_link": "javascript:alert(1)"}, LINK_INVALID),
        ({"publication_link": "ftp://albo.example.org/1234"}, LINK_INVALID),
    ],
)
def test_a_publication_that_cannot_be_right_is_refused_with_its_message(
    given, message, adopted, coordinator
):
    error = refused(lambda: publish(adopted, coordinator, **given), adopted)

    assert error.messages == [str(message)]


def test_a_second_record_without_a_reason_is_refused(adopted, coordinator, facilitator):
    publish(adopted, coordinator)

    error = refused(lambda: publish(adopted, facilitator, register_number="1235/2026"), adopted)

    assert error.messages == [str(CORRECTION_NEEDS_REASON)]


def test_a_correction_with_its_reason_is_recorded_old_and_new_with_the_reason(
    adopted, coordinator, facilitator
):
    first = publish(adopted, coordinator)

    corrected = publication_record(
        plan=adopted,
        by=facilitator,
        reason="  Numero di registro errato.  ",
        seen_version=first.revision,
        register_number="1235/2026",
    )

    assert corrected.register_number == "1235/2026"
    assert corrected.published_from == first.published_from  # what was not given stays
    recorded = events(adopted, K.PUBLICATION_RECORDED, K.PUBLICATION_CORRECTED)
    assert [e.kind for e in recorded] == [K.PUBLICATION_RECORDED, K.PUBLICATION_CORRECTED]
    assert recorded[-1].actor == facilitator
    assert recorded[-1].payload == {
        "concerns": {"plan": adopted.pk, "adoption": corrected.pk},
        "phase": "adoption",
        "changes": {"register_number": ["1234/2026", "1235/2026"]},
        "reason": "Numero di registro errato.",
    }
    latest = corrected.history.latest()
    assert (latest.history_user, latest.register_number) == (facilitator, "1235/2026")
    assert "Numero di registro errato." in latest.history_change_reason


def test_a_correction_with_a_reason_too_long_is_refused(adopted, coordinator):
    publish(adopted, coordinator)
    reason = "x" * (REASON_MAX_CHARS + 1)

    error = refused(
        lambda: publish(adopted, coordinator, reason=reason, register_number="9"), adopted
    )

    assert error.messages == [reason_too_long(reason)]


def test_a_publication_from_an_out_of_date_page_is_refused(adopted, coordinator, facilitator):
    shown = Adoption.objects.get(plan=adopted).revision
    publish(adopted, coordinator)  # meanwhile, a coordinator records it

    error = refused(
        lambda: publish(adopted, facilitator, reason="Rettifica.", seen_version=shown), adopted
    )

    assert isinstance(error, StaleEdit)


def test_recording_the_same_publication_again_writes_nothing(adopted, coordinator):
    first = publish(adopted, coordinator)
    before = trace(adopted)

    again = publish(adopted, coordinator, reason="Di nuovo.", seen_version=first.revision)

    assert trace(adopted) == before
    assert again.revision == first.revision
