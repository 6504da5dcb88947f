from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "seamline.quality"
    label = "quality"
    verbose_name = "Quality: calibration, audits, corrective actions, incidents, due diligence"

    def ready(self) -> None:
        from seamline.network.activation import on_activation
        from seamline.network.navigation import AppMenuItem, register

        from .access import (
            can_list_actions,
            can_list_audits,
            can_list_diligence,
            can_list_incidents,
            can_list_rounds,
            can_see_scores,
            own_diligence_organisation,
        )
        from .actions_diligence import due_diligence_reasons

        # A partner goes from onboarding to active only with an approving decision.
        on_activation("quality.due_diligence", due_diligence_reasons)

        register(AppMenuItem("Calibration", "quality:rounds", can_list_rounds, order=95))
        register(AppMenuItem("Audits", "quality:audits", can_list_audits, order=96))
        register(AppMenuItem("Corrective actions", "quality:actions", can_list_actions, order=97))
        register(AppMenuItem("Incidents", "quality:incidents", can_list_incidents, order=98))
        register(AppMenuItem("Due diligence", "quality:partners", can_list_diligence, order=99))
        register(
            AppMenuItem(
                "Our due diligence",
                "quality:our_review",
                lambda actor: own_diligence_organisation(actor) is not None,
                order=99,
            )
        )
        register(
            AppMenuItem(
                "Audit scores",
                "quality:scores",
                lambda actor: can_see_scores(actor) and not can_list_audits(actor),
                order=96,
                aggregates=True,
            )
        )
