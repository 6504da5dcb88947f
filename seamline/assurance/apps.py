from django.apps import AppConfig


class AssuranceConfig(AppConfig):
    name = "seamline.assurance"
    label = "assurance"
    verbose_name = "Assurance packs"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register

        from .access import can_list_packs
        from .home import register_cards

        register(
            AppMenuItem(
                "Assurance packs", "assurance:packs", can_list_packs, order=98, aggregates=True
            )
        )
        register_cards()
