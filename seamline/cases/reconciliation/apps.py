from django.apps import AppConfig


class ReconciliationConfig(AppConfig):
    name = "seamline.cases.reconciliation"
    label = "reconciliation"
    verbose_name = "Caseload reconciliation"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register

        from .access import can_see_any_runs

        register(AppMenuItem("Reconciliation", "reconciliation:runs", can_see_any_runs, order=33))
