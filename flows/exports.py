"""The plan's measures as a CSV file for Italian spreadsheets (issue: measures CSV).

One row per funding line (a measure without any still has its row): comune, measure, priority
action, axis, lead, partners, funding source, amount, CUP, start, end, indicators. UTF-8 with
a BOM and ``;`` between cells, as Excel in Italian opens them; amounts like ``1234,56``; a cell
starting with ``= + - @`` (or a tab or carriage return) is prefixed with ``'`` so that no
spreadsheet runs it as a formula. The draft is read as the plan page shows it (from history,
a fixed number of queries); each download is an event.
"""

import csv
import io

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views import View

from plm_workflow.formats.cells import neutralised
from plm_workflow.formats.prose import short_date
from plm_workflow.plans.models import Phase
from plm_workflow.steps.drafting import measures_export_record

from .content import content_for
from .drafting_content import decimal_shown
from .selectors import processes_visible_to

HEADER = (
    _("Comune"),
    _("Measure"),
    _("Priority action"),
    _("Axis"),
    _("Lead organisation"),
    _("Partners"),
    _("Funding source"),
    _("Amount (€)"),
    _("CUP"),
    _("Start"),
    _("End"),
    _("Indicators"),
)


def _amount(value) -> str:
    """``1234,56``: two decimals, a comma, no grouping (a number to an Italian spreadsheet)."""
    return f"{value:.2f}".replace(".", ",")


def _indicators(measure) -> str:
    parts = []
    for indicator in measure.indicators:
        unit = f" {indicator.unit}" if indicator.unit else ""
        text = (
            f"{indicator.name}: {decimal_shown(indicator.baseline)} → "
            f"{decimal_shown(indicator.target)}{unit}"
        )
        if indicator.target_date:
            text += f" ({short_date(indicator.target_date)})"
        parts.append(text)
    return " | ".join(parts)


def measures_rows(plan, state) -> list[list[str]]:
    """The CSV's rows (header excluded) of a draft state (``DraftingContent.as_of``)."""
    found = []
    for measure in state.measures if state else []:
        common = [
            plan.comune.label,
            measure.title,
            measure.action.name if measure.action else "",
            measure.axis.name if measure.axis else "",
            measure.lead.name if measure.lead else "",
            ", ".join(partner.name for partner in measure.partners),
        ]
        tail = [short_date(measure.starts_on), short_date(measure.ends_on), _indicators(measure)]
        lines = measure.funding or [None]
        for line in lines:
            money = (
                [line.get_source_display(), _amount(line.amount), line.cup]
                if line is not None
                else ["", "", ""]
            )
            found.append(common + money + tail)
    return found


class MeasuresCSVView(View):
    """Download the plan's measures as CSV: for anyone who may see the plan (else 404)."""

    flow_class = None
    viewset = None

    def get(self, request, process_pk):
        process = get_object_or_404(processes_visible_to(request.user), pk=process_pk)
        plan = process.plan
        state = content_for(Phase.DRAFTING).as_of(plan)
        rows = measures_rows(plan, state)
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow([str(label) for label in HEADER])
        for row in rows:
            writer.writerow([neutralised(cell) for cell in row])
        measures_export_record(
            plan=plan, by=request.user, rows=len(rows), measures=len(state.measures) if state else 0
        )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        name = f"misure-{slugify(plan.comune.name)}-{plan.pk}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
