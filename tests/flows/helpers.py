"""Helpers for tests that drive the PLM flow over HTTP."""

from viewflow.workflow.status import STATUS

from plm_workflow.plans import phases
from plm_workflow.plans.models import Adoption, NeedsAssessment, Phase, Plan, SectionKey
from plm_workflow.steps.drafting import measure_save, sections_save
from tests import adoptions, assessments, drafts, tables

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def open_task(plan):
    """Return the plan's one open human task."""
    return plan.process.task_set.filter(status__in=OPEN, flow_task_type="HUMAN").get()


def url(task, name):
    return task.flow_task.reverse(name, args=[task.process_id, task.pk])


def process_url(process):
    """The plan's page, where a task's form sends its person once done."""
    return process.flow_class.instance.reverse("process_detail", args=[process.pk])


def claim(client, person, task):
    """Take the task on as the person, over HTTP: its form opens."""
    client.force_login(person)
    response = client.post(url(task, "assign"))
    assert (response.status_code, response["Location"]) == (302, url(task, "index"))
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, person)


def _hold(client, person, task):
    """Take the task on unless the person holds it already (the only one offered it)."""
    if (task.status, task.owner) != (STATUS.ASSIGNED, person):
        claim(client, person, task)
    client.force_login(person)


ASSESS = phases.spec_of(Phase.ASSESSMENT).work_node
CONVENE = phases.spec_of(Phase.TABLES).work_node
DRAFT = phases.spec_of(Phase.DRAFTING).work_node
RECORD_ADOPTION = phases.spec_of(Phase.ADOPTION).work_node
VERIFY_ADOPTION = phases.spec_of(Phase.ADOPTION).check_node


def adoption_data(plan_id, *, submit=True, **given) -> dict:
    """Return the POST of the adoption's page: a complete act dated today, with its signed PDF
    unless one is attached already (``given`` changes or adds fields; ``signed_act=None``
    sends no file)."""
    from tests.conftest import pdf_upload

    adoption = Adoption.objects.filter(plan_id=plan_id).first()
    data = {
        name: ("on" if value is True else "" if value in (None, False) else str(value))
        for name, value in adoptions.fields().items()
    }
    data |= {
        "version": str(adoption.revision if adoption else 0),
        "_submit" if submit else "_draft": "1",
    }
    if adoption is None or adoption.signed_act_id is None:
        data["signed_act"] = pdf_upload("delibera-adozione.pdf")
    data |= given
    return {name: value for name, value in data.items() if value is not None}


def sections_data(plan, **texts) -> dict:
    """Return the POST that saves the draft's sections on its editor: every section filled
    (``texts`` overrides some), each with the revision stored now (an up-to-date page)."""
    revisions = dict(plan.sections.values_list("key", "revision"))
    data = {"_save_sections": "1"}
    for key, text in drafts.texts(**texts).items():
        data |= {key: text, f"{key}_version": str(revisions.get(key, 0))}
    return data


def work_data(task, text, *, submit=True):
    """Return the POST of a work task's page: ``_submit``, or a draft saved.

    The assessment has its own form: a complete assessment whose key issues are ``text``,
    its rows kept as they are if it has some (the same work handed in again). The tables are
    saved as they are entered, each row through its own form: here complete tables are set up
    through the services by the task's holder (unless the plan has tables already), and the
    page's submit button posts ``_submit`` alone (``text`` is not used). The draft's editor
    saves its sections, whose context is ``text`` (``sections_data``); its measures are saved
    on pages of their own, and it submits from its confirmation step: here the task's holder
    writes a complete measure (unless the plan has one) and the sections, the context being
    ``text``, through the services, and the page posts the confirmed submission. The adoption
    posts a complete act (``adoption_data``; ``text`` becomes its notes) with its signed PDF,
    unless the adoption has one already (the same act handed in again: the page keeps it).
    """
    if task.flow_task.name == RECORD_ADOPTION:
        plan_id = _plan_id(task)
        kept = Adoption.objects.filter(plan_id=plan_id, signed_act__isnull=False).exists()
        file = {"signed_act": None} if kept else {}
        return adoption_data(plan_id, submit=submit, notes=text, **file)
    if task.flow_task.name == CONVENE:
        task.refresh_from_db()
        plan = Plan.objects.get(process=task.process_id)
        if task.owner is not None and not plan.tables.exists():
            tables.complete(plan, task.owner)
        return {"_submit": "1"} if submit else {}
    if task.flow_task.name == DRAFT:
        return _draft_data(task, text, submit=submit)
    if task.flow_task.name != ASSESS:
        return {"text": text, "_submit" if submit else "_draft": "1"}
    assessment = NeedsAssessment.objects.filter(plan__process=task.process_id).first()
    return assessments.post_data(
        assessment,
        submit=submit,
        keep_rows=assessment is not None and assessment.crops.exists(),
        key_issues=text,
    )


def _draft_data(task, text, *, submit) -> dict:
    task.refresh_from_db()
    plan = Plan.objects.get(process=task.process_id)
    if not submit:
        return sections_data(plan, **{SectionKey.CONTEXT: text})
    if task.owner is not None:
        if not plan.measures.exists():
            measure_save(plan=plan, by=task.owner, **drafts.measure(plan, task.owner))
        sections_save(plan=plan, by=task.owner, texts=drafts.texts(**{SectionKey.CONTEXT: text}))
    return {"_submit": "1", "confirmed": "1"}


def _plan_id(task) -> int:
    return Plan.objects.values_list("pk", flat=True).get(process=task.process_id)


def submit(client, person, task, text):
    """Take the work task on and submit its work (``work_data``)."""
    _hold(client, person, task)
    response = client.post(url(task, "execute"), work_data(task, text))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == process_url(task.process)
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.DONE, person)


def decide(client, person, task, decision, comments=""):
    """Take the check task on and record the decision."""
    _hold(client, person, task)
    data = {"decision": decision, "comments": comments}
    if task.flow_task.name == VERIFY_ADOPTION and decision == "approved":
        data["confirmed"] = "1"  # the confirmation step's button
    response = client.post(url(task, "execute"), data)
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == process_url(task.process)
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.DONE, person)


WORK_NODES = ("assess", "convene_tables", "draft", "record_adoption")


def advance(client, plan, node, *, coordinator, facilitator):
    """Work and approve the plan's steps over HTTP until its open task is at ``node``."""
    for _step in range(12):
        task = open_task(plan)
        if task.flow_task.name == node:
            return task
        if task.flow_task.name in WORK_NODES:
            submit(client, coordinator, task, "Fatto.")
        else:
            decide(client, facilitator, task, "approved")
    raise AssertionError(f"the flow never reached {node}")
