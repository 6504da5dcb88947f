"""Participant and referral pages. Each views module keeps its own `urlpatterns`, joined here."""

from .views import duplicates, participants, referrals

app_name = "cases"

urlpatterns = [
    *participants.urlpatterns,
    *referrals.urlpatterns,
    *duplicates.urlpatterns,
]
