import datetime

import pytest
from django.db import connections
from django.test import TransactionTestCase
from django.utils import translation

import plm_workflow.urls  # noqa: F401  (mounts the flow: its nodes reverse their URLs)
from flows.flows import PLMFlow
from plm_workflow.accounts.services import role_grant
from plm_workflow.audit import triggers
from plm_workflow.deadlines.services import schedule_defaults
from plm_workflow.launch.services import plan_launch
from plm_workflow.plans.models import Plan, PlanStatus
from plm_workflow.plans.services import (
    plan_adopt,
    plan_approve,
    plan_complete_assessment,
    plan_complete_tables,
    plan_submit_for_review,
    plan_suspend,
    plan_withdraw,
)
from tests import adoptions, assessments, drafts, tables
from tests.factories import ComuneFactory, UserFactory


@pytest.fixture(scope="session", autouse=True)
def _audit_triggers_lifted_around_flush():
    """Let the test framework empty the audit table after transactional and live tests.

    Its flush (DELETE on SQLite, TRUNCATE on PostgreSQL) is exactly what the append-only
    triggers refuse: lift them around the flush only, and put them back at once.
    """
    original = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        aliases = self._databases_names(include_mirrors=False)
        for alias in aliases:
            triggers.remove(connections[alias])
        try:
            return original(self)
        finally:
            for alias in aliases:
                triggers.install(connections[alias])
            # The flush empties the reference data its migration loaded too (the national
            # plan's priority actions): put it back, as every database has it.
            _reference_data_reloaded()

    TransactionTestCase._fixture_teardown = _fixture_teardown
    yield
    TransactionTestCase._fixture_teardown = original


def _reference_data_reloaded():
    from plm_workflow.plans.models import Axis, PriorityAction
    from plm_workflow.plans.reference import load_priority_actions

    load_priority_actions(Axis, PriorityAction)


@pytest.fixture(autouse=True)
def _no_language_carried_over():
    """Forget the language a test's requests activated, so the next one starts from settings.

    Django's locale middleware activates a language on the thread and leaves it there: after a
    test that switched to English, the next test would run in English. This sets no language;
    it only puts back ``settings.LANGUAGE_CODE``, whatever the settings say.
    """
    yield
    translation.deactivate()


@pytest.fixture
def italian():
    """Run the test in Italian whatever the default: for tests that switch language."""
    with translation.override("it"):
        yield


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="mario", password="s3cret-pass")


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="admin", password="s3cret-pass", email="admin@example.org"
    )


@pytest.fixture
def lead(db):
    person = UserFactory(username="lead")
    role_grant(user=person, role="lead")
    return person


@pytest.fixture
def auditor(db):
    person = UserFactory(username="auditor")
    role_grant(user=person, role="auditor")
    return person


@pytest.fixture
def comune(db):
    return ComuneFactory(istat_code="004203", name="Saluzzo", province_code="CN", region="Piemonte")


@pytest.fixture
def coordinator(db):
    return UserFactory(username="coord-saluzzo")


@pytest.fixture
def facilitator(db):
    return UserFactory(username="facilitator")


@pytest.fixture
def coordinator2(db):
    return UserFactory(username="coord-saluzzo-2")


@pytest.fixture
def facilitator2(db):
    return UserFactory(username="facilitator-2")


def _launcher(service, lead, coordinator, facilitator):
    def _launch(comune, **overrides):
        values = {
            "comune": comune,
            "title": "PLM 2022-2023",
            "adhesion_act_number": "DGC 112/2022",
            "adhesion_act_date": datetime.date(2022, 6, 30),
            "coordinators": [coordinator],
            "facilitators": [facilitator],
            "by": lead,
        }
        values.update(overrides)
        return service(**values)

    return _launch


@pytest.fixture
def launch(lead, coordinator, facilitator):
    """Launch a plan for a comune, by the lead, with the usual people (the plan alone)."""
    return _launcher(plan_launch, lead, coordinator, facilitator)


@pytest.fixture
def flow_launched(lead, coordinator, facilitator):
    """Launch a plan and its process, as the launch page does."""
    from flows.flows import launch_plan

    return _launcher(launch_plan, lead, coordinator, facilitator)


@pytest.fixture
def plan(launch, comune):
    return launch(comune)


@pytest.fixture
def drive(lead, coordinator, facilitator):
    """Bring a launched plan to the given state through the real services."""

    def _drive(plan, state):
        if state == PlanStatus.NEEDS_ASSESSMENT:
            return plan
        if state == PlanStatus.SUSPENDED:
            return plan_suspend(plan=plan, by=lead, reason="Elezioni comunali")
        if state == PlanStatus.WITHDRAWN:
            return plan_withdraw(plan=plan, by=lead, reason="Il comune rinuncia")
        assessments.fill(plan)
        plan_complete_assessment(plan=plan, by=facilitator)
        if state == PlanStatus.STAKEHOLDER_TABLES:
            return plan
        tables.fill(plan, lead)
        plan_complete_tables(plan=plan, by=facilitator)
        if state == PlanStatus.DRAFTING:
            return plan
        drafts.fill(plan, lead)
        plan_submit_for_review(plan=plan, by=coordinator)
        if state == PlanStatus.REVIEW:
            return plan
        plan_approve(plan=plan, by=facilitator)
        if state == PlanStatus.ADOPTION:
            return plan
        adoptions.fill(plan, coordinator)
        plan_adopt(plan=plan, by=facilitator)
        assert state == PlanStatus.ADOPTED
        return plan

    return _drive


@pytest.fixture
def launch_url():
    return PLMFlow.launch.reverse("execute")


@pytest.fixture
def launch_data(comune, coordinator, facilitator, coordinator2, facilitator2):
    """The launch form for Saluzzo, two people per role: tasks are offered, not assigned."""
    return {
        "comune": "Saluzzo (CN)",
        "title": "PLM 2022-2023",
        "adhesion_act_number": "DGC 112/2022",
        "adhesion_act_date": "2022-06-30",
        "coordinators": [coordinator.pk, coordinator2.pk],
        "facilitators": [facilitator.pk, facilitator2.pk],
        **{f"date_{phase}": day.isoformat() for phase, day in schedule_defaults().items()},
        "adhesion_act_file": pdf_upload(),
    }


def pdf_upload(name="delibera-adesione.pdf", content=None):
    """A small upload whose content is a PDF (whatever its name says)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    if content is None:
        from plm_workflow.plans.pdfs import one_page_pdf

        content = one_page_pdf("Delibera di adesione")

    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def flow_plan(client, lead, launch_url, launch_data):
    """A plan launched over HTTP by the lead: its process waits on the assessment."""
    client.force_login(lead)
    response = client.post(launch_url, launch_data)
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    return Plan.objects.get(comune__istat_code="004203")


@pytest.fixture
def tables_plan(flow_plan, coordinator, facilitator):
    """``flow_plan`` past its assessment (submitted, approved): the tables' task is offered."""
    from tests.factories import plan_step

    plan_step(flow_plan, by=coordinator)
    plan_step(flow_plan, by=facilitator, decision="approved")
    assert flow_plan.status == PlanStatus.STAKEHOLDER_TABLES
    return flow_plan


@pytest.fixture
def drafting_plan(tables_plan, coordinator, facilitator):
    """``flow_plan`` past its tables too (complete ones, approved): the draft's task is offered.

    For what any phase with a note does: the assessment and the tables have their own data.
    """
    from tests.factories import plan_step

    plan_step(tables_plan, by=coordinator)
    plan_step(tables_plan, by=facilitator, decision="approved")
    assert tables_plan.status == PlanStatus.DRAFTING
    return tables_plan
