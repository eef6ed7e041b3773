from django.contrib import admin

from plm_workflow.admin import ReadOnlyAdminMixin

from .models import Alert


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "recipient", "channel", "state", "due", "plan"]
    list_filter = ["kind", "channel", "state"]
    search_fields = ["recipient__username"]
    list_select_related = ["recipient", "plan"]
    date_hierarchy = "created_at"
