from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "quality"

urlpatterns: list[URLPattern] = [
    path("calibration/", views.round_list, name="rounds"),
    path("vignettes/", views.vignette_list, name="vignettes"),
    path("calibration/<str:code>/", views.round_detail, name="round"),
    path("calibration/<str:code>/close/", views.close, name="close"),
    path("calibration/<str:code>/guidance/", views.guidance, name="guidance"),
    path("calibration/<str:code>/v/<str:vignette>/answer/", views.answer, name="answer"),
]
