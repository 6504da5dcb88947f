"""Workforce pages. Each views module keeps its own `urlpatterns`, joined here."""

from .views import imports, records, register, worklists

app_name = "workforce"

urlpatterns = [
    *register.urlpatterns,
    *records.urlpatterns,
    *imports.urlpatterns,
    *worklists.urlpatterns,
]
