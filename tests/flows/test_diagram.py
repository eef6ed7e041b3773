"""The plan's own diagram: every phase, its check and its return, where the plan stands, in words,
readable at 960 and 390 pixels, translated and escaped, on the plan page at a constant cost."""

import dataclasses
import datetime
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from flows.diagram import MIN_TEXT_PX, plan_diagram, text_width
from plm_workflow.plans import phases
from plm_workflow.plans.models import PlanStatus
from tests.flows.helpers import decide, open_task, submit
from tests.flows.test_plan_page import plan_page

SVG = "{http://www.w3.org/2000/svg}"
ITALIAN_TITLES = {
    "launch": "Avvio",
    "assess": "Analisi dei fabbisogni",
    "check_assessment": "Verifica dell'analisi dei fabbisogni",
    "convene_tables": "Tavoli con i portatori di interesse",
    "check_tables": "Verifica dei tavoli",
    "draft": "Stesura",
    "review": "Revisione della bozza",
    "record_adoption": "Registrazione dell'adozione",
    "verify_adoption": "Verifica dell'adozione",
    "end": "Adottato",
}
PATH = ["launch", *(n for spec in phases.PHASES for n in (spec.work_node, spec.check_node)), "end"]


def render(diagram, **context) -> str:
    return render_to_string("flows/plm/_diagram.html", {"diagram": diagram, **context})


def drawings(html) -> list:
    """Return the diagram's drawings in the page, parsed as XML (bad escaping fails)."""
    found = re.findall(r'<svg class="plm-diagram__svg.*?</svg>', html, re.S)
    assert len(found) == 2, "a wide and a narrow drawing"
    return [ET.fromstring(svg) for svg in found]


def steps_of(svg) -> dict:
    """Return each step's state, title (its lines joined), state word and tooltip."""
    found = {}
    for group in svg.iter(f"{SVG}g"):
        texts = {"title": [], "state": []}
        for text in group.iter(f"{SVG}text"):
            texts[text.get("class").removeprefix("plm-diagram__")].append(text.text)
        found[group.get("data-step")] = {
            "state": group.get("data-state"),
            "title": " ".join(texts["title"]),
            "word": " ".join(texts["state"]),
            "tooltip": group.find(f"{SVG}title").text,
        }
    return found


def view_box(svg) -> tuple[float, float]:
    _x, _y, width, height = (float(value) for value in svg.get("viewBox").split())
    return width, height


def fake_plan(status, suspended_from=""):
    return SimpleNamespace(status=status, suspended_from=suspended_from)


def fake_step(node, *, number, closed=True, returned=False):
    """A step task of the node, opened ``number`` minutes into the plan."""
    spec = phases.spec_of_node(node)
    opened = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(minutes=number)
    return SimpleNamespace(
        pk=number,
        phase=spec.phase,
        kind="check" if phases.is_check_node(node) else "work",
        opened_at=opened,
        closed_at=opened if closed else None,
        returned_by_id=number if returned else None,
    )


def steps_up_to(node, *, closed_last=False):
    """Fake step tasks of a plan that went straight to ``node`` (its task open)."""
    nodes = PATH[1 : PATH.index(node) + 1]
    return [
        fake_step(name, number=number, closed=closed_last or name != node)
        for number, name in enumerate(nodes)
    ]


@pytest.mark.django_db
def test_a_plan_in_drafting_shows_each_phase_translated_and_where_it_stands_in_words(
    drafting_plan,
):
    steps = list(drafting_plan.step_tasks.all())
    with translation.override("it"):
        html = render(plan_diagram(drafting_plan, steps=steps))

    for svg in drawings(html):
        shown = steps_of(svg)
        assert list(shown) == PATH
        assert {key: step["title"] for key, step in shown.items()} == ITALIAN_TITLES
        words = {key: step["word"] for key, step in shown.items()}
        assert words == {
            "launch": "fatto",
            "assess": "fatto",
            "check_assessment": "fatto",
            "convene_tables": "fatto",
            "check_tables": "fatto",
            "draft": "in corso",
            "review": "da fare",
            "record_adoption": "da fare",
            "verify_adoption": "da fare",
            "end": "da fare",
        }
        assert shown["draft"]["state"] == "current"
        assert shown["draft"]["tooltip"] == "Stesura: in corso"
        assert shown["check_assessment"]["tooltip"] == (
            "Verifica dell'analisi dei fabbisogni: fatto"
        )
        labels = [text.text for text in svg.iter(f"{SVG}text") if "label" in text.get("class")]
        assert labels.count("rinvio") == len(phases.PHASES)
        # Numbered as the plan's progress counts its phases: the draft's review is the 4th.
        drafting = translation.gettext("Phases %(first)s–%(last)s") % {"first": 3, "last": 4}
        assert {"Fase 1", "Fase 2", drafting, "Fase 5"} <= set(labels)
    assert (
        "Verifica dei tavoli: fatto; Stesura: in corso; Revisione della bozza: da fare"
        in html.replace("&#x27;", "'")
    )
    legend = re.search(r'<ul class="plm-diagram__legend".*?</ul>', html, re.S).group()
    for word in ("fatto", "in corso", "da fare", "rinvio con osservazioni"):
        assert word in legend


def test_each_check_returns_to_its_own_work_and_nothing_is_drawn_outside_the_drawing():
    # given a plan whose assessment was returned twice
    steps = [
        fake_step("assess", number=0),
        fake_step("check_assessment", number=1),
        fake_step("assess", number=2, returned=True),
        fake_step("check_assessment", number=3),
        fake_step("assess", number=4, closed=False, returned=True),
    ]

    with translation.override("it"):
        html = render(plan_diagram(fake_plan(PlanStatus.NEEDS_ASSESSMENT), steps=steps))

    for svg in drawings(html):
        width, height = view_box(svg)
        returns = {
            (path.get("data-from"), path.get("data-to"))
            for path in svg.iter(f"{SVG}path")
            if path.get("class") == "plm-diagram__return"
        }
        assert returns == {(spec.check_node, spec.work_node) for spec in phases.PHASES}
        for path in svg.iter(f"{SVG}path"):
            if path.get("data-from") is None:
                continue  # an arrowhead's shape, in its marker's own box
            numbers = [float(number) for number in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]
            assert numbers and all(0 <= number <= max(width, height) for number in numbers)
            commands = re.findall(r"([MHV])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?", path.get("d"))
            for command, first, second in commands:
                xs = [first] if command in "MH" else []
                ys = [second or first] if command in "MV" else []
                assert all(0 <= float(x) <= width for x in xs), path.get("d")
                assert all(0 <= float(y) <= height for y in ys), path.get("d")
        for text in svg.iter(f"{SVG}text"):
            x, y, size = float(text.get("x")), float(text.get("y")), float(text.get("font-size"))
            extent = text_width(text.text, int(size))
            if text.get("transform"):  # turned to read bottom to top, centred on (x, y)
                assert size <= x <= width, text.text
                assert extent / 2 <= y <= height - extent / 2, text.text
                continue
            left = {"middle": x - extent / 2, "end": x - extent}.get(text.get("text-anchor"), x)
            assert 0 <= left <= width - extent, text.text
            assert size <= y <= height, text.text
        assert "2 rinvii" in [text.text for text in svg.iter(f"{SVG}text")]


@pytest.mark.parametrize("container", [960, 390])
def test_the_smallest_text_renders_at_11_pixels_or_more(container):
    html = render(plan_diagram(fake_plan(PlanStatus.DRAFTING), steps=steps_up_to("draft")))
    svgs = drawings(html)

    shown = [
        svg
        for svg in svgs
        if int(svg.get("data-shown-from")) <= container < int(svg.get("data-shown-below", 10**6))
    ]

    assert len(shown) == 1, "one drawing at each width"
    svg = shown[0]
    drawn = min(container, int(svg.get("data-max-width", container)))
    sizes = [float(text.get("font-size")) for text in svg.iter(f"{SVG}text")]
    assert min(sizes) * drawn / view_box(svg)[0] >= MIN_TEXT_PX
    # The page switches drawings where they say, and draws the narrow one no wider than it says.
    wide, narrow = svgs
    query = re.search(r"@container plm-diagram \(min-width: (\d+)px\)", html)
    assert int(query.group(1)) == int(wide.get("data-shown-from"))
    assert int(narrow.get("data-shown-below")) == int(wide.get("data-shown-from"))
    assert f"max-width: {narrow.get('data-max-width')}px" in html


def test_every_text_is_escaped(monkeypatch):
    # given a label that a translation could carry
    hostile = '<script>alert("x")</script> & <b>Co'
    first = dataclasses.replace(phases.PHASES[0], work_title=hostile)
    monkeypatch.setattr(phases, "PHASES", (first, *phases.PHASES[1:]))

    html = render(plan_diagram(fake_plan(PlanStatus.NEEDS_ASSESSMENT), steps=[]))

    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    for svg in drawings(html):  # well-formed XML
        shown = steps_of(svg)["assess"]
        assert shown["title"] == hostile
        assert shown["tooltip"] == f"{hostile}: in corso"


@pytest.mark.parametrize(
    ("plan", "steps", "expected"),
    [
        pytest.param(
            fake_plan(PlanStatus.NEEDS_ASSESSMENT),
            steps_up_to("check_assessment"),
            {"assess": "done", "check_assessment": "current", "convene_tables": "ahead"},
            id="a check open in the phase's own status",
        ),
        pytest.param(
            fake_plan(PlanStatus.SUSPENDED, suspended_from=PlanStatus.REVIEW),
            steps_up_to("review"),
            {"draft": "done", "review": "suspended", "record_adoption": "ahead", "end": "ahead"},
            id="suspended in review",
        ),
        pytest.param(
            fake_plan(PlanStatus.WITHDRAWN),
            steps_up_to("check_tables", closed_last=True),
            {
                "convene_tables": "done",
                "check_tables": "stopped",
                "draft": "not_reached",
                "end": "not_reached",
            },
            id="withdrawn at the tables' check",
        ),
        pytest.param(
            fake_plan(PlanStatus.ADOPTED),
            steps_up_to("verify_adoption", closed_last=True),
            dict.fromkeys(PATH, "done"),
            id="adopted",
        ),
    ],
)
def test_each_step_says_where_the_plan_stands(plan, steps, expected):
    with translation.override("it"):
        diagram = plan_diagram(plan, steps=steps)
        html = render(diagram)

    for svg in drawings(html):
        shown = steps_of(svg)
        assert {key: shown[key]["state"] for key in expected} == expected
        assert shown["launch"]["state"] == "done"
    words = {"suspended": "sospeso", "stopped": "interrotto", "not_reached": "non raggiunto"}
    for state in set(expected.values()) & set(words):
        assert words[state] in [step["word"] for step in steps_of(drawings(html)[0]).values()]
    if plan.status == PlanStatus.SUSPENDED:
        assert "Il piano è sospeso" in html
    elif plan.status == PlanStatus.WITHDRAWN:
        assert "Il piano è stato ritirato" in html
    else:
        assert "plm-diagram__notice" not in html


@pytest.mark.django_db
def test_the_diagram_reads_nothing_from_the_database(drafting_plan, django_assert_num_queries):
    steps = list(drafting_plan.step_tasks.all())

    with django_assert_num_queries(0):
        render(plan_diagram(drafting_plan, steps=steps))


@pytest.mark.django_db
def test_the_plan_page_shows_the_diagram_at_a_constant_cost(
    client, flow_plan, coordinator, facilitator, auditor
):
    submit(client, coordinator, open_task(flow_plan), "Analisi.")
    with CaptureQueriesContext(connection) as few:
        plan_page(client, auditor, flow_plan)
    for _round in range(2):
        decide(client, facilitator, open_task(flow_plan), "returned", "Ancora.")
        submit(client, coordinator, open_task(flow_plan), "Analisi.")

    with CaptureQueriesContext(connection) as many:
        content = plan_page(client, auditor, flow_plan)

    assert len(many) == len(few)
    wide, narrow = drawings(content)
    for svg in (wide, narrow):
        assert steps_of(svg)["check_assessment"]["state"] == "current"
        assert "2 rinvii" in [text.text for text in svg.iter(f"{SVG}text")]
    process = flow_plan.process
    chart = process.flow_class.instance.reverse("process_chart", args=[process.pk])
    assert f'<a href="{chart}">' in content
    assert 'class="plm-chart"' not in content
