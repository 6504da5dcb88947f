from django.urls import path

from . import views

app_name = "competency"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("competencies/new/", views.competency_new, name="competency_new"),
    path("competencies/<slug:code>/", views.competency, name="competency"),
    path("competencies/<slug:code>/edit/", views.competency_edit, name="competency_edit"),
    path("competencies/<slug:code>/retire/", views.competency_retire, name="competency_retire"),
    path("task-types/new/", views.task_type_new, name="task_type_new"),
    path("task-types/<slug:code>/", views.task_type, name="task_type"),
    path("task-types/<slug:code>/edit/", views.task_type_edit, name="task_type_edit"),
    path("task-types/<slug:code>/retire/", views.task_type_retire, name="task_type_retire"),
    path("versions/", views.versions, name="versions"),
    path("versions/diff/", views.version_diff, name="version_diff"),
    path("versions/<int:number>/", views.version, name="version"),
    path("catalogues/", views.catalogues, name="catalogues"),
    path("catalogues/<slug:org>/", views.catalogue, name="catalogue"),
    path("catalogues/<slug:org>/modules/", views.module_add, name="module_add"),
    path(
        "catalogues/<slug:org>/modules/<str:module>/mappings/",
        views.mapping_add,
        name="mapping_add",
    ),
    path(
        "catalogues/<slug:org>/modules/<str:module>/mappings/<slug:competency>/remove/",
        views.mapping_remove,
        name="mapping_remove",
    ),
    path("coverage/", views.coverage, name="coverage"),
]
