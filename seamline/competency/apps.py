from django.apps import AppConfig


class CompetencyConfig(AppConfig):
    name = "seamline.competency"
    label = "competency"
    verbose_name = "Shared competency framework"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register

        from .access import can_read_framework

        register(
            AppMenuItem("Framework", "competency:overview", applies=can_read_framework, order=20)
        )
