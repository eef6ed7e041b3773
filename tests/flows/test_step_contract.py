"""The step contract: an editor, a read-only view as of a moment, and stale-form refusal.

Shown on a phase whose work is its note (drafting); the assessment's and the tables' own pages
keep the same contract with their own data.
"""

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from django.views import generic

from flows.flows import PLMFlow
from flows.nodes import step_page
from flows.services import flow_withdraw
from plm_workflow.plans.history import note_as_of
from plm_workflow.plans.models import Phase, PhaseNote
from plm_workflow.plans.services import StaleEdit, note_version, phase_note_save
from tests.factories import UserFactory
from tests.flows.helpers import claim, decide, open_task, submit, url

pytestmark = pytest.mark.django_db


def _page(client, person, address):
    client.force_login(person)
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


def _plan_page(client, person, plan):
    flow = plan.process.flow_class.instance
    return _page(client, person, flow.reverse("process_detail", args=[plan.process.pk]))


def test_a_save_from_an_out_of_date_page_is_refused_and_overwrites_nothing(
    client, drafting_plan, coordinator
):
    # given: the same editor open twice, both showing the empty note
    task = open_task(drafting_plan)
    claim(client, coordinator, task)
    form = client.get(url(task, "execute")).context["form"]
    shown = form.initial["version"]
    # when: the second tab saves first, then the first tab saves its own text
    first = client.post(
        url(task, "execute"), {"text": "Dalla seconda scheda.", "version": shown, "_draft": "1"}
    )
    assert first.status_code == 302
    stale = client.post(
        url(task, "execute"), {"text": "Dalla prima scheda.", "version": shown, "_draft": "1"}
    )
    # then: refused on the unchanged form, with who changed it; the saved text stays
    assert stale.status_code == 200
    errors = stale.context["form"].non_field_errors()
    assert len(errors) == 1 and coordinator.get_username() in errors[0]
    content = stale.content.decode()
    assert "Dalla prima scheda." in content  # what the person typed is kept
    assert "Dalla seconda scheda." in content  # and the text saved meanwhile is shown
    note = PhaseNote.objects.get(plan=drafting_plan, phase=Phase.DRAFTING)
    assert note.text == "Dalla seconda scheda."
    assert note.history.count() == 1
    # and: saving again from the refreshed form (it now carries the new version) works
    again = client.post(
        url(task, "execute"),
        {
            "text": "Dalla prima scheda.",
            "version": stale.context["form"].data["version"],
            "_draft": "1",
        },
    )
    assert again.status_code == 302
    note.refresh_from_db()
    assert note.text == "Dalla prima scheda."


def test_a_stale_save_by_another_coordinator_names_who_changed_it(
    drafting_plan, coordinator, coordinator2
):
    seen = note_version(None)
    phase_note_save(plan=drafting_plan, phase=Phase.DRAFTING, text="Prima.", by=coordinator)
    with pytest.raises(StaleEdit) as refused:
        phase_note_save(
            plan=drafting_plan,
            phase=Phase.DRAFTING,
            text="Altro.",
            by=coordinator2,
            seen_version=seen,
        )
    assert coordinator.get_username() in refused.value.messages[0]
    assert PhaseNote.objects.get(plan=drafting_plan).text == "Prima."


def _return_then_draft(client, drafting_plan, coordinator, facilitator):
    submit(client, coordinator, open_task(drafting_plan), "Prima versione.")
    decide(client, facilitator, open_task(drafting_plan), "returned", "Manca la mappa.")
    task = open_task(drafting_plan)
    claim(client, coordinator, task)
    version = client.get(url(task, "execute")).context["form"].initial["version"]
    response = client.post(
        url(task, "execute"), {"text": "Seconda versione.", "version": version, "_draft": "1"}
    )
    assert response.status_code == 302
    return task


def test_the_plan_page_shows_the_last_submission_and_the_draft_in_progress(
    client, drafting_plan, coordinator, facilitator, auditor
):
    _return_then_draft(client, drafting_plan, coordinator, facilitator)

    content = _plan_page(client, auditor, drafting_plan)

    section = content.split('data-phase="drafting"', 1)[1].split("</section>", 1)[0]
    assert "Prima versione." in section
    assert "Seconda versione." not in section
    with translation.override("it"):
        said = gettext("<strong>Draft in progress</strong>, saved on %(when)s by %(who)s.")
    assert said.split("%(when)s")[0] in section
    assert coordinator.get_username() in section


def test_a_draft_never_submitted_is_not_shown_as_submitted_after_a_withdrawal(
    client, drafting_plan, coordinator, lead, auditor
):
    task = open_task(drafting_plan)
    claim(client, coordinator, task)
    version = client.get(url(task, "execute")).context["form"].initial["version"]
    client.post(url(task, "execute"), {"text": "Mai inviata.", "version": version, "_draft": "1"})
    flow_withdraw(plan=drafting_plan, by=lead, reason="Il comune rinuncia")

    content = _plan_page(client, auditor, drafting_plan)

    section = content.split('data-phase="drafting"', 1)[1].split("</section>", 1)[0]
    assert "Mai inviata." not in section


def test_a_closed_tasks_page_shows_the_step_as_it_stood_when_it_closed(
    client, drafting_plan, coordinator, facilitator, auditor
):
    first = open_task(drafting_plan)
    _return_then_draft(client, drafting_plan, coordinator, facilitator)

    content = _page(client, auditor, url(first, "detail"))

    assert "Prima versione." in content
    assert "Seconda versione." not in content


def test_the_check_shows_the_work_now_and_what_changed_since_the_last_return(
    client, drafting_plan, coordinator, facilitator
):
    task = _return_then_draft(client, drafting_plan, coordinator, facilitator)
    version = client.get(url(task, "execute")).context["form"].initial["version"]
    client.post(
        url(task, "execute"), {"text": "Terza versione.", "version": version, "_submit": "1"}
    )
    check = open_task(drafting_plan)
    claim(client, facilitator, check)

    response = client.get(url(check, "execute"))

    assert response.status_code == 200
    assert response.context["current"].text == "Terza versione."
    assert response.context["changed_since_return"] == {
        "text": ["Prima versione.", "Terza versione."]
    }
    content = response.content.decode()
    assert "Terza versione." in content
    assert escape("Prima versione.") in content  # the text at the return, for comparison


def test_the_check_says_when_nothing_changed_since_the_return(
    client, drafting_plan, coordinator, facilitator
):
    submit(client, coordinator, open_task(drafting_plan), "Uguale.")
    decide(client, facilitator, open_task(drafting_plan), "returned", "Rivedere.")
    submit(client, coordinator, open_task(drafting_plan), "Uguale.")
    check = open_task(drafting_plan)
    claim(client, facilitator, check)

    response = client.get(url(check, "execute"))

    assert response.context["changed_since_return"] == {}


def test_the_note_as_of_a_moment_is_read_from_history(drafting_plan, coordinator):
    phase_note_save(plan=drafting_plan, phase=Phase.DRAFTING, text="Uno.", by=coordinator)
    between = PhaseNote.objects.get(plan=drafting_plan).history.get().history_date
    phase_note_save(plan=drafting_plan, phase=Phase.DRAFTING, text="Due.", by=coordinator)

    assert note_as_of(plan=drafting_plan, phase=Phase.DRAFTING, at=between).text == "Uno."
    assert note_as_of(plan=drafting_plan, phase=Phase.DRAFTING).text == "Due."
    assert note_as_of(plan=drafting_plan, phase=Phase.ADOPTION) is None


class _Probe(generic.View):
    def get(self, request, *args, **kwargs):
        return HttpResponse(f"probe {request.activation.task.pk}")


def test_a_steps_own_page_opens_only_like_its_form(
    rf, flow_plan, coordinator, coordinator2, client
):
    view = step_page(PLMFlow.assess, _Probe.as_view())
    task = open_task(flow_plan)
    kwargs = {"process_pk": flow_plan.process.pk, "task_pk": task.pk}

    def call(person):
        request = rf.get("/probe/")
        request.user, request.session = person, client.session
        request._messages = FallbackStorage(request)
        return view(request, **kwargs)

    with pytest.raises(Http404):  # an outsider learns nothing about the plan
        call(UserFactory())
    not_taken = call(coordinator2)  # nobody holds it yet: back to the task's page
    assert (not_taken.status_code, not_taken.url) == (302, url(task, "detail"))
    claim(client, coordinator, task)
    with pytest.raises(PermissionDenied):  # held by someone else
        call(coordinator2)
    response = call(coordinator)
    assert (response.status_code, response.content) == (200, f"probe {task.pk}".encode())
