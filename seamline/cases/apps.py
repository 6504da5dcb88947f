from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "seamline.cases"
    label = "cases"
    verbose_name = "Participants and referrals"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register

        from .access import can_list_participants, can_review_duplicates
        from .views.home import register_cards

        register(AppMenuItem("Participants", "cases:participants", can_list_participants, order=30))
        register(AppMenuItem("Referrals", "cases:referrals", can_list_participants, order=31))
        register(AppMenuItem("Duplicates", "cases:duplicates", can_review_duplicates, order=32))
        register_cards()
