from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "seamline.escalation"
    label = "escalation"
    verbose_name = "Escalation"

    def ready(self) -> None:
        from seamline.cases.risk import EscalationSource, register_escalation_source
        from seamline.network.navigation import AppMenuItem, register

        from .access import can_list
        from .risk import high_risk_ids, open_tiers
        from .safeguarding.access import can_list as sees_concerns

        register(AppMenuItem("Escalations", "escalation:list", can_list, order=75))
        register(AppMenuItem("Waiting for me", "escalation:waiting", can_list, order=76))
        register(AppMenuItem("Safeguarding", "escalation:safeguarding", sees_concerns, order=77))

        register_escalation_source(
            EscalationSource(open_tiers=open_tiers, high_risk_ids=high_risk_ids)
        )
