from django.contrib import admin

from plm_workflow.admin import ReadOnlyAdminMixin

from .models import Event


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["chain", "seq", "kind", "occurred_at", "actor", "actor_system", "plan"]
    list_filter = ["kind"]
    search_fields = ["chain", "hash"]
    list_select_related = ["actor", "plan__comune"]
