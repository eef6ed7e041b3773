"""viewflow's process and task admin, made read-only: flows change only through services."""

from django.contrib import admin
from viewflow.workflow import admin as viewflow_admin
from viewflow.workflow.models import Process, Task

from plm_workflow.admin import ReadOnlyAdminMixin


class ProcessAdmin(ReadOnlyAdminMixin, viewflow_admin.ProcessAdmin):
    pass


class TaskAdmin(ReadOnlyAdminMixin, viewflow_admin.TaskAdmin):
    pass


class TaskInline(ReadOnlyAdminMixin, viewflow_admin.TaskInline):
    pass


ProcessAdmin.inlines = [TaskInline]

for model, model_admin in ((Process, ProcessAdmin), (Task, TaskAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
