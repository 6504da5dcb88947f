from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "plans"

urlpatterns: list[URLPattern] = [
    path("acknowledgements/", views.acknowledgement_list, name="acknowledgements"),
    path("<str:code>/", views.plan_detail, name="plan"),
    path("<str:code>/history/", views.plan_history, name="history"),
    path("<str:code>/edit/", views.plan_edit, name="edit"),
    path("<str:code>/v/<int:number>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<str:code>/v/<int:number>/action/", views.follow_up, name="follow_up"),
    path("<str:code>/reviews/<str:uuid>/complete/", views.review_complete, name="review_complete"),
]
