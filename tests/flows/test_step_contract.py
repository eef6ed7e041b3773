"""The step contract: an editor, a read-only view as of a moment, and stale-form refusal.

Shown on the draft's sections (the text of the plan); the other phases' own pages keep the
same contract with their own data.
"""

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from django.views import generic

from flows.content import content_for
from flows.drafting_content import SECTION_CHANGED
from flows.flows import PLMFlow
from flows.nodes import step_page
from flows.services import flow_withdraw, task_claim, task_release
from plm_workflow.plans.models import Phase, PlanSection, SectionKey
from plm_workflow.plans.services import StaleEdit, last_saved
from plm_workflow.steps.drafting import STALE_SECTION, sections_save
from tests.factories import UserFactory
from tests.flows.helpers import claim, decide, open_task, submit, url

pytestmark = pytest.mark.django_db

CONTEXT = SectionKey.CONTEXT
DRAFT = content_for(Phase.DRAFTING)


def _page(client, person, address):
    client.force_login(person)
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


def _plan_page(client, person, plan):
    flow = plan.process.flow_class.instance
    return _page(client, person, flow.reverse("process_detail", args=[plan.process.pk]))


def _drafting_section(content):
    """The plan page's drafting section (its sections of text are sections of their own)."""
    return content.split('data-phase="drafting"', 1)[1].split('data-phase="adoption"', 1)[0]


def _context_post(text, version):
    """The editor's save of the context section, with the revision the page showed."""
    return {"_save_sections": "1", CONTEXT: text, f"{CONTEXT}_version": version}


def _hands(plan, person, change):
    """Take the plan's open task on (``task_claim``) or give it back (``task_release``)."""
    plan.refresh_from_db()
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        task = open_task(plan)
        task.process = plan.process
        change(activation=task.flow_task.activation_class(task), by=person)


def test_a_save_from_an_out_of_date_page_is_refused_and_overwrites_nothing(
    client, drafting_plan, coordinator
):
    # given: the same editor open twice, both showing the empty context
    task = open_task(drafting_plan)
    claim(client, coordinator, task)
    form = client.get(url(task, "execute")).context["form"]
    shown = form.initial[f"{CONTEXT}_version"]
    # when: the second tab saves first, then the first tab saves its own text
    first = client.post(url(task, "execute"), _context_post("Dalla seconda scheda.", shown))
    assert first.status_code == 302
    stale = client.post(url(task, "execute"), _context_post("Dalla prima scheda.", shown))
    # then: refused on the unchanged form, with who changed it; the saved text stays
    assert stale.status_code == 200
    errors = stale.context["form"].non_field_errors()
    assert len(errors) == 1 and coordinator.get_username() in errors[0]
    content = stale.content.decode()
    assert "Dalla prima scheda." in content  # what the person typed is kept
    assert "Dalla seconda scheda." in content  # and the text saved meanwhile is shown
    section = PlanSection.objects.get(plan=drafting_plan, key=CONTEXT)
    assert section.text == "Dalla seconda scheda."
    assert section.history.count() == 1
    # and: saving again from the refreshed form (it now carries the new version) works
    again = client.post(
        url(task, "execute"),
        _context_post("Dalla prima scheda.", stale.context["form"].data[f"{CONTEXT}_version"]),
    )
    assert again.status_code == 302
    section.refresh_from_db()
    assert section.text == "Dalla prima scheda."


def test_a_stale_save_by_another_coordinator_names_who_changed_it(
    drafting_plan, coordinator, coordinator2
):
    # given: both saw the context empty; the first writes it, then hands the task over
    _hands(drafting_plan, coordinator, task_claim)
    sections_save(
        plan=drafting_plan, by=coordinator, texts={CONTEXT: "Prima."}, seen_versions={CONTEXT: 0}
    )
    _hands(drafting_plan, coordinator, task_release)
    _hands(drafting_plan, coordinator2, task_claim)

    # when: the second saves from the page that showed it empty
    with pytest.raises(StaleEdit) as refused:
        sections_save(
            plan=drafting_plan,
            by=coordinator2,
            texts={CONTEXT: "Altro."},
            seen_versions={CONTEXT: 0},
        )

    # then: refused naming the first, and the section, with nothing overwritten
    section = PlanSection.objects.get(plan=drafting_plan, key=CONTEXT)
    saved = last_saved(section.history.latest("history_id"))
    assert saved["user"] == coordinator.get_username()
    assert refused.value.messages == [
        str(STALE_SECTION % {**saved, "section": SectionKey.CONTEXT.label})
    ]
    assert section.text == "Prima."


def _return_then_draft(client, drafting_plan, coordinator, facilitator):
    submit(client, coordinator, open_task(drafting_plan), "Prima versione.")
    decide(client, facilitator, open_task(drafting_plan), "returned", "Manca la mappa.")
    task = open_task(drafting_plan)
    claim(client, coordinator, task)
    version = client.get(url(task, "execute")).context["form"].initial[f"{CONTEXT}_version"]
    response = client.post(url(task, "execute"), _context_post("Seconda versione.", version))
    assert response.status_code == 302
    return task


def test_the_plan_page_shows_the_last_submission_and_the_draft_in_progress(
    client, drafting_plan, coordinator, facilitator, auditor
):
    _return_then_draft(client, drafting_plan, coordinator, facilitator)

    content = _plan_page(client, auditor, drafting_plan)

    section = _drafting_section(content)
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
    version = client.get(url(task, "execute")).context["form"].initial[f"{CONTEXT}_version"]
    saved = client.post(url(task, "execute"), _context_post("Mai inviata.", version))
    assert saved.status_code == 302
    flow_withdraw(plan=drafting_plan, by=lead, reason="Il comune rinuncia")

    content = _plan_page(client, auditor, drafting_plan)

    assert "Mai inviata." not in _drafting_section(content)


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
    submit(client, coordinator, task, "Terza versione.")
    check = open_task(drafting_plan)
    claim(client, facilitator, check)

    response = client.get(url(check, "execute"))

    assert response.status_code == 200
    current = {section.key: section.text for section in response.context["current"].sections}
    assert current[CONTEXT] == "Terza versione."
    label = SectionKey.CONTEXT.label
    assert response.context["changed_since_return"] == [
        {"what": SECTION_CHANGED % {"section": label}, "old": "Prima", "new": "Terza"}
    ]
    content = response.content.decode()
    assert "Terza versione." in content
    assert escape(str(SECTION_CHANGED % {"section": label})) in content  # the round's change


def test_the_check_says_when_nothing_changed_since_the_return(
    client, drafting_plan, coordinator, facilitator
):
    submit(client, coordinator, open_task(drafting_plan), "Uguale.")
    decide(client, facilitator, open_task(drafting_plan), "returned", "Rivedere.")
    submit(client, coordinator, open_task(drafting_plan), "Uguale.")
    check = open_task(drafting_plan)
    claim(client, facilitator, check)

    response = client.get(url(check, "execute"))

    assert response.context["changed_since_return"] == []


def test_the_draft_as_of_a_moment_is_read_from_history(drafting_plan, coordinator):
    _hands(drafting_plan, coordinator, task_claim)
    sections_save(plan=drafting_plan, by=coordinator, texts={CONTEXT: "Uno."})
    between = PlanSection.objects.get(plan=drafting_plan).history.get().history_date
    sections_save(plan=drafting_plan, by=coordinator, texts={CONTEXT: "Due."})

    def context_at(at=None):
        sections = DRAFT.as_of(drafting_plan, at).sections
        return next(section.text for section in sections if section.key == CONTEXT)

    assert context_at(between) == "Uno."
    assert context_at() == "Due."
    assert content_for(Phase.ADOPTION).as_of(drafting_plan) is None


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
