from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "seamline.coordination"
    label = "coordination"
    verbose_name = "Care coordination"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register

        from .access import can_list_actions

        register(AppMenuItem("Actions", "coordination:actions", can_list_actions, order=70))
