from __future__ import annotations

from django.urls import URLPattern, path

from .views import audits, calibration, corrective, diligence, incidents

app_name = "quality"

urlpatterns: list[URLPattern] = [
    path("calibration/", calibration.round_list, name="rounds"),
    path("vignettes/", calibration.vignette_list, name="vignettes"),
    path("calibration/<str:code>/", calibration.round_detail, name="round"),
    path("calibration/<str:code>/close/", calibration.close, name="close"),
    path("calibration/<str:code>/guidance/", calibration.guidance, name="guidance"),
    path("calibration/<str:code>/v/<str:vignette>/answer/", calibration.answer, name="answer"),
    path("templates/", audits.template_list, name="templates"),
    path("audits/", audits.audit_list, name="audits"),
    path("audits/<str:code>/", audits.audit_detail, name="audit"),
    path("audits/<str:code>/items/<int:position>/", audits.item, name="item"),
    path("scores/", audits.scores, name="scores"),
    path("actions/", corrective.action_list, name="actions"),
    path("actions/<str:ident>/", corrective.action_detail, name="action"),
    path("actions/<str:ident>/move/", corrective.action_move, name="action_move"),
    path("actions/<str:ident>/change/", corrective.action_change, name="action_change"),
    path("incidents/", incidents.incident_list, name="incidents"),
    path("incidents/new/", incidents.incident_new, name="incident_new"),
    path("incidents/<str:code>/", incidents.incident_detail, name="incident"),
    path("incidents/<str:code>/links/", incidents.incident_link, name="incident_link"),
    path("incidents/<str:code>/learning/", incidents.incident_learning, name="incident_learning"),
    path("partners/", diligence.partner_list, name="partners"),
    path("due-diligence/", diligence.our_review, name="our_review"),
    path("partners/<str:code>/", diligence.partner_review, name="partner"),
    path("partners/<str:code>/evidence/", diligence.add_evidence, name="partner_evidence"),
    path("partners/<str:code>/findings/", diligence.record_finding, name="partner_finding"),
    path("partners/<str:code>/decision/", diligence.decide, name="partner_decide"),
]
