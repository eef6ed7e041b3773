"""Isolation proof (issue 15, point 9): every URL pattern, as every role, on another comune's ids.

The URL conf is walked, not listed by hand: each pattern is filled with the real ids of plans
of comuni the people below do not belong to (processes; tasks of every node, open and closed;
the adhesion act's file; the comuni; every phase), then requested with GET and POST as

- a coordinator and a facilitator of another comune (Saluzzo), and a logged-in user with no
  role: 403, 404 or 405, or a redirect that does not lead to the resource; the other comuni's
  names never appear in a response;
- an auditor: every POST refused (403/404/405, or a redirect that changed nothing: no table's
  row count, no audit head, no plan or task state) except ``AUDITOR_MAY_POST`` (DESIGN §4);
- anonymous: sent to the login page, except ``PUBLIC``;
- everyone but a superuser: the admin answers with its login page (redirect) or 403;
- the lead: no page fails (GET only: the lead may change plans).

Every pattern must match one of ``RULES``: a new URL pattern without a rule, or with a
parameter ``fill`` does not know, fails the test and names it.
"""

import datetime
import re
from collections import defaultdict
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from viewflow.workflow.status import STATUS

from flows.flows import launch_plan
from plm_workflow.accounts.services import role_grant
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.plans.models import (
    Document,
    Measure,
    Meeting,
    Organisation,
    Phase,
    StakeholderTable,
)
from tests import assessments, drafts, tables
from tests.factories import ComuneFactory, UserFactory
from tests.flows.helpers import work_data
from tests.isolation_helpers import (
    body,
    complete,
    pdf_upload,
    resolves_to,
    snapshot,
    snapshot_diff,
    take,
    url_patterns,
)

# --- The rules: every URL pattern matches exactly one ------------------------------------------

#: Open to anonymous visitors (the login page and what it offers, health probes).
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "health_live",
    "health_ready",
    "admin:login",  # the admin's own login form
    "privacy",  # the privacy notice, linked from every page, the login page included
    # a person's calendar feed: no login, its token is the secret (the one ``fill`` gives,
    # a password-reset token, is no calendar's: 404)
    "calendar_feed",
}

#: What concerns only the logged-in person: their session and password.
SELF = {"logout", "password_change", "password_change_done"}

#: DESIGN §4: the writes an auditor may make, concerning only themselves: their session,
#: password and language, their profile, marking their own notifications read, a new calendar
#: token.
AUDITOR_MAY_POST = {
    "logout",
    "password_change",
    "password_change_done",
    "set_language",
    # their own notifications, marked read one by one or all at once
    "notification_read",
    "notifications_read_all",
    # their own language and notification choice, a new address for their calendar feed
    "profile",
    "calendar_token",
} | PUBLIC  # what anyone, logged in or not, may post (login and password reset forms)

#: Pages whose GET writes by design: each download of a plan's measures as CSV, and each
#: export of a timeline (a plan's, or all the plans one may see), is an audit event of the
#: person who may see what it holds (the lead, an auditor; a facilitator's export of all their
#: plans). The sweep takes its snapshot again after such a GET, and checks at its end that
#: they wrote only that.
WRITES_ON_GET = {
    "home:plm:measures_csv": EventKind.MEASURES_EXPORTED,
    "home:plm:process_timeline_export": EventKind.AUDIT_EXPORTED,
    "home:timeline_export": EventKind.AUDIT_EXPORTED,
}

#: Pages without parameters a logged-in person may open: what they list must be their own.
PAGES = {
    "index",
    "home:index",
    "home:inbox",
    "home:queue",
    "home:archive",
    "home:plans",
    # every visible plan's timeline and its export: refused to coordinators (403), a
    # facilitator's holds only their plans
    "home:timeline",
    "home:timeline_export",
    "home:plm:index",
    "home:plm:chart",
    "home:plm:launch:execute",
    "comune_search",
    # the person's own notifications, and marking them read (POST only)
    "notifications",
    "notification_read",
    "notifications_read_all",
    # the person's own settings, and a new address for their calendar feed (POST only)
    "profile",
    "calendar_token",
}

#: Pages about one plan, comune or file, reached by their ids: the other comune's are filled in.
RESOURCE_PAGES = {"document", "comune"}


def _is_plan_page(pattern) -> bool:
    """A page under a plan's process: its tasks, its actions, the late additions to its
    tables in drafting, the publication of its adoption."""
    return bool(pattern.name and pattern.name.startswith("home:plm:")) and (
        "process_pk" in pattern.params
    )


RULES = [
    ("public", lambda p: p.name in PUBLIC),
    ("self", lambda p: p.name in SELF),
    ("admin", lambda p: p.route.startswith("admin/") and p.name not in PUBLIC),
    ("page", lambda p: p.name in PAGES),
    ("resource", lambda p: p.name in RESOURCE_PAGES or _is_plan_page(p)),
]

#: Extra query strings for some pages, so that they have something to show.
QUERIES = {"comune_search": "?q=Al"}

#: What every POST carries: enough for any of the app's forms to act if a check were missing.
POST_DATA = {
    **assessments.post_data(key_issues="Isolamento."),
    "text": "Isolamento.",
    "_submit": "1",
    "decision": "approved",
    "comments": "Isolamento.",
    "reason": "Isolamento.",
    "date": "2031-01-15",
    # the stakeholder tables' forms: an organisation, a table, a meeting
    "_add_organisation": "1",
    "name": "Isolamento",
    "kind": "thematic",
    "theme": "housing",
    "starts_at": "2022-09-12T10:00",
    "place": "Sala",
    "minutes": "Isolamento.",
    "head_count": "3",
    # the adoption's act and its publication on the albo pretorio (the plan's page); an
    # approval of the adoption as its confirmation step posts it
    "body": "giunta",
    "act_number": "112",
    "act_date": datetime.date.today().isoformat(),
    "immediately_enforceable": "on",
    "confirmed": "1",
    "published_from": datetime.date.today().isoformat(),
    "published_to": datetime.date.today().isoformat(),
    "register_number": "1234",
    "publication_link": "https://albo.example.org/1234",
    "patron_day": "3",
    "patron_month": "4",
    "language": "it",
    # the draft: its sections, a measure's title, the submission's confirmation
    "_save_sections": "1",
    "context": "Isolamento.",
    "title": "Isolamento",
}


def rule_of(pattern):
    matching = [name for name, test in RULES if test(pattern)]
    return matching[0] if len(matching) == 1 else (None if not matching else tuple(matching))


def test_every_url_pattern_has_one_rule_and_known_parameters():
    unknown, ambiguous, unfillable = [], [], []
    for pattern in url_patterns():
        rule = rule_of(pattern)
        if rule is None:
            unknown.append(pattern.key)
        elif isinstance(rule, tuple):
            ambiguous.append(f"{pattern.key}: {rule}")
        missing = [name for name in pattern.params if name not in FILLABLE]
        if missing:
            unfillable.append(f"{pattern.key}: {missing}")
    assert not unknown, "URL patterns with no isolation rule in tests/test_isolation.py:\n" + (
        "\n".join(unknown)
    )
    assert not ambiguous, "URL patterns matching several rules:\n" + "\n".join(ambiguous)
    assert not unfillable, "URL parameters test_isolation cannot fill:\n" + "\n".join(unfillable)


def test_the_adoptions_publication_is_a_page_of_its_plan():
    publication = [p for p in url_patterns() if p.name == "home:plm:publication"]
    assert [(p.params, rule_of(p)) for p in publication] == [(["process_pk"], "resource")]


def test_the_drafts_measure_pages_are_pages_of_their_plans_task():
    pages = sorted(
        (p.name, tuple(p.params), rule_of(p))
        for p in url_patterns()
        if p.name and p.name.startswith("home:plm:draft:page_measure")
    )
    params = ("process_pk", "task_pk", "measure_pk")
    assert pages == [
        ("home:plm:draft:page_measure", params, "resource"),
        ("home:plm:draft:page_measure_new", params[:2], "resource"),
        ("home:plm:draft:page_measure_remove", params, "resource"),
    ]


# --- The data: plans of comuni the people under test do not belong to ------------------------

OTHER_COMUNI = {"009002": "Albenga", "009001": "Alassio", "009033": "Loano"}

FILLABLE = {
    "process_pk",
    "task_pk",
    "phase",
    "public_id",
    "istat_code",
    # the stakeholder tables' rows, each of the plan filled in beside it
    "organisation_pk",
    "table_pk",
    "meeting_pk",
    # the draft's measures, each of the plan filled in beside it
    "measure_pk",
    # password reset: a real user's uid, a token that is not theirs
    "uidb64",
    "token",
    # the admin: anything, it must not answer anyway
    "object_id",
    "content_type_id",
    "id",
    "app_label",
    "url",
    "arg0",
    "arg1",
}


WORK_NODES = ("assess", "convene_tables", "draft", "record_adoption")


def _work_data(task, coordinator, text):
    """The POST that completes a work task; the tables and the draft are set up first (they
    are saved as they are entered, and the page only submits them, the draft from its
    confirmation step)."""
    plan = task.process.plmprocess.plan
    if task.flow_task.name == "convene_tables":
        if not plan.tables.exists():
            tables.complete(plan, coordinator)
        return {"_submit": "1"}
    if task.flow_task.name == "draft":
        if not plan.measures.exists():
            drafts.complete(plan, coordinator)
        return {"_submit": "1", "confirmed": "1"}
    return work_data(task, text)


def _open_task(plan):
    return plan.process.task_set.get(
        status__in=(STATUS.NEW, STATUS.ASSIGNED), flow_task_type="HUMAN"
    )


def _drive_to_the_end(client, plan, coordinator, facilitator):
    """Work every step of the plan over HTTP, returning the assessment once."""
    returned = False
    for _step in range(20):
        try:
            task = _open_task(plan)
        except plan.process.task_set.model.DoesNotExist:
            return
        if task.flow_task.name in WORK_NODES:
            complete(client, coordinator, task, _work_data(task, coordinator, "Fatto."))
        elif not returned:
            complete(client, facilitator, task, {"decision": "returned", "comments": "No."})
            returned = True
        else:  # the adoption's approval from its confirmation step
            complete(client, facilitator, task, {"decision": "approved", "confirmed": "1"})
    raise AssertionError("the plan never reached its end")


@pytest.fixture
def world(db, django_user_model):
    lead = UserFactory(username="lead")
    role_grant(user=lead, role="lead")
    auditor = UserFactory(username="auditor")
    role_grant(user=auditor, role="auditor")
    superuser = django_user_model.objects.create_superuser(
        username="root", password="s3cret-pass", email="root@example.org"
    )
    nobody = UserFactory(username="nobody")
    home_coordinator = UserFactory(username="coord-saluzzo")
    home_facilitator = UserFactory(username="facilitator-saluzzo")
    saluzzo = ComuneFactory(istat_code="004203", name="Saluzzo", province_code="CN")

    def launch(comune, coordinators, facilitators):
        return launch_plan(
            comune=comune,
            title="PLM 2022-2023",
            adhesion_act_number="DGC 112/2022",
            adhesion_act_date=datetime.date(2022, 6, 30),
            coordinators=coordinators,
            facilitators=facilitators,
            adhesion_act_file=pdf_upload(),
            by=lead,
        )

    launch(saluzzo, [home_coordinator], [home_facilitator])
    plans, people = [], []
    for code, name in OTHER_COMUNI.items():
        comune = ComuneFactory(istat_code=code, name=name, province_code="SV")
        coordinator = UserFactory(username=f"coord-{name.lower()}")
        facilitator = UserFactory(username=f"facilitator-{name.lower()}")
        # Loano has two coordinators: its task is offered, not handed to the sole candidate
        second = [UserFactory(username=f"coord2-{name.lower()}")] if name == "Loano" else []
        plans.append(launch(comune, [coordinator, *second], [facilitator]))
        people.append((coordinator, facilitator))
    client = Client()
    albenga, alassio, loano = plans
    # Albenga: from launch to the end, a return on the way: closed tasks of every node
    _drive_to_the_end(client, albenga, *people[0])
    # Alassio: its check held by its facilitator (open, assigned); Loano: assess offered (new)
    task = _open_task(alassio)
    complete(client, people[1][0], task, work_data(task, "Analisi."))
    take(client, people[1][1], _open_task(alassio))
    client.logout()

    node_names = {task.flow_task.name for task in albenga.process.task_set.all()}
    assert node_names == {node.name for node in albenga.process.flow_class.instance.nodes()}
    # tasks: Albenga's last of every node (all closed), and the open ones of Alassio and Loano
    tasks = {}
    for task in albenga.process.task_set.order_by("pk"):
        task.node_name = task.flow_task.name
        tasks[task.node_name] = task
    tasks = list(tasks.values())
    for plan in (alassio, loano):
        task = _open_task(plan)
        task.node_name = task.flow_task.name
        tasks.append(task)
    assert {task.status for task in tasks} >= {STATUS.DONE, STATUS.NEW, STATUS.ASSIGNED}
    return {
        "tasks": tasks,
        "lead": lead,
        "auditor": auditor,
        "superuser": superuser,
        "nobody": nobody,
        "coordinator": home_coordinator,
        "facilitator": home_facilitator,
        "plans": plans,
        "other_coordinator": people[0][0],
    }


def fillings(pattern, world):
    """Every set of values for the pattern's parameters, from the other comuni's plans."""
    params = set(pattern.params)
    plans = world["plans"]
    processes = [plan.process for plan in plans]
    tasks = world["tasks"]
    combos = [{}]

    def cross(key_values):
        nonlocal combos
        combos = [{**combo, **values} for combo in combos for values in key_values]

    if "task_pk" in params:
        parts = pattern.name.split(":")
        node = parts[2] if len(parts) == 4 else None  # home:plm:<node>:<page>
        if node:
            chosen = [task for task in tasks if task.node_name == node]
        else:  # a task's page under the process (its due date): one closed, the open ones
            human = [task for task in tasks if task.flow_task_type == "HUMAN"]
            chosen = [human[0], *(task for task in human if task.status != STATUS.DONE)]
        assert chosen, f"{pattern.key}: no task of the other comuni's plans to fill task_pk"
        cross([{"process_pk": t.process_id, "task_pk": t.pk} for t in chosen])
    elif "process_pk" in params:
        cross([{"process_pk": process.pk} for process in processes])
    rows = [
        name
        for name in ("organisation_pk", "table_pk", "meeting_pk", "measure_pk")
        if name in params
    ]
    if rows:  # the rows of the plan each combination is about
        combos = [
            {**combo, **values}
            for combo in combos
            for values in _rows_of(combo["process_pk"], rows)
        ]
        assert combos, f"{pattern.key}: no row of the other comuni's plans to fill {rows}"
    if "phase" in params:  # every phase on one plan, one phase on the others
        first = combos[0]
        combos = [{**first, "phase": phase} for phase in Phase.values] + [
            {**combo, "phase": Phase.values[0]} for combo in combos[1:]
        ]
    if "public_id" in params:
        documents = Document.objects.filter(plan__in=plans)
        assert documents, f"{pattern.key}: no document to fill public_id"
        cross([{"public_id": document.public_id} for document in documents])
    if "istat_code" in params:
        cross([{"istat_code": code} for code in OTHER_COMUNI])
    other = world["other_coordinator"]
    fixed = {
        "uidb64": urlsafe_base64_encode(force_bytes(other.pk)),
        "token": default_token_generator.make_token(world["nobody"]),
        "object_id": plans[0].pk,
        "content_type_id": 1,
        "id": other.pk,
        "app_label": "plans",
        "url": "nowhere/",
        "arg0": plans[0].pk,
        "arg1": 1,
    }
    cross([{name: fixed[name] for name in params if name in fixed}])
    unknown = params - FILLABLE
    assert not unknown, f"{pattern.key}: test_isolation cannot fill {sorted(unknown)}"
    return combos


def _rows_of(process_pk, names) -> list[dict]:
    """Values for the row parameters ``names``: rows of the plan of that process."""
    from flows.models import PLMProcess

    plan = PLMProcess.objects.get(pk=process_pk).plan
    found = {
        "organisation_pk": Organisation.objects.filter(comune_id=plan.comune_id),
        "table_pk": StakeholderTable.objects.filter(plan=plan),
        "meeting_pk": Meeting.objects.filter(table__plan=plan),
        "measure_pk": Measure.objects.filter(plan=plan),
    }
    ids = {
        name: list(found[name].order_by("pk").values_list("pk", flat=True)[:2]) for name in names
    }
    if not all(ids.values()):
        return []
    # each parameter's first row, then its second one (if any) with the others' first
    combos = [{name: values[0] for name, values in ids.items()}]
    for name, values in ids.items():
        combos += [{**combos[0], name: value} for value in values[1:]]
    return combos


# --- The sweep ----------------------------------------------------------------------------------


def _location(response) -> str:
    return urlsplit(response.get("Location", "")).path


def _to_resource(location, urls_of_others) -> bool:
    """Whether a redirect leads to a page of the other comuni (one of the filled URLs)."""
    return any(location == url or location.startswith(url) for url in urls_of_others)


def test_nobody_reaches_another_comunes_plan_through_any_url(world):  # noqa: C901
    patterns = url_patterns()
    login_url = resolve_url(settings.LOGIN_URL)
    admin_login = reverse("admin:login")
    names = [name.encode() for name in OTHER_COMUNI.values()]

    # every pattern, filled: (pattern, rule, url)
    requests = []
    for pattern in patterns:
        rule = rule_of(pattern)
        assert isinstance(rule, str), f"{pattern.key}: rule {rule!r}"
        for values in fillings(pattern, world):
            url = pattern.build(values)
            assert resolves_to(url, pattern), f"{pattern.key}: filled as {url}, resolves elsewhere"
            requests.append((pattern, rule, url + QUERIES.get(pattern.name, "")))
    resource_urls = [urlsplit(url).path for _p, rule, url in requests if rule == "resource"]
    # process pages are prefixes of their task pages: a redirect to any is "to the resource"
    resource_prefixes = sorted(set(resource_urls))

    clients = {}
    for role in ("coordinator", "facilitator", "nobody", "auditor", "lead"):
        clients[role] = Client()
        clients[role].force_login(world[role])
    clients["anonymous"] = Client()

    problems = []
    reached = defaultdict(set)  # resource pattern -> roles who got something else than 404

    def problem(role, method, pattern, url, response, why):
        where = response.get("Location", "")
        problems.append(
            f"{role} {method} {url} [{pattern.name}] -> {response.status_code}"
            + (f" {where}" if where else "")
            + f": {why}"
        )

    def request(role, method, url):
        client = clients[role]
        response = client.get(url) if method == "GET" else client.post(url, POST_DATA)
        content = body(response)
        if role != "anonymous" and "_auth_user_id" not in client.session:
            client.force_login(world[role])  # after logout: them again
        return response, content

    before = state = snapshot()
    last_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
    for pattern, rule, url in requests:
        for role in ("coordinator", "facilitator", "nobody", "auditor", "lead", "anonymous"):
            methods = ("GET",) if role == "lead" else ("GET", "POST")
            for method in methods:
                response, content = request(role, method, url)
                status = response.status_code
                refused_at_the_door = role == "anonymous" and (
                    status == 403 or _location(response) in (login_url, admin_login)
                )
                if method == "POST" and status < 400 and not refused_at_the_door:
                    now = snapshot()
                    changed = snapshot_diff(state, now)
                    state = now
                    if changed and pattern.name not in AUDITOR_MAY_POST:
                        problem(role, method, pattern, url, response, f"changed {changed}")
                elif method == "GET" and pattern.name in WRITES_ON_GET:
                    state = snapshot()
                if status >= 500:
                    problem(role, method, pattern, url, response, "server error")
                    continue
                if rule == "resource" and status != 404 and role in ("lead", "auditor"):
                    reached[pattern.key].add(role)
                if role in ("coordinator", "facilitator", "nobody"):
                    leaked = [name for name in names if name in content]
                    if leaked:
                        problem(role, method, pattern, url, response, f"shows {leaked}")
                # the admin: superusers only
                if rule == "admin":
                    # to its login; from its logout, to its index (then to its login)
                    doors = (admin_login, login_url) if role == "anonymous" else (admin_login,)
                    if pattern.name == "admin:logout":
                        doors += (reverse("admin:index"),)
                    ok = status == 403 or (status == 302 and _location(response) in doors)
                    if not ok:
                        problem(role, method, pattern, url, response, "admin not refused")
                    continue
                if role == "anonymous":
                    # GET: to the login page; POST: that, or "your session expired, nothing
                    # was saved" (403, ExpiredSessionMiddleware)
                    sent_to_login = status == 302 and _location(response) == login_url
                    if rule != "public" and not (
                        sent_to_login or (method == "POST" and status == 403)
                    ):
                        problem(role, method, pattern, url, response, "not sent to login")
                    continue
                if role in ("coordinator", "facilitator", "nobody") and rule == "resource":
                    ok = status in (403, 404, 405) or (
                        status == 302 and not _to_resource(_location(response), resource_prefixes)
                    )
                    if not ok:
                        problem(role, method, pattern, url, response, "another comune's page")
                if role == "auditor" and method == "POST" and pattern.name not in AUDITOR_MAY_POST:
                    if status in (403, 404, 405):
                        continue
                    if status == 302:
                        continue  # and nothing changed: checked above
                    problem(role, method, pattern, url, response, "auditor's write not refused")

    # the ids were real: the lead or the auditor reached every page of the other comuni
    unreached = sorted(
        pattern.key
        for pattern, rule, _url in requests
        if rule == "resource" and not reached[pattern.key]
    )
    # the name check could see the names: the lead's list shows them
    lead_list = body(clients["lead"].get(reverse("home:plans")))
    assert all(name in lead_list for name in names), "the lead's plan list shows no comune"

    after = snapshot()
    # allowed posts (language, password forms) may touch the session and profile tables only
    changed = snapshot_diff(before, after)
    # the downloads that write by design wrote only their events, of the lead and the auditor
    written = list(
        Event.objects.filter(pk__gt=last_event or 0).values_list("kind", "actor", "plan")
    )
    assert {kind for kind, _actor, _plan in written} <= set(WRITES_ON_GET.values()), written
    # the lead and the auditor on the other comuni's plans; the home facilitator only the
    # export of all their plans (the global chain's event), which holds only their own
    by_others = [
        (kind, actor, plan)
        for kind, actor, plan in written
        if not (actor == world["facilitator"].pk and kind == EventKind.AUDIT_EXPORTED and not plan)
    ]
    assert {actor for _kind, actor, _plan in by_others} <= {
        world["lead"].pk,
        world["auditor"].pk,
    }, written
    if written:
        changed = re.sub(r"audit_event: \d+ -> \d+(; )?|audit_heads changed(; )?", "", changed)
    for allowed in ("django_session", "profiles_profile", "profiles_historicalprofile"):
        changed = re.sub(rf"{allowed}: \d+ -> \d+(; )?", "", changed)
    assert not problems, f"{len(problems)} isolation problems:\n" + "\n".join(problems[:200])
    assert not unreached, "filled with ids nobody could open (fill them right):\n" + "\n".join(
        unreached
    )
    assert not changed.strip("; "), f"the sweep changed data: {changed}"
    assert {p.key for p in patterns} == {p.key for p, _r, _u in requests}
