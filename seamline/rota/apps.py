from django.apps import AppConfig


class RotaConfig(AppConfig):
    name = "seamline.rota"
    label = "rota"
    verbose_name = "Rota gate"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register
        from seamline.workforce.imports import register_runner

        from . import imports
        from .access import can_import_rota, can_schedule, can_see_visits
        from .views.home import register_cards

        register(AppMenuItem("Rota", "rota:visits", can_see_visits, order=50))
        register(AppMenuItem("Validate a rota", "rota:validate", can_schedule, order=51))
        register(AppMenuItem("Gate overrides", "rota:overrides", can_see_visits, order=52))
        register(AppMenuItem("Load a rota", "rota:import", can_import_rota, order=53))
        register(AppMenuItem("Rota cover", "rota:cover", can_schedule, order=54))
        register_runner("rota", imports.run)
        register_cards()
