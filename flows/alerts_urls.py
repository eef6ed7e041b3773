"""The pages of notifications, the profile and the calendar feed (issue 21)."""

from django.urls import path

from .calendar_feed import calendar_feed
from .notifications import NotificationListView, NotificationReadView, NotificationsReadAllView
from .profile import CalendarTokenView, ProfileView

urlpatterns = [
    # A person's own notifications, and marking them read (an auditor may: DESIGN §4).
    path("notifications/", NotificationListView.as_view(), name="notifications"),
    path("notifications/read/", NotificationReadView.as_view(), name="notification_read"),
    path(
        "notifications/read-all/", NotificationsReadAllView.as_view(), name="notifications_read_all"
    ),
    # The person's own settings, and a new secret address for their calendar feed.
    path("profile/", ProfileView.as_view(), name="profile"),
    path("profile/calendar/", CalendarTokenView.as_view(), name="calendar_token"),
    # The calendar feed: no login, the token is the secret (404 for a wrong or old one).
    path("calendar/<str:token>.ics", calendar_feed, name="calendar_feed"),
]
