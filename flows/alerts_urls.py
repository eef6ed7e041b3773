"""The pages of notifications, the profile and the calendar feed (issue 21)."""

from django.urls import path

from .notifications import NotificationListView, NotificationReadView, NotificationsReadAllView

urlpatterns = [
    # A person's own notifications, and marking them read (an auditor may: DESIGN §4).
    path("notifications/", NotificationListView.as_view(), name="notifications"),
    path("notifications/read/", NotificationReadView.as_view(), name="notification_read"),
    path(
        "notifications/read-all/", NotificationsReadAllView.as_view(), name="notifications_read_all"
    ),
]
