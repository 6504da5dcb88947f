"""The default threshold set and ladder the demo and `seamline escalation load-defaults` load."""

from __future__ import annotations

from seamline.network.choices import Role

from .choices import Level, Tier, Trigger
from .rules import RungSpec

DEFAULT_THRESHOLDS: list[dict[str, str]] = [
    {
        "trigger": Trigger.DETERIORATION,
        "tier": Tier.IMMEDIATE,
        "role": Role.SUPERVISOR,
        "chair": Role.SUPERVISOR,
    },
    {
        "trigger": Trigger.SAFEGUARDING,
        "tier": Tier.SAME_DAY,
        "role": Role.SUPERVISOR,
        "chair": Role.QUALITY_LEAD,
    },
    {
        "trigger": Trigger.HIGH_RISK_FLAG,
        "tier": Tier.SAME_DAY,
        "role": Role.COORDINATOR,
        "chair": Role.SUPERVISOR,
    },
    {
        "trigger": Trigger.MISSED_VISITS,
        "tier": Tier.SAME_DAY,
        "role": Role.COORDINATOR,
        "chair": Role.SUPERVISOR,
    },
    {
        "trigger": Trigger.ED_CONTACT,
        "tier": Tier.SAME_DAY,
        "role": Role.COORDINATOR,
        "chair": Role.SUPERVISOR,
    },
    {
        "trigger": Trigger.BEHAVIOURAL_RISK,
        "tier": Tier.SAME_DAY,
        "role": Role.SUPERVISOR,
        "chair": Role.SUPERVISOR,
    },
    {
        "trigger": Trigger.HOUSING_LOSS,
        "tier": Tier.REVIEW_24_72H,
        "role": Role.COORDINATOR,
        "chair": Role.SUPERVISOR,
    },
    {
        "trigger": Trigger.HANDOFF_OVERDUE,
        "tier": Tier.SAME_DAY,
        "role": Role.COORDINATOR,
        "chair": Role.PARTNER_ADMIN,
    },
    {
        "trigger": Trigger.RECONCILIATION,
        "tier": Tier.REVIEW_24_72H,
        "role": Role.PARTNER_ADMIN,
        "chair": Role.QUALITY_LEAD,
    },
]

DEFAULT_LADDER: list[RungSpec] = [
    RungSpec(Level.OPERATIONAL, Role.COORDINATOR, False, 1, 4, 24),
    RungSpec(Level.CLINICAL, Role.SUPERVISOR, False, 2, 8, 48),
    RungSpec(Level.CONTRACTUAL, Role.QUALITY_LEAD, True, 4, 24, 72),
]
