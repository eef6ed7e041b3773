"""The plan's own path, drawn as SVG: each phase's work and check, the returns, where it stands.

Built from the phase registry and the plan's step tasks, which the caller gives (nothing is read
from the database): the launch, each phase's work and its check with the return from the check
to its work, and the adoption's end. Every step says its state in words (done, in progress, to
do; suspended, stopped, not reached), its colour only an aid. The same steps come in two
layouts, a wide one and a narrow, vertical one; each is sized so that its smallest text renders
at ``MIN_TEXT_PX`` CSS pixels or more wherever it is shown (rendered size = font size x
container width / viewBox width): the template shows the wide one only in a container of
``Diagram.breakpoint`` pixels or more. The template escapes every text.
"""

import math
from collections import Counter
from dataclasses import dataclass, field

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext, npgettext, pgettext, pgettext_lazy

from plm_workflow.deadlines.models import StepKind
from plm_workflow.plans import phases
from plm_workflow.plans.models import PlanStatus

# The smallest text a reader gets, in CSS pixels.
MIN_TEXT_PX = 11
# Font sizes and spacing, in viewBox units.
TITLE_SIZE = 14
SMALL_SIZE = 12
LINE = 17
PAD = 8
INK = "#212121"
FONT_FAMILY = "Roboto, Arial, Helvetica, sans-serif"


class StepState(models.TextChoices):
    # In the legend's order.
    DONE = "done", pgettext_lazy("step state", "done")
    CURRENT = "current", pgettext_lazy("step state", "in progress")
    SUSPENDED = "suspended", pgettext_lazy("step state", "suspended")
    STOPPED = "stopped", pgettext_lazy("step state", "stopped")
    AHEAD = "ahead", pgettext_lazy("step state", "to do")
    NOT_REACHED = "not_reached", pgettext_lazy("step state", "not reached")


@dataclass(frozen=True)
class Look:
    """How a state looks: the box's fill and border, and the colour of its state's word."""

    fill: str
    stroke: str
    stroke_width: str
    dash: str
    ink: str


LOOKS = {
    StepState.DONE: Look("#e8f5e9", "#2e7d32", "1.5", "", "#1b5e20"),
    StepState.CURRENT: Look("#e3f2fd", "#1565c0", "3", "", "#0d47a1"),
    StepState.AHEAD: Look("#ffffff", "#9e9e9e", "1.5", "4 3", "#555555"),
    StepState.SUSPENDED: Look("#fff8e1", "#f9a825", "3", "", "#6d4c00"),
    StepState.STOPPED: Look("#ffebee", "#b00020", "3", "", "#b00020"),
    StepState.NOT_REACHED: Look("#fafafa", "#bdbdbd", "1.5", "4 3", "#616161"),
}
ARROW_COLOURS = {"forward": "#616161", "return": "#6a1b9a"}


@dataclass(frozen=True)
class Step:
    """One step of the path: the launch, a phase's work or check, or the end."""

    key: str  # "launch", a human node's name, "end"
    kind: str  # "start", StepKind.WORK, StepKind.CHECK, "end"
    title: str
    state: StepState
    phase: object = None  # the PhaseSpec of a work or check
    returns: int = 0  # a check's: how many times it sent the work back

    @property
    def look(self) -> Look:
        return LOOKS[self.state]

    @property
    def return_label(self) -> str:
        """Return the words on a check's return arrow: how many returns, if any."""
        if not self.returns:
            return pgettext("diagram arrow", "return")
        return npgettext("diagram arrow", "%(count)s return", "%(count)s returns", self.returns) % {
            "count": self.returns
        }

    @property
    def description(self) -> str:
        described = f"{self.title}: {self.state.label}"
        return f"{described} ({self.return_label})" if self.returns else described


@dataclass
class Text:
    x: float
    y: float
    content: str
    size: int = TITLE_SIZE
    role: str = "title"  # "title", "state" or "label"
    anchor: str = "start"
    fill: str = INK
    bold: bool = False
    rotate: bool = False  # read bottom to top, along a vertical arrow


@dataclass
class Node:
    step: Step
    shape: str  # "rect" or "circle"
    x: float
    y: float
    width: float = 0
    height: float = 0
    texts: list = field(default_factory=list)

    @property
    def cx(self):
        return self.x + self.width / 2

    @property
    def cy(self):
        return self.y + self.height / 2

    @property
    def r(self):
        return self.width / 2


@dataclass
class Arrow:
    d: str
    kind: str  # "forward" or "return"
    source: str
    target: str
    title: str = ""

    @property
    def colour(self) -> str:
        return ARROW_COLOURS[self.kind]


@dataclass
class Layout:
    """One drawing of the path, in a viewBox ``width`` x ``height``."""

    name: str
    width: int
    height: int
    nodes: list
    arrows: list
    texts: list
    groups: list  # the phases' backgrounds: (x, y, width, height)
    # The container widths (CSS pixels) it is shown at: from ``shown_from``, below
    # ``shown_below`` (None: no limit); it is drawn no wider than ``max_width`` (None: any).
    shown_from: int = 0
    shown_below: int | None = None
    max_width: int | None = None
    font_family = FONT_FAMILY

    @property
    def smallest_text(self) -> int:
        return min(
            text.size for text in (*self.texts, *(t for node in self.nodes for t in node.texts))
        )


@dataclass
class Diagram:
    steps: list
    layouts: list
    # The smallest container (CSS pixels) in which the wide layout is shown.
    breakpoint: int
    notice: str
    summary: str

    @property
    def states(self) -> list:
        """Return the states the steps show, in the legend's order."""
        shown = {step.state for step in self.steps}
        return [(state, LOOKS[state]) for state in StepState if state in shown]


# --- The path and its states ------------------------------------------------------------------


def plan_steps(plan, *, steps) -> list[Step]:
    """Return the plan's path, from its launch to its adoption, each step with its state.

    ``steps`` are the plan's step tasks (``plan.step_tasks``), in any order.
    """
    reached = _reached(plan, steps)
    last = 2 * len(phases.PHASES)
    adopted = plan.status == PlanStatus.ADOPTED
    withdrawn = plan.status == PlanStatus.WITHDRAWN
    at = (
        StepState.SUSPENDED
        if plan.status == PlanStatus.SUSPENDED
        else StepState.STOPPED
        if withdrawn
        else StepState.CURRENT
    )
    later = StepState.NOT_REACHED if withdrawn else StepState.AHEAD

    def state(ordinal):
        if adopted or ordinal < reached:
            return StepState.DONE
        return at if ordinal == reached else later

    # Each return opens a new work task, which names the review that returned it.
    returns = Counter(
        step.phase
        for step in steps
        if step.kind == StepKind.WORK and step.returned_by_id is not None
    )
    path = [Step("launch", "start", capfirst(gettext("Launch")), StepState.DONE)]
    for index, spec in enumerate(phases.PHASES):
        ordinal = 2 * index
        path += [
            Step(
                spec.work_node,
                StepKind.WORK,
                capfirst(str(spec.work_title)),
                state(ordinal),
                spec,
            ),
            Step(
                spec.check_node,
                StepKind.CHECK,
                capfirst(str(spec.check_title)),
                state(ordinal + 1),
                spec,
                returns[spec.phase],
            ),
        ]
    path.append(Step("end", "end", capfirst(str(PlanStatus.ADOPTED.label)), state(last)))
    return path


def _reached(plan, steps) -> int:
    """Return where the plan is (or stopped): 2 per phase before it, plus 1 at its check."""
    ordinals = {spec.phase: 2 * index for index, spec in enumerate(phases.PHASES)}
    if plan.status == PlanStatus.ADOPTED:
        return 2 * len(phases.PHASES)
    if plan.status == PlanStatus.WITHDRAWN:
        last = max(steps, key=lambda step: (step.opened_at, step.pk), default=None)
        if last is None:
            return 0
        return ordinals[last.phase] + (last.kind == StepKind.CHECK)
    status = plan.suspended_from or plan.status
    spec = phases.spec_of(phases.STATUS_PHASE[status])
    open_kinds = {step.kind for step in steps if step.phase == spec.phase and not step.closed_at}
    at_check = StepKind.CHECK in open_kinds or (
        not open_kinds and status == spec.check_status != spec.status
    )
    return ordinals[spec.phase] + at_check


def plan_diagram(plan, *, steps) -> Diagram:
    """Return the plan's path, its states and both layouts, ready for ``_diagram.html``."""
    path = plan_steps(plan, steps=steps)
    wide, narrow = _wide(path), _narrow(path)
    breakpoint = math.ceil(MIN_TEXT_PX * wide.width / wide.smallest_text)
    wide.shown_from = narrow.shown_below = breakpoint
    narrow.max_width = round(narrow.width * 1.25)
    notice = ""
    if plan.status == PlanStatus.SUSPENDED:
        notice = gettext(
            "The plan is suspended: the step marked “%(state)s” waits until it is resumed."
        ) % {"state": StepState.SUSPENDED.label}
    elif plan.status == PlanStatus.WITHDRAWN:
        notice = gettext(
            "The plan was withdrawn: its path ended at the step marked “%(state)s”."
        ) % {"state": StepState.STOPPED.label}
    summary = "; ".join(step.description for step in path) + "."
    return Diagram(path, [wide, narrow], breakpoint, notice, summary)


# --- Layouts ----------------------------------------------------------------------------------

# Widths of characters, in em, a little over Roboto's and Arial's: narrow, wide, capitals.
_NARROW_CHARS = set("fijlrtI.,;:'’!|() ")
_WIDE_CHARS = set("mwMW")


def text_width(text: str, size: int) -> float:
    """Return an estimate, a little generous, of the width of ``text`` at ``size``."""
    em = sum(
        0.34
        if char in _NARROW_CHARS
        else 0.86
        if char in _WIDE_CHARS
        else 0.68
        if char.isupper()
        else 0.57
        for char in text
    )
    return em * size


def wrap(text: str, width: float, size: int = TITLE_SIZE) -> list[str]:
    """Return ``text`` in lines no wider than ``width``, broken between words."""
    lines = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _box(step, x, y, width, lines_count):
    """Return the node of a work or check: its title's lines, then its state's word."""
    lines = wrap(step.title, width - 2 * PAD)
    texts = [
        Text(x + PAD, y + PAD + LINE * (number + 1) - 4, line) for number, line in enumerate(lines)
    ]
    height = _box_height(lines_count)
    texts.append(
        Text(
            x + PAD,
            y + height - PAD - 2,
            str(step.state.label),
            SMALL_SIZE,
            "state",
            fill=step.look.ink,
            bold=True,
        )
    )
    return Node(step, "rect", x, y, width, height, texts)


def _box_height(lines_count):
    return PAD + LINE * lines_count + 6 + SMALL_SIZE + PAD


def _lines_needed(path, width):
    return max(len(wrap(step.title, width - 2 * PAD)) for step in path[1:-1])


def _pairs(path):
    """Return each phase's work and check steps."""
    return list(zip(path[1:-1:2], path[2:-1:2], strict=True))


def _wide(path) -> Layout:
    """Lay the phases out side by side, each its work above its check."""
    width, margin, start_column, end_column, gap, gap_below = 920, 10, 64, 92, 36, 46
    count = len(_pairs(path))
    column = (width - 2 * margin - start_column - end_column) // count
    box_width = column - gap
    lines_count = _lines_needed(path, box_width)
    box_height = _box_height(lines_count)
    header_y, work_y = margin + 12, margin + 22
    check_y = work_y + box_height + gap_below
    nodes, arrows, texts, groups = [], [], [], []
    launch, end = path[0], path[-1]
    radius = 16

    start = _circle(launch, margin + start_column // 2, work_y + box_height / 2, radius, "below")
    nodes.append(start)
    previous = (start.cx + radius, start.cy, launch.key)
    for number, (work, check) in enumerate(_pairs(path)):
        x = margin + start_column + number * column
        groups.append((x - 6, margin, box_width + 12, check_y + box_height + 6 - margin))
        texts.append(_phase_header(number, x, header_y))
        top = _box(work, x, work_y, box_width, lines_count)
        bottom = _box(check, x, check_y, box_width, lines_count)
        nodes += [top, bottom]
        source_x, source_y, source = previous
        if source_y == top.cy:
            d = f"M{source_x} {source_y} H{x}"
        else:
            middle = source_x + gap / 2
            d = f"M{source_x} {source_y} H{middle} V{top.cy} H{x}"
        arrows.append(Arrow(d, "forward", source, work.key))
        arrows.append(
            Arrow(f"M{x + 40} {work_y + box_height} V{check_y}", "forward", work.key, check.key)
        )
        back_x = x + 90
        arrows.append(_return(f"M{back_x} {check_y} V{work_y + box_height}", work, check))
        texts.append(
            Text(
                back_x + 6,
                (work_y + box_height + check_y) / 2 + 4,
                check.return_label,
                SMALL_SIZE,
                "label",
                fill=ARROW_COLOURS["return"],
            )
        )
        previous = (x + box_width, bottom.cy, check.key)
    finish = _circle(
        end, width - margin - end_column // 2, check_y + box_height / 2, radius, "below"
    )
    nodes.append(finish)
    source_x, source_y, source = previous
    arrows.append(
        Arrow(f"M{source_x} {source_y} H{finish.cx - radius}", "forward", source, end.key)
    )
    height = math.ceil(max(check_y + box_height, finish.texts[-1].y + 4) + margin)
    return Layout("wide", width, height, nodes, arrows, texts, groups)


def _narrow(path) -> Layout:
    """Lay the steps out one under the other, each return in a gutter on the right."""
    width, margin, gutter, gap = 360, 10, 60, 28
    box_width = width - 2 * margin - gutter
    lines_count = _lines_needed(path, box_width)
    box_height = _box_height(lines_count)
    middle = margin + box_width / 2
    back_x = margin + box_width + 20
    nodes, arrows, texts = [], [], []
    launch, end = path[0], path[-1]
    radius = 14

    start = _circle(launch, middle, margin + radius, radius, "right")
    nodes.append(start)
    y = start.cy + radius
    previous = launch.key
    for number, (work, check) in enumerate(_pairs(path)):
        texts.append(_phase_header(number, margin, y + gap - 8))
        top = _box(work, margin, y + gap, box_width, lines_count)
        bottom = _box(check, margin, top.y + box_height + gap, box_width, lines_count)
        nodes += [top, bottom]
        arrows.append(Arrow(f"M{middle} {y} V{top.y}", "forward", previous, work.key))
        arrows.append(
            Arrow(f"M{middle} {top.y + box_height} V{bottom.y}", "forward", work.key, check.key)
        )
        right = margin + box_width
        arrows.append(_return(f"M{right} {bottom.cy} H{back_x} V{top.cy} H{right}", work, check))
        texts.append(
            Text(
                back_x + 16,
                (top.cy + bottom.cy) / 2,
                check.return_label,
                SMALL_SIZE,
                "label",
                anchor="middle",
                fill=ARROW_COLOURS["return"],
                rotate=True,
            )
        )
        y = bottom.y + box_height
        previous = check.key
    finish = _circle(end, middle, y + gap + radius, radius, "right")
    nodes.append(finish)
    arrows.append(Arrow(f"M{middle} {y} V{finish.y}", "forward", previous, end.key))
    height = math.ceil(finish.y + 2 * radius + margin)
    return Layout("narrow", width, height, nodes, arrows, texts, [])


def _return(d, work, check):
    title = f"{check.return_label}: {check.title} → {work.title}"
    return Arrow(d, "return", check.key, work.key, title)


def _circle(step, cx, cy, radius, texts_at):
    """Return the node of the launch or the end: a circle, its title and state below or right."""
    node = Node(step, "circle", cx - radius, cy - radius, 2 * radius, 2 * radius)
    if texts_at == "below":
        title_at, state_at, anchor = (cx, cy + radius + 16), (cx, cy + radius + 31), "middle"
    else:
        title_at, state_at, anchor = (cx + radius + 8, cy - 2), (cx + radius + 8, cy + 13), "start"
    node.texts = [
        Text(*title_at, step.title, TITLE_SIZE, anchor=anchor),
        Text(
            *state_at,
            str(step.state.label),
            SMALL_SIZE,
            "state",
            anchor=anchor,
            fill=step.look.ink,
            bold=True,
        ),
    ]
    return node


def _phase_header(number, x, y):
    return Text(x, y, phase_numbers(phases.PHASES[number]), SMALL_SIZE, "label", bold=True)


def phase_numbers(spec) -> str:
    """Return the numbers the plan's progress gives the phase's steps: "Phase 1", or "Phases
    3–4" for the drafting, whose review is a phase of the plan's own (``PLAN_STAGES``)."""
    numbers = sorted(
        {phases.PLAN_STAGES.index(status) + 1 for status in (spec.status, spec.check_status)}
    )
    if len(numbers) == 1:
        return gettext("Phase %(number)s") % {"number": numbers[0]}
    return gettext("Phases %(first)s–%(last)s") % {"first": numbers[0], "last": numbers[-1]}
