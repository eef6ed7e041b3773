"""Reads of the PLM flow."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat
from guardian.models import UserObjectPermission
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from plm_workflow.plans.models import ACTIVE_STATES, Plan
from plm_workflow.plans.selectors import plans_visible_to


def tasks_open_for(user) -> QuerySet[Task]:
    """Return the open tasks the user holds, or may take on, in active plans the user may see.

    A task offered to a permission is the user's to take only if the user holds that
    permission on that very plan (a guardian object permission); model-wide permissions and
    superuser status open nothing.
    """
    holds = (
        UserObjectPermission.objects.filter(
            user_id=user.pk,
            content_type=ContentType.objects.get_for_model(Plan),
            object_pk=OuterRef("owner_permission_obj_pk"),
        )
        .annotate(
            full_name=Concat(
                Value(f"{Plan._meta.app_label}."), "permission__codename", output_field=CharField()
            )
        )
        .filter(full_name=OuterRef("owner_permission"))
    )
    return (
        Task.objects.filter(
            process__plmprocess__plan__in=plans_visible_to(user).filter(status__in=ACTIVE_STATES),
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
        )
        .filter(Q(owner_id=user.pk) | Q(owner__isnull=True) & Exists(holds))
        .select_related("process__plmprocess__plan__comune", "owner")
        .order_by("created", "pk")
    )
