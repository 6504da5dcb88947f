from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "seamline.quality"
    label = "quality"
    verbose_name = "Quality: calibration, audits, corrective actions"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register

        from .access import can_list_actions, can_list_audits, can_list_rounds, can_see_scores

        register(AppMenuItem("Calibration", "quality:rounds", can_list_rounds, order=95))
        register(AppMenuItem("Audits", "quality:audits", can_list_audits, order=96))
        register(AppMenuItem("Corrective actions", "quality:actions", can_list_actions, order=97))
        register(
            AppMenuItem(
                "Audit scores",
                "quality:scores",
                lambda actor: can_see_scores(actor) and not can_list_audits(actor),
                order=96,
                aggregates=True,
            )
        )
