from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from plm_workflow.admin import ReadOnlyAdminMixin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["user", "language"]
    list_filter = ["language"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
