from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "seamline.quality"
    label = "quality"
    verbose_name = "Quality: calibration"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register

        from .access import can_list_rounds

        register(AppMenuItem("Calibration", "quality:rounds", can_list_rounds, order=95))
