"""The coordination pages, split by feature: owned actions, the coordinator of the day, the
joint caseload huddle, the post-discharge sprint and the 24-hour documentation standard. The
package keeps the app's `urlpatterns`."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import actions, documentation, duty, huddles, sprints, today

app_name = "coordination"

urlpatterns: list[URLPattern] = [
    path("today/", today.today_page, name="today"),
    path("actions/", actions.action_list, name="actions"),
    path("actions/<str:uuid>/complete/", actions.action_complete, name="action_complete"),
    path("gaps/", duty.gaps, name="gaps"),
    path("rota/<str:code>/", duty.rota, name="rota"),
    path("rota/entry/<str:uuid>/end/", duty.rota_end, name="rota_end"),
    path("absences/new/", duty.absence_new, name="absence_new"),
    path("huddles/", huddles.cohort_list, name="cohorts"),
    path("huddles/new/", huddles.cohort_new, name="cohort_new"),
    path("huddles/<slug:code>/", huddles.cohort_detail, name="cohort"),
    path("huddles/<slug:code>/add/", huddles.cohort_add, name="cohort_add"),
    path(
        "huddles/<slug:code>/remove/<str:participant>/",
        huddles.cohort_remove,
        name="cohort_remove",
    ),
    path("huddles/<slug:code>/start/", huddles.huddle_start, name="huddle_start"),
    path("huddle/<str:uuid>/", huddles.huddle_detail, name="huddle"),
    path("huddle/<str:uuid>/decide/<str:code>/", huddles.decision_new, name="decision_new"),
    path("sprints/", sprints.sprint_list, name="sprints"),
    path("sprints/report/", sprints.sprint_report, name="sprint_report"),
    path("sprints/start/<str:code>/", sprints.sprint_start, name="sprint_start"),
    path("sprints/<str:uuid>/", sprints.sprint_detail, name="sprint"),
    path("sprints/<str:uuid>/<slug:code>/done/", sprints.step_done, name="sprint_step_done"),
    path("sprints/<str:uuid>/<slug:code>/refuse/", sprints.step_refuse, name="sprint_step_refuse"),
    path("records/<str:code>/", documentation.records, name="records"),
    path("documentation/", documentation.compliance, name="documentation"),
    path("documentation/late/", documentation.late_records, name="late_records"),
]
