from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "assurance"

urlpatterns: list[URLPattern] = [
    path("", views.pack_list, name="packs"),
    path("<str:period>/", views.pack_detail, name="pack"),
    path("<str:period>/pack.pdf", views.pack_pdf, name="pack_pdf"),
    path("<str:period>/pack.csv", views.pack_csv, name="pack_csv"),
    path("<str:period>/pack.json", views.pack_json, name="pack_json"),
    path("<str:period>/metric/<str:code>/", views.drill, name="drill"),
]
