from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "seamline.coordination"
    label = "coordination"
    verbose_name = "Care coordination"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register

        from .access import (
            can_list_actions,
            can_see_documentation,
            can_see_duty,
            can_see_huddles,
            can_see_sprints,
            can_see_today,
        )
        from .views.home import register_cards

        register(AppMenuItem("Today", "coordination:today", can_see_today, order=69))
        register(AppMenuItem("Actions", "coordination:actions", can_list_actions, order=70))
        register(AppMenuItem("Huddles", "coordination:cohorts", can_see_huddles, order=71))
        register(AppMenuItem("Coordinator gaps", "coordination:gaps", can_see_duty, order=72))
        register(AppMenuItem("Sprints", "coordination:sprints", can_see_sprints, order=73))
        register(
            AppMenuItem(
                "Documentation", "coordination:documentation", can_see_documentation, order=74
            )
        )
        register_cards()

        from seamline.cases.followers import follows_participant
        from seamline.cases.hooks import on_referral_recorded

        from .actions import start_sprint_on_discharge
        from .models import Action, Decision, Record, Sprint

        # A discharge referral starts its post-discharge sprint (SPEC C7).
        on_referral_recorded("coordination.sprint", start_sprint_on_discharge)
        # What moves with a participant through a merge (the keys name rows in `Merge.moved`).
        follows_participant("coordination_actions", Action)
        follows_participant("coordination_decisions", Decision)
        follows_participant("coordination_records", Record)
        follows_participant("coordination_sprints", Sprint)
