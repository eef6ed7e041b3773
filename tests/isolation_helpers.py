"""Walk the URL conf and fill its patterns: the machinery of tests/test_isolation.py."""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from plm_workflow.audit.selectors import heads_list

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^()]*\)")
_UNNAMED_GROUP = re.compile(r"\((?!\?)[^()]*\)")


@dataclass
class Pattern:
    """One URL pattern of the URL conf, with the chain of patterns that lead to it."""

    route: str  # as Django joins it (ResolverMatch.route)
    name: str | None  # with its namespaces, "home:plm:assess:execute"
    chain: list = field(repr=False)

    @property
    def key(self) -> str:
        return f"{self.route}  [{self.name}]"

    @property
    def params(self) -> list[str]:
        names = []
        for part in self.chain:
            names += _segment_params(part)
        return names

    def build(self, values: dict) -> str:
        """The URL of this pattern with ``values`` for its parameters."""
        position = {"n": 0}
        pieces = []
        for part in self.chain:
            pieces.append(_fill_segment(part, values, position))
        return "/" + "".join(pieces)


def _join_route(route1, route2):
    # as django.urls.resolvers.URLResolver._join_route
    if not route1:
        return route2
    route2 = route2.removeprefix("^")
    return route1 + route2


def _is_regex(pattern) -> bool:
    return type(pattern.pattern).__name__ == "RegexPattern"


def _segment_params(part) -> list[str]:
    text = str(part.pattern)
    if not _is_regex(part):
        return [m["name"] for m in _ROUTE_PARAM.finditer(text)]
    names = [m["name"] for m in _NAMED_GROUP.finditer(text)]
    unnamed = len(_UNNAMED_GROUP.findall(_NAMED_GROUP.sub("", text)))
    return names + [f"arg{i}" for i in range(unnamed)]


def _fill_segment(part, values, position) -> str:
    text = str(part.pattern)
    if not _is_regex(part):
        return _ROUTE_PARAM.sub(lambda m: str(values[m["name"]]), text)
    text = text.removeprefix("^").removesuffix("$")
    text = _NAMED_GROUP.sub(lambda m: str(values[m["name"]]), text)

    def positional(_match):
        value = values[f"arg{position['n']}"]
        position["n"] += 1
        return str(value)

    text = _UNNAMED_GROUP.sub(positional, text)
    return text.replace("\\", "")


def url_patterns(resolver=None) -> list[Pattern]:
    """Every URL pattern of the URL conf, walking nested resolvers (viewflow's too)."""
    found = []

    def walk(patterns, route, namespace, chain):
        for entry in patterns:
            entry_route = _join_route(route, str(entry.pattern))
            if isinstance(entry, URLResolver):
                space = namespace
                if entry.namespace:
                    space = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, entry_route, space, [*chain, entry])
            elif isinstance(entry, URLPattern):
                name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
                found.append(Pattern(route=entry_route, name=name, chain=[*chain, entry]))
            else:  # a resolver-like object we do not know how to walk: say so
                raise AssertionError(f"unknown entry in the URL conf at {entry_route!r}: {entry!r}")

    walk((resolver or get_resolver()).url_patterns, "", None, [])
    return found


def resolves_to(url: str, pattern: Pattern) -> bool:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return match.route == pattern.route


def body(response) -> bytes:
    """The body of any response, streamed (files) or not."""
    if getattr(response, "streaming", False):
        # the test client closes it once read, without closing the database connection
        # (calling response.close() here would: request_finished closes old connections)
        return b"".join(response.streaming_content)
    return response.content


def snapshot():
    """Row counts of every table, the audit heads, and the state of plans and tasks."""
    from viewflow.workflow.models import Task

    from plm_workflow.plans.models import Plan

    tables = sorted(connection.introspection.table_names())
    quote = connection.ops.quote_name
    # one statement for every table's count: one round trip
    counting = ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counting}")  # noqa: S608 (the database's own table names)
        counts = dict(zip(tables, cursor.fetchone(), strict=True))
    return {
        "counts": counts,
        "audit_heads": heads_list(),
        "plans": list(Plan.objects.order_by("pk").values_list("pk", "status")),
        "tasks": list(Task.objects.order_by("pk").values_list("pk", "status", "owner_id")),
    }


def snapshot_diff(before, after) -> str:
    lines = []
    for table in sorted(set(before["counts"]) | set(after["counts"])):
        if table == "django_session":  # logins and logouts: nobody's data
            continue
        if before["counts"].get(table) != after["counts"].get(table):
            lines.append(f"{table}: {before['counts'].get(table)} -> {after['counts'].get(table)}")
    for key in ("audit_heads", "plans", "tasks"):
        if before[key] != after[key]:
            lines.append(f"{key} changed")
    return "; ".join(lines)


def pdf_upload(name="delibera-adesione.pdf"):
    """A real one-page PDF (the upload check parses it)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def _task_url(task, name):
    return task.flow_task.reverse(name, args=[task.process_id, task.pk])


def take(client, person, task):
    """Take the task on as the person, over HTTP."""
    from viewflow.workflow.status import STATUS

    client.force_login(person)
    response = client.post(_task_url(task, "assign"))
    assert response.status_code == 302, response.content.decode()[:2000]
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, person)


def complete(client, person, task, data):
    """Take the task on and complete it with ``data``, over HTTP."""
    from viewflow.workflow.status import STATUS

    take(client, person, task)
    response = client.post(_task_url(task, "execute"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.DONE, person)
