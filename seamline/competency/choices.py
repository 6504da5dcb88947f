"""Closed vocabularies of the shared competency framework (SPEC C2, section 3)."""

from django.db import models


class Stage(models.TextChoices):
    INDUCTION = "induction", "Induction"
    SUPERVISED = "supervised", "Supervised"
    INDEPENDENT = "independent", "Independent"
    ENHANCED = "enhanced", "Enhanced"


# The ladder: a higher number is a higher stage.
STAGE_RANK: dict[str, int] = {
    Stage.INDUCTION: 1,
    Stage.SUPERVISED: 2,
    Stage.INDEPENDENT: 3,
    Stage.ENHANCED: 4,
}
STAGES = tuple(Stage.values)


def stage_at_least(held: str, needed: str) -> bool:
    return STAGE_RANK[held] >= STAGE_RANK[needed]


class EvidenceKind(models.TextChoices):
    MODULE = "module", "Training module completed"
    OBSERVED_PRACTICE = "observed_practice", "Observed practice"
    DOCUMENTATION_REVIEW = "documentation_review", "Documentation review"
    SUPERVISED_PRACTICE_SIGNOFF = "supervised_practice_signoff", "Supervised practice sign-off"
    LOCAL_INDUCTION = "local_induction", "Local induction"
    ASSESSMENT = "assessment", "Assessment"


class Domain(models.TextChoices):
    CRISIS_RESPONSE = "crisis_response", "Crisis response"
    DOCUMENTATION = "documentation", "Documentation"
    MEDICATION_SUPPORT = "medication_support", "Medication support"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    HANDOFF_COMMUNICATION = "handoff_communication", "Handoff communication"
    CONSENT_CAPACITY = "consent_capacity", "Consent and capacity"
    DETERIORATION = "deterioration", "Recognising deterioration"
    PERSON_CENTRED_CARE = "person_centred_care", "Person-centred care"
    COMMUNICATION = "communication", "Communication"
    HEALTH_AND_SAFETY = "health_and_safety", "Health and safety"
    INFECTION_PREVENTION = "infection_prevention", "Infection prevention and control"
    EQUALITY_AND_RIGHTS = "equality_and_rights", "Equality, diversity and rights"
    NUTRITION_AND_HYDRATION = "nutrition_and_hydration", "Nutrition and hydration"
    MENTAL_HEALTH = "mental_health", "Mental health, dementia and learning disability"
    PROFESSIONAL_PRACTICE = "professional_practice", "Professional practice"


class MappingKind(models.TextChoices):
    EXACT = "exact", "Exact match"
    PART_OF = "part_of", "Part of"
    RELATED = "related", "Related"


# Only these mapping kinds turn a module completion into `module` evidence.
EVIDENCE_MAPPINGS = frozenset({MappingKind.EXACT, MappingKind.PART_OF})
