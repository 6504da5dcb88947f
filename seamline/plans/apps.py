from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "seamline.plans"
    label = "plans"
    verbose_name = "Person-centred plans"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register

        from .access import can_list_acknowledgements

        register(
            AppMenuItem(
                "Plan acknowledgements",
                "plans:acknowledgements",
                can_list_acknowledgements,
                order=73,
            )
        )
