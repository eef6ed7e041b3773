"""The timeline pages: a plan's whole story, and the story of every plan a person may see.

Each event says who (the person and the role they held at the event's time, or the named
system actor), when (in words, Rome time), what (a sentence per kind, ``flows.history``) and
the fields it changed, old → new, in words. Filters by who, what, phase and days combine; the
pages follow one another on (time, id) without OFFSET, at a constant number of queries per page
whatever the size of the log. A plan's page verifies its chain on every GET, writing nothing,
and says when the whole log was last verified (only ``verify_audit`` records that).

The all-plans page is the lead's and the auditors' (every plan, and the global chain of roles,
registry imports, exports and verifications) and the facilitators' (their plans); it is refused
to coordinators, who read their plans' stories on each plan's page (DESIGN §5: the global
timeline is not theirs). Exports take what the page shows, filters included.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic

from forms.timeline import TimelineFilterForm
from plm_workflow.accounts.models import Membership
from plm_workflow.accounts.timeline import events_visible_to, sees_global_chain
from plm_workflow.audit import exports
from plm_workflow.audit.chain import chain_of
from plm_workflow.audit.models import GLOBAL_CHAIN, Event, EventKind
from plm_workflow.audit.selectors import last_verification
from plm_workflow.audit.timeline import (
    cursor_decode,
    cursor_encode,
    events_filtered,
    page,
    page_before,
    position,
)
from plm_workflow.audit.verify import chains_verify
from plm_workflow.formats.prose import prose_moment
from plm_workflow.roles import Role, is_auditor, is_lead

from .event_shapes import shared_shape
from .history import SYSTEM_ACTORS, tell, with_names
from .selectors import processes_visible_to

PAGE_SIZE = 50
TITLE = _("Timeline")
ALL_TITLE = _("Timeline of all plans")
FILTER_REFUSED = _("No event is shown: a filter cannot be applied. Correct it, or clear it.")
NOTHING_YET = _("No event yet.")
NOTHING_MATCHES = _("No event matches these filters.")
NEVER_VERIFIED = _("The whole log has never been verified (python manage.py verify_audit).")
FORMAT_PARAM = "format"


# --- Who held which role when -------------------------------------------------------------------


def roles_then(events) -> dict[int, str]:
    """Return, by event id, the role its person held at the event's time: on the event's
    comune (municipal coordinator, facilitator), else a global one (lead facilitator,
    auditor). One query for the page, whatever its events: the role grants and revocations of
    the people acting on it, from the global chain, up to the page's last moment.
    """
    people = {event.actor_id for event in events if event.actor_id is not None}
    if not people:
        return {}
    last = max(event.occurred_at for event in events)
    changes = (
        Event.objects.filter(
            chain=GLOBAL_CHAIN,
            kind__in=(EventKind.ROLE_GRANTED, EventKind.ROLE_REVOKED),
            occurred_at__lte=last,
        )
        .filter(Q(payload__concerns__user__in=people) | Q(payload__user__in=people))
        .order_by("occurred_at", "pk")
        .values_list("kind", "payload", "occurred_at", "pk")
    )
    history = []
    for kind, payload, moment, pk in changes:
        shaped = shared_shape(kind, payload)
        concerns = shaped.get("concerns") or {}
        change = (shaped.get("changes") or {}).get("role") or [None, None]
        role = change[1] if kind == EventKind.ROLE_GRANTED else change[0]
        if concerns.get("user") in people and role in Role.values:
            granted = kind == EventKind.ROLE_GRANTED
            history.append(((moment, pk), concerns["user"], concerns.get("comune"), role, granted))
    held: dict[int, dict] = {}  # person → {comune code or None: set of roles}
    found = {}
    ordered = sorted(events, key=lambda event: (event.occurred_at, event.pk))
    index = 0
    for event in ordered:
        while index < len(history) and history[index][0] <= (event.occurred_at, event.pk):
            _when, person, comune, role, granted = history[index]
            roles = held.setdefault(person, {}).setdefault(comune, set())
            (roles.add if granted else roles.discard)(role)
            index += 1
        if event.actor_id is None:
            continue
        found[event.pk] = _role_named(held.get(event.actor_id, {}), _comune_of(event))
    return found


def _comune_of(event) -> str | None:
    if event.plan_id is not None:
        return event.plan.comune.istat_code
    return (shared_shape(event.kind, event.payload).get("concerns") or {}).get("comune")


def _role_named(roles: dict, comune) -> str:
    """Name the roles held on the event's comune, else the global ones: all of them, in a
    fixed order (a person may be both coordinator and facilitator of a comune)."""
    for held, order in (
        (roles.get(comune, set()) if comune else set(), (Role.COORDINATOR, Role.FACILITATOR)),
        (roles.get(None, set()), (Role.LEAD, Role.AUDITOR)),
    ):
        named = [str(role.label) for role in order if role in held]
        if named:
            return ", ".join(named)
    return ""


# --- The integrity of a plan's chain --------------------------------------------------------------


@dataclass(frozen=True)
class Integrity:
    ok: bool
    first_problem: str
    events: int
    head_seq: int
    head_hash: str


def plan_integrity(plan) -> Integrity:
    """Recompute the plan's chain from its events and say whether it holds: reads only."""
    chain = chain_of(plan.pk)
    result = chains_verify(chain=chain, plan_ids=[plan.pk])
    head = Event.objects.filter(chain=chain).order_by("-seq").values_list("seq", "hash").first()
    seq, digest = head or (0, "")
    return Integrity(
        ok=result.ok,
        first_problem=result.broken[0] if result.broken else "",
        events=result.events,
        head_seq=seq,
        head_hash=digest,
    )


def verification_said(event) -> dict | None:
    """The last full verification as the page says it: when, and what it found."""
    if event is None:
        return None
    found = (event.payload or {}).get("verification") or {}
    return {
        "when": prose_moment(event.occurred_at),
        "ok": bool(found.get("ok")),
        "events": found.get("events"),
        "chains": found.get("chains"),
        "problems": found.get("problems"),
    }


# --- The pages ----------------------------------------------------------------------------------


def actor_choices(events) -> list[tuple[str, str]]:
    """The people who appear in ``events`` (one query), then the named system actors."""
    ids = events.exclude(actor__isnull=True).order_by().values("actor_id")
    people = get_user_model().objects.filter(pk__in=ids).order_by("last_name", "username")
    choices = [
        (f"user:{person.pk}", person.get_full_name() or person.get_username()) for person in people
    ]
    return choices + [(name, str(label)) for name, label in SYSTEM_ACTORS.items()]


class _TimelineMixin:
    """What both timelines do: the visible events, filtered, a page of them, told in words."""

    template_name = "flows/plm/timeline.html"
    plan = None

    def visible_events(self):
        return events_visible_to(self.request.user, plan=self.plan)

    def filter_form(self, events):
        return TimelineFilterForm(self.request.GET or None, actors=actor_choices(events))

    def page_of(self, events, form):
        """Return (told rows, previous link query, next link query)."""
        if form.refused:
            return [], None, None
        events = with_names(events_filtered(events, form.filters()))
        after = cursor_decode(self.request.GET.get("after", ""))
        before = cursor_decode(self.request.GET.get("before", ""))
        if self.request.GET.get("last") or (before is not None and after is None):
            rows, earlier = page_before(events, before=before, size=PAGE_SIZE)
            previous = position(rows[0]) if rows and earlier is not None else None
            following = position(rows[-1]) if rows and before is not None else None
        else:
            rows, following = page(events, after=after, size=PAGE_SIZE)
            previous = position(rows[0]) if rows and after is not None else None
        told = tell(rows, roles=roles_then(rows), with_changes=True)
        return told, self._link("before", previous), self._link("after", following)

    def _link(self, name, cursor):
        if cursor is None:
            return None
        query = self.request.GET.copy()
        for key in ("after", "before", "last"):
            query.pop(key, None)
        query[name] = cursor_encode(cursor)
        return query.urlencode()

    def filters_query(self) -> str:
        query = self.request.GET.copy()
        for key in ("after", "before", "last", FORMAT_PARAM):
            query.pop(key, None)
        return query.urlencode()

    def timeline_context(self, *, export_url, title):
        events = self.visible_events()
        form = self.filter_form(events)
        rows, previous, following = self.page_of(events, form)
        query = self.filters_query()
        if form.refused:
            empty = FILTER_REFUSED
        elif form.applied():
            empty = NOTHING_MATCHES
        else:
            empty = NOTHING_YET
        return {
            "title": title,
            "form": form,
            "events": rows,
            "previous_query": previous,
            "next_query": following,
            "last_query": f"{query}&last=1" if query else "last=1",
            "first_query": query,
            "filter_refused": form.refused,
            "empty_text": empty,
            "exports": [
                {
                    "label": _("Export CSV"),
                    "url": f"{export_url}?{query}{'&' if query else ''}format=csv",
                },
                {
                    "label": _("Export JSON Lines"),
                    "url": f"{export_url}?{query}{'&' if query else ''}format=json",
                },
            ],
            "last_verification": verification_said(last_verification()),
            "never_verified": NEVER_VERIFIED,
            "plan": self.plan,
        }


class PlanTimelineView(_TimelineMixin, generic.TemplateView):
    """A plan's timeline: its chain and the global chain's events about its comune; visible
    plans only (else 404)."""

    flow_class = None
    viewset = None

    def dispatch(self, request, *args, process_pk, **kwargs):
        self.process = get_object_or_404(
            processes_visible_to(request.user).filter(flow_class=self.flow_class), pk=process_pk
        )
        self.plan = self.process.plan
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        flow = self.process.flow_class.instance
        context.update(
            self.timeline_context(
                export_url=flow.reverse("process_timeline_export", args=[self.process.pk]),
                title=TITLE,
            )
        )
        context["integrity"] = plan_integrity(self.plan)
        context["process"] = self.process
        return context


def may_see_all_plans(user) -> bool:
    """Return True if the user may open the all-plans timeline: the lead, the auditors and
    whoever facilitates a comune; not a coordinator only (the global timeline is refused to
    them). Asked once per request (cached on the user object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cached = user.__dict__.get("_plm_all_timeline")
    if cached is None:
        cached = (
            is_lead(user)
            or is_auditor(user)
            or Membership.objects.filter(
                user=user, role=Role.FACILITATOR, revoked_at__isnull=True
            ).exists()
        )
        user.__dict__["_plm_all_timeline"] = cached
    return cached


class AllTimelineView(_TimelineMixin, generic.TemplateView):
    """Every visible plan's events, and the global chain's for the lead and auditors."""

    def dispatch(self, request, *args, **kwargs):
        if not may_see_all_plans(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            self.timeline_context(export_url=reverse("home:timeline_export"), title=ALL_TITLE)
        )
        context["sees_global_chain"] = sees_global_chain(self.request.user)
        return context


# --- The exports --------------------------------------------------------------------------------


class _ExportMixin:
    """Stream what the timeline shows (filters applied) as CSV or JSON Lines; the export is
    recorded first, as an event, like the measures' CSV (a GET that records its download)."""

    plan = None

    def export(self, request):
        fmt = request.GET.get(FORMAT_PARAM, exports.CSV)
        if fmt not in exports.FORMATS:
            fmt = exports.CSV
        events = events_visible_to(request.user, plan=self.plan)
        form = TimelineFilterForm(request.GET or None, actors=actor_choices(events))
        if form.refused:
            # The filters cannot be applied: back to the page, which says why.
            return redirect(f"{self.page_url()}?{request.GET.urlencode()}")
        filters = form.filters()
        export = exports.export_record(
            events=events_filtered(events, filters),
            by=request.user,
            plan=self.plan,
            filters=filters,
            fmt=fmt,
        )
        response = StreamingHttpResponse(
            exports.export_stream(export), content_type=export.content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response


class PlanTimelineExportView(_ExportMixin, generic.View):
    flow_class = None
    viewset = None

    def get(self, request, process_pk):
        self.process = get_object_or_404(
            processes_visible_to(request.user).filter(flow_class=self.flow_class), pk=process_pk
        )
        self.plan = self.process.plan
        return self.export(request)

    def page_url(self):
        return self.process.flow_class.instance.reverse("process_timeline", args=[self.process.pk])


class AllTimelineExportView(_ExportMixin, generic.View):
    def get(self, request):
        if not may_see_all_plans(request.user):
            raise PermissionDenied
        return self.export(request)

    def page_url(self):
        return reverse("home:timeline")
