"""The default framework Seamline ships (`seamline framework load-default`).

Its structure follows two published outlines used across adult social care and community
health in England: the 15 standards of the Care Certificate for support workers, and the
subjects of the Core Skills Training Framework with their usual refresher periods. Where the two
cover the same ground (equality, safeguarding, life support, health and safety, information,
infection control) they share one competency, with the refresher period as its review interval.
On top sit the five network-critical competencies every partner must evidence at the seams:
crisis response, documentation quality, medication support, safeguarding practice and handoff
communication. Every title, description and behaviour here is written in our own words.

`DEFAULT_FRAMEWORK` is in the export shape, so it is applied exactly as an import would be.
"""

from __future__ import annotations

from typing import Any

from .choices import Domain, EvidenceKind, Stage

MODULE = EvidenceKind.MODULE.value
OBSERVED = EvidenceKind.OBSERVED_PRACTICE.value
DOC_REVIEW = EvidenceKind.DOCUMENTATION_REVIEW.value
SUPERVISED_SIGNOFF = EvidenceKind.SUPERVISED_PRACTICE_SIGNOFF.value
ASSESSMENT = EvidenceKind.ASSESSMENT.value

INDUCTION = Stage.INDUCTION.value
SUPERVISED = Stage.SUPERVISED.value
INDEPENDENT = Stage.INDEPENDENT.value
ENHANCED = Stage.ENHANCED.value

# Core subjects: training first, then practice seen by someone entitled to judge it.
CORE_STAGES = {
    INDUCTION: [MODULE],
    SUPERVISED: [MODULE, SUPERVISED_SIGNOFF],
    INDEPENDENT: [MODULE, OBSERVED],
    ENHANCED: [ASSESSMENT, OBSERVED],
}
# Network-critical competencies: above induction, the worker's practice and records are seen.
CRITICAL_STAGES = {
    INDUCTION: [MODULE],
    SUPERVISED: [MODULE, SUPERVISED_SIGNOFF],
    INDEPENDENT: [OBSERVED, DOC_REVIEW],
    ENHANCED: [ASSESSMENT, OBSERVED],
}


def _core(
    code: str,
    title: str,
    domain: str,
    months: int,
    description: str,
    behaviours: list[str],
    supervision_days: int = 56,
) -> dict[str, Any]:
    return {
        "code": code,
        "title": title,
        "domain": domain,
        "description": description,
        "network_critical": False,
        "behaviours": behaviours,
        "stages": CORE_STAGES,
        "supervision_frequency_days": supervision_days,
        "review_interval_months": months,
        "pathway_specific": False,
    }


def _critical(
    code: str,
    title: str,
    domain: str,
    description: str,
    behaviours: list[str],
    *,
    supervision_days: int,
    months: int = 12,
    pathway_specific: bool = False,
    stages: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    return {
        "code": code,
        "title": title,
        "domain": domain,
        "description": description,
        "network_critical": True,
        "behaviours": behaviours,
        "stages": stages or CRITICAL_STAGES,
        "supervision_frequency_days": supervision_days,
        "review_interval_months": months,
        "pathway_specific": pathway_specific,
    }


# --- the Care Certificate standards, with Core Skills refresher periods where they overlap ----

CARE_STANDARDS: list[dict[str, Any]] = [
    _core(
        "understanding_your_role",
        "Understanding your role",
        Domain.PROFESSIONAL_PRACTICE,
        36,
        "Knowing what the job is, what it is not, and who to go to when something falls "
        "outside it.",
        [
            "Describes their own duties and the limits of what they may do unsupervised.",
            "Follows the agreed ways of working of their employer and of the network.",
            "Names the person to contact when a task or a request is outside their role.",
        ],
    ),
    _core(
        "personal_development",
        "Your personal development",
        Domain.PROFESSIONAL_PRACTICE,
        36,
        "Taking part in supervision and learning, and acting on feedback.",
        [
            "Comes to supervision prepared and agrees written development goals.",
            "Reflects on a piece of their own practice and says what they would change.",
        ],
    ),
    _core(
        "duty_of_care",
        "Duty of care",
        Domain.PROFESSIONAL_PRACTICE,
        36,
        "Acting in the person's interest, balancing their choices against risk, and handling "
        "comments, complaints and incidents properly.",
        [
            "Explains a dilemma between a person's choice and their safety, and how it was "
            "resolved.",
            "Passes a complaint or an incident to the right person the same day.",
        ],
    ),
    _core(
        "equality_diversity",
        "Equality, diversity and human rights",
        Domain.EQUALITY_AND_RIGHTS,
        36,
        "Treating each person fairly, respecting difference and challenging discrimination.",
        [
            "Adapts support to a person's culture, beliefs and identity when asked to.",
            "Challenges or reports discriminatory language or practice.",
        ],
    ),
    _core(
        "person_centred_care",
        "Working in a person-centred way",
        Domain.PERSON_CENTRED_CARE,
        36,
        "Putting the person's own goals, wishes and routines at the centre of each visit.",
        [
            "Asks the person how they want things done before doing them.",
            "Records the person's preferences in the care record in their own words.",
            "Supports the person to do what they can for themselves.",
        ],
    ),
    _core(
        "communication",
        "Communication",
        Domain.COMMUNICATION,
        36,
        "Communicating clearly with people, families and colleagues, using the aids a person "
        "needs.",
        [
            "Checks understanding instead of assuming it.",
            "Uses the person's preferred language, aids or format.",
        ],
    ),
    _core(
        "privacy_dignity",
        "Privacy and dignity",
        Domain.PERSON_CENTRED_CARE,
        36,
        "Protecting a person's privacy and dignity during care and in what is said about them.",
        [
            "Keeps the person covered and the door closed during personal care.",
            "Talks about the person only with those who need to know.",
        ],
    ),
    _core(
        "fluids_nutrition",
        "Fluids and nutrition",
        Domain.NUTRITION_AND_HYDRATION,
        36,
        "Supporting people to eat and drink enough, safely and to their taste.",
        [
            "Prepares food to the texture and diet in the care plan.",
            "Notices and records poor intake, and reports it.",
        ],
    ),
    _core(
        "mental_health_dementia_ld",
        "Awareness of mental health, dementia and learning disability",
        Domain.MENTAL_HEALTH,
        36,
        "Recognising signs of poor mental health, dementia or learning disability and adapting "
        "support, including where capacity to decide may be in question.",
        [
            "Describes early signs of distress or confusion in the people they support.",
            "Adjusts the pace and style of a visit for a person living with dementia.",
            "Knows when to raise a question about a person's capacity to decide.",
        ],
    ),
    _core(
        "safeguarding_adults",
        "Safeguarding adults (knowledge)",
        Domain.SAFEGUARDING,
        36,
        "Knowing the types and signs of abuse and neglect of adults and the local procedure.",
        [
            "Names the main types of abuse and neglect and a sign of each.",
            "Describes the local procedure for raising a concern about an adult.",
        ],
    ),
    _core(
        "safeguarding_children",
        "Safeguarding children (knowledge)",
        Domain.SAFEGUARDING,
        36,
        "Recognising risk to a child met in the course of adult care, and knowing what to do.",
        [
            "Describes what to do when a child in the household may be at risk.",
        ],
    ),
    _core(
        "basic_life_support",
        "Basic life support",
        Domain.DETERIORATION,
        12,
        "Recognising a collapse, calling for help and starting resuscitation.",
        [
            "Checks for a response and breathing, and calls 999 without delay.",
            "Gives effective chest compressions on a manikin.",
        ],
        supervision_days=28,
    ),
    _core(
        "health_safety_welfare",
        "Health, safety and welfare",
        Domain.HEALTH_AND_SAFETY,
        36,
        "Working safely in people's homes: risk assessment, lone working, hazardous substances "
        "and reporting accidents.",
        [
            "Reads the home risk assessment before the first visit.",
            "Uses the lone-working check-in and check-out routine.",
            "Reports accidents and near misses the same day.",
        ],
    ),
    _core(
        "handling_information",
        "Handling information",
        Domain.DOCUMENTATION,
        12,
        "Keeping records and personal data safe, accurate and shared only as allowed "
        "(information governance and data security).",
        [
            "Writes records that are dated, factual and legible.",
            "Never shares personal data on personal devices or channels.",
        ],
    ),
    _core(
        "infection_prevention",
        "Infection prevention and control",
        Domain.INFECTION_PREVENTION,
        12,
        "Preventing the spread of infection: hand hygiene, protective equipment and waste.",
        [
            "Washes hands at the right moments, with the right technique.",
            "Puts on and takes off protective equipment in the right order.",
        ],
        supervision_days=28,
    ),
]

# --- Core Skills Training Framework subjects not already covered above ------------------------

CORE_SKILLS: list[dict[str, Any]] = [
    _core(
        "fire_safety",
        "Fire safety",
        Domain.HEALTH_AND_SAFETY,
        24,
        "Preventing fire in a person's home and knowing how to respond if one starts.",
        [
            "Spots common fire risks in a home (smoking, heaters, emollients) and reports them.",
            "Describes how they would get a person out of the home in a fire.",
        ],
    ),
    _core(
        "moving_handling",
        "Moving and handling",
        Domain.HEALTH_AND_SAFETY,
        24,
        "Moving and assisting people safely, with the equipment in their plan.",
        [
            "Checks equipment and slings before each use.",
            "Follows the moving and handling plan and stops if it no longer fits.",
        ],
        supervision_days=28,
    ),
    _core(
        "conflict_resolution",
        "Conflict resolution",
        Domain.COMMUNICATION,
        36,
        "Calming tense situations and keeping themselves and others safe.",
        [
            "Recognises rising tension and uses calming words and space.",
            "Leaves and reports when a situation is unsafe.",
        ],
    ),
    _core(
        "preventing_radicalisation",
        "Preventing radicalisation",
        Domain.SAFEGUARDING,
        36,
        "Recognising when someone may be drawn into harm through radicalisation and whom to tell.",
        [
            "Describes a concern that would be passed to the safeguarding lead.",
        ],
    ),
]

# --- the five network-critical competencies ---------------------------------------------------

NETWORK_CRITICAL: list[dict[str, Any]] = [
    _critical(
        "crisis_response",
        "Crisis response",
        Domain.CRISIS_RESPONSE,
        "Responding safely when a person's situation breaks down at home: assessing urgency, "
        "acting within agreed decision rights and escalating without delay.",
        [
            "Judges urgency against the pathway's escalation criteria and says why.",
            "Escalates through the agreed route within the pathway's time standard.",
            "Keeps the person safe while waiting, and records what was done and when.",
            "Knows which decisions they may take on the spot and which need a senior.",
        ],
        supervision_days=14,
        pathway_specific=True,
    ),
    _critical(
        "documentation_quality",
        "Documentation quality",
        Domain.DOCUMENTATION,
        "Writing records another worker, partner or inspector can act on.",
        [
            "Records each visit before leaving, with time, actions and the person's words.",
            "Writes facts and observations, and marks opinions as opinions.",
            "Records refusals, concerns and who was told.",
        ],
        supervision_days=28,
    ),
    _critical(
        "medication_support",
        "Medication support",
        Domain.MEDICATION_SUPPORT,
        "Prompting, assisting with or giving medicines as the plan says, and recording each one.",
        [
            "Checks the medication record against the packs before each dose.",
            "Gives or prompts only what is on the current record, at the right time.",
            "Records each dose, refusal or omission at the time, and reports errors at once.",
            "Knows what they may not do (e.g. change a dose, give from an unlabelled pot).",
        ],
        supervision_days=14,
        pathway_specific=True,
        stages={
            INDUCTION: [MODULE],
            SUPERVISED: [MODULE, SUPERVISED_SIGNOFF],
            INDEPENDENT: [OBSERVED, DOC_REVIEW, ASSESSMENT],
            ENHANCED: [ASSESSMENT, OBSERVED],
        },
    ),
    _critical(
        "safeguarding",
        "Safeguarding practice",
        Domain.SAFEGUARDING,
        "Acting on a safeguarding concern: recognising it in practice, keeping the person safe, "
        "reporting it the same day and recording it so it can be followed up.",
        [
            "Raises a concern on the day it is noticed, through the network's route.",
            "Records what was seen and heard, without leading questions.",
            "Tells the person what will happen next, where it is safe to do so.",
        ],
        supervision_days=28,
    ),
    _critical(
        "handoff_communication",
        "Handoff communication",
        Domain.HANDOFF_COMMUNICATION,
        "Passing responsibility for a person to another worker or partner with everything they "
        "need, and accepting or rejecting a handoff on what it contains.",
        [
            "Hands over using the network's structured handoff, with risks and next actions.",
            "Checks a received handoff is complete before accepting it, and rejects it if not.",
            "Confirms who owns the next action before the handoff closes.",
        ],
        supervision_days=28,
    ),
]


def _task(
    code: str,
    title: str,
    tier: int,
    description: str,
    requirements: list[tuple[str, str]],
    delegated: bool = False,
) -> dict[str, Any]:
    return {
        "code": code,
        "title": title,
        "description": description,
        "risk_tier": tier,
        "delegated": delegated,
        "requirements": [{"competency": c, "min_stage": s} for c, s in requirements],
    }


TASK_TYPES: list[dict[str, Any]] = [
    _task(
        "welfare_check",
        "Welfare check",
        1,
        "A short visit or call to see that the person is safe and well.",
        [
            ("understanding_your_role", INDUCTION),
            ("communication", INDUCTION),
            ("safeguarding", INDUCTION),
            ("documentation_quality", INDUCTION),
        ],
    ),
    _task(
        "companionship",
        "Companionship visit",
        1,
        "Befriending and settling-in company, without personal care.",
        [
            ("person_centred_care", INDUCTION),
            ("communication", INDUCTION),
            ("safeguarding", INDUCTION),
        ],
    ),
    _task(
        "shopping_support",
        "Shopping support",
        1,
        "Shopping with or for the person, handling their money to the agreed routine.",
        [
            ("person_centred_care", INDUCTION),
            ("safeguarding", INDUCTION),
            ("documentation_quality", INDUCTION),
        ],
    ),
    _task(
        "personal_care",
        "Personal care",
        2,
        "Washing, dressing and continence care as the care plan sets out.",
        [
            ("person_centred_care", SUPERVISED),
            ("privacy_dignity", SUPERVISED),
            ("infection_prevention", SUPERVISED),
            ("moving_handling", SUPERVISED),
            ("documentation_quality", SUPERVISED),
        ],
    ),
    _task(
        "meal_support",
        "Meal preparation and support",
        2,
        "Preparing meals and drinks to the person's diet and helping them eat.",
        [
            ("fluids_nutrition", SUPERVISED),
            ("infection_prevention", SUPERVISED),
            ("documentation_quality", INDUCTION),
        ],
    ),
    _task(
        "medication_prompt",
        "Medication prompt",
        2,
        "Reminding the person to take medicines they manage themselves, and recording it.",
        [("medication_support", SUPERVISED), ("documentation_quality", SUPERVISED)],
        delegated=True,
    ),
    _task(
        "observations",
        "Clinical observations",
        3,
        "Taking and recording observations (e.g. temperature, pulse, blood pressure) delegated "
        "by a registered professional, and escalating readings outside the set range.",
        [
            ("basic_life_support", INDEPENDENT),
            ("documentation_quality", INDEPENDENT),
            ("handoff_communication", SUPERVISED),
        ],
        delegated=True,
    ),
    _task(
        "medication_administration",
        "Medication administration",
        3,
        "Giving medicines from the current record, as delegated, including time-critical doses.",
        [
            ("medication_support", INDEPENDENT),
            ("documentation_quality", INDEPENDENT),
            ("infection_prevention", SUPERVISED),
        ],
        delegated=True,
    ),
    _task(
        "late_lone_cover",
        "Late or lone visit cover",
        3,
        "A visit ending after 20:00 or made alone, without a senior on hand.",
        [
            ("safeguarding", INDEPENDENT),
            ("crisis_response", SUPERVISED),
            ("health_safety_welfare", INDEPENDENT),
            ("conflict_resolution", SUPERVISED),
            ("documentation_quality", INDEPENDENT),
        ],
    ),
    _task(
        "safeguarding_referral",
        "Safeguarding referral",
        3,
        "Making a safeguarding referral to the local authority on the network's behalf.",
        [
            ("safeguarding", INDEPENDENT),
            ("safeguarding_adults", INDEPENDENT),
            ("documentation_quality", INDEPENDENT),
            ("handling_information", SUPERVISED),
        ],
    ),
    _task(
        "handoff_receipt",
        "Handoff receipt",
        3,
        "Receiving a structured handoff and accepting or rejecting it, so that ownership moves.",
        [
            ("handoff_communication", INDEPENDENT),
            ("documentation_quality", INDEPENDENT),
            ("handling_information", SUPERVISED),
        ],
    ),
    _task(
        "crisis_visit",
        "Crisis visit",
        4,
        "An urgent visit to someone at risk of going into hospital, within the crisis "
        "pathway's response time.",
        [
            ("crisis_response", INDEPENDENT),
            ("safeguarding", INDEPENDENT),
            ("basic_life_support", INDEPENDENT),
            ("documentation_quality", INDEPENDENT),
            ("handoff_communication", INDEPENDENT),
        ],
    ),
    _task(
        "duty_lead",
        "Duty lead",
        4,
        "Leading the shift: taking escalations, deciding on cover and owning handoffs that "
        "have no other owner.",
        [
            ("crisis_response", ENHANCED),
            ("safeguarding", ENHANCED),
            ("handoff_communication", ENHANCED),
            ("documentation_quality", INDEPENDENT),
        ],
    ),
    _task(
        "complex_case_lead",
        "Complex case lead",
        4,
        "Leading the care of a person with several partners involved and high risk.",
        [
            ("documentation_quality", ENHANCED),
            ("handoff_communication", ENHANCED),
            ("safeguarding", INDEPENDENT),
            ("person_centred_care", INDEPENDENT),
            ("mental_health_dementia_ld", INDEPENDENT),
        ],
    ),
]

DEFAULT_FRAMEWORK: dict[str, list[dict[str, Any]]] = {
    "competencies": [*CARE_STANDARDS, *CORE_SKILLS, *NETWORK_CRITICAL],
    "task_types": TASK_TYPES,
}

DEFAULT_REASON = "Default framework (Care Certificate and Core Skills structure, network-critical)."
