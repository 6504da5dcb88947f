from django.apps import AppConfig


class HandoffsConfig(AppConfig):
    name = "seamline.handoffs"
    label = "handoffs"
    verbose_name = "Structured handoffs"

    def ready(self) -> None:
        from seamline.network.navigation import AppMenuItem, register

        from .access import can_read_audits, sees_handoffs
        from .views.home import register_cards

        register(AppMenuItem("Handoff inbox", "handoffs:inbox", sees_handoffs, order=60))
        register(AppMenuItem("Handoff outbox", "handoffs:outbox", sees_handoffs, order=61))
        register(AppMenuItem("Handoff audits", "handoffs:audits", can_read_audits, order=63))
        register_cards()
