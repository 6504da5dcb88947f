"""Handoff pages. Each views module keeps its own `urlpatterns`, joined here; the fixed paths
(inbox, templates, audits) come before the handoff's own `<code>/` paths."""

from .views import audits, boxes, bundle_templates, handoff

app_name = "handoffs"

urlpatterns = [
    *boxes.urlpatterns,
    *bundle_templates.urlpatterns,
    *audits.urlpatterns,
    *handoff.urlpatterns,
]
