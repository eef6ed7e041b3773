from django.contrib import admin

from plm_workflow.plans.admin import ReadOnlyAdmin

from .models import Membership


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "comune", "role", "granted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "comune__name"]
    list_select_related = ["user", "comune"]
