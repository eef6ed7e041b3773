"""The pages of notifications, the profile and the calendar feed (issue 21)."""

urlpatterns = []
