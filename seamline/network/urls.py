from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/tokens/", views.account_token_issue, name="account_token_issue"),
    path(
        "account/tokens/<str:prefix>/revoke/",
        views.account_token_revoke,
        name="account_token_revoke",
    ),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/new/", views.organisation_new, name="organisation_new"),
    path("organisations/<slug:code>/", views.organisation, name="organisation"),
    path("organisations/<slug:code>/edit/", views.organisation_edit, name="organisation_edit"),
    path(
        "organisations/<slug:code>/status/", views.organisation_status, name="organisation_status"
    ),
    path("organisations/<slug:code>/people/", views.people, name="people"),
    path("organisations/<slug:code>/people/new/", views.person_new, name="person_new"),
    path("people/<str:person>/", views.person, name="person"),
    path("people/<str:person>/edit/", views.person_edit, name="person_edit"),
    path("people/<str:person>/roles/grant/", views.person_role_grant, name="person_role_grant"),
    path(
        "people/<str:person>/roles/<str:role>/revoke/",
        views.person_role_revoke,
        name="person_role_revoke",
    ),
    path("people/<str:person>/leave/", views.person_leave, name="person_leave"),
    path("pathways/", views.pathways, name="pathways"),
    path("pathways/new/", views.pathway_new, name="pathway_new"),
    path("pathways/<slug:code>/", views.pathway, name="pathway"),
    path("pathways/<slug:code>/edit/", views.pathway_edit, name="pathway_edit"),
    path("pathways/<slug:code>/history/", views.pathway_history, name="pathway_history"),
    path("pathways/<slug:code>/steps/new/", views.step_new, name="step_new"),
    path("pathways/<slug:code>/steps/<slug:step>/edit/", views.step_edit, name="step_edit"),
    path("pathways/<slug:code>/steps/<slug:step>/move/", views.step_move, name="step_move"),
    path("pathways/<slug:code>/steps/<slug:step>/raci/", views.step_raci_add, name="step_raci_add"),
    path("pathways/<slug:code>/raci/<str:entry>/remove/", views.raci_remove, name="raci_remove"),
    path("decision-rights/", views.decision_rights, name="decision_rights"),
    path("decision-rights/check/", views.decision_right_check, name="decision_right_check"),
    path("decision-rights/new/", views.decision_right_new, name="decision_right_new"),
    path(
        "decision-rights/<str:right>/remove/",
        views.decision_right_remove,
        name="decision_right_remove",
    ),
    path("settings/", views.network_settings, name="settings"),
]
