from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "seamline.workforce"
    label = "workforce"
    verbose_name = "Workforce register"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register

        from .access import can_see_worker_lists
        from .views.imports import can_import
        from .views.worklists import register_cards

        register(AppMenuItem("Workforce", "workforce:worker_list", can_see_worker_lists, order=40))
        register(
            AppMenuItem("Competency matrix", "workforce:matrix", can_see_worker_lists, order=41)
        )
        register(AppMenuItem("Work lists", "workforce:worklists", can_see_worker_lists, order=45))
        register(AppMenuItem("Imports", "workforce:import_upload", can_import, order=48))
        register_cards()
