"""Rota pages. Each views module keeps its own `urlpatterns`, joined here."""

from .views import cover, files, overrides, preferences, visits

app_name = "rota"

urlpatterns = [
    *visits.urlpatterns,
    *overrides.urlpatterns,
    *files.urlpatterns,
    *preferences.urlpatterns,
    *cover.urlpatterns,
]
