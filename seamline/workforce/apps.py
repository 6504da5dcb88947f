from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "seamline.workforce"
    label = "workforce"
    verbose_name = "Workforce register"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register

        from .access import can_see_worker_lists

        register(AppMenuItem("Workforce", "workforce:worker_list", can_see_worker_lists, order=40))
        register(
            AppMenuItem("Competency matrix", "workforce:matrix", can_see_worker_lists, order=41)
        )
