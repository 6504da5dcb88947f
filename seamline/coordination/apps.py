from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "seamline.coordination"
    label = "coordination"
    verbose_name = "Care coordination"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register

        from .access import can_list_actions, can_see_duty, can_see_huddles, can_see_sprints
        from .views.home import register_cards

        register(AppMenuItem("Actions", "coordination:actions", can_list_actions, order=70))
        register(AppMenuItem("Huddles", "coordination:cohorts", can_see_huddles, order=71))
        register(AppMenuItem("Coordinator gaps", "coordination:gaps", can_see_duty, order=72))
        register(AppMenuItem("Sprints", "coordination:sprints", can_see_sprints, order=73))
        register_cards()
