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
        _count_concerns_for_documentation()


def _count_concerns_for_documentation() -> None:
    """Safeguarding concerns count towards the 24-hour documentation standard: when the
    concern arose against when it was written (docs/coordination.md)."""
    from django.apps import apps
    from django.db.models import F

    if not apps.is_installed("seamline.coordination"):
        return
    from seamline.coordination.documentation import documentation_source

    from .models import SafeguardingConcern

    documentation_source(
        "safeguarding_concern",
        lambda: SafeguardingConcern.objects.annotate(author=F("raised_by")),
    )
