"""Demo step: the shared framework and each provider's own training catalogue.

The prime's quality lead loads the default framework; each provider's admin then enters the
modules of its own training system (its codes and titles, not the network's) and maps them
onto the shared competencies: mostly exact or part-of, a few only related. Some providers leave
network-critical competencies without a mapped module (the voluntary partner has no medication
or crisis training, the agency no handoff training), so the coverage page shows real gaps.

Puts in `ctx.objects`: "framework_version" (the FrameworkVersion loaded), "partner_modules"
({organisation code: [PartnerModule]}).
"""

from __future__ import annotations

from seamline.access import Actor, actor_for
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.choices import Role
from seamline.network.models import Organisation, User

from . import actions
from .defaults import DEFAULT_FRAMEWORK, DEFAULT_REASON
from .models import Competency, PartnerModule

EXACT, PART, RELATED = "exact", "part_of", "related"

Module = tuple[str, str, int | None, tuple[tuple[str, str], ...]]

CATALOGUES: dict[str, tuple[Module, ...]] = {
    "northbridge": (
        (
            "NCC-IND-01",
            "Northbridge induction: role, values and ways of working",
            None,
            (("understanding_your_role", EXACT), ("duty_of_care", PART)),
        ),
        (
            "NCC-PDR",
            "Supervision and your development plan",
            None,
            (("personal_development", EXACT),),
        ),
        (
            "NCC-SG-L2",
            "Safeguarding adults level 2",
            36,
            (
                ("safeguarding_adults", EXACT),
                ("safeguarding", PART),
                ("preventing_radicalisation", RELATED),
            ),
        ),
        ("NCC-SGC-L1", "Safeguarding children level 1", 36, (("safeguarding_children", EXACT),)),
        ("NCC-MED-ADM", "Safe administration of medicines", 12, (("medication_support", EXACT),)),
        ("NCC-BLS", "Basic life support (adult)", 12, (("basic_life_support", EXACT),)),
        ("NCC-IPC", "Infection prevention and control", 12, (("infection_prevention", EXACT),)),
        ("NCC-MH", "Moving and handling people", 24, (("moving_handling", EXACT),)),
        (
            "NCC-REC",
            "Record keeping that stands up",
            12,
            (("documentation_quality", EXACT), ("handling_information", PART)),
        ),
        ("NCC-HO", "Structured handoffs between services", 12, (("handoff_communication", EXACT),)),
        (
            "NCC-UCR",
            "Urgent community response: escalation and decisions",
            12,
            (("crisis_response", EXACT),),
        ),
        ("NCC-FIRE", "Fire safety in the community", 24, (("fire_safety", EXACT),)),
        ("NCC-EDI", "Equality, diversity and inclusion", 36, (("equality_diversity", EXACT),)),
        ("NCC-DEM", "Dementia awareness", 36, (("mental_health_dementia_ld", PART),)),
    ),
    "riverside": (
        (
            "RHS-001",
            "Care Certificate workbook, standards 1 to 5",
            None,
            (
                ("understanding_your_role", PART),
                ("personal_development", PART),
                ("duty_of_care", PART),
                ("equality_diversity", PART),
                ("person_centred_care", PART),
            ),
        ),
        (
            "RHS-002",
            "Care Certificate workbook, standards 6 to 10",
            None,
            (
                ("communication", PART),
                ("privacy_dignity", PART),
                ("fluids_nutrition", PART),
                ("mental_health_dementia_ld", PART),
                ("safeguarding_adults", PART),
            ),
        ),
        (
            "RHS-003",
            "Care Certificate workbook, standards 11 to 15",
            None,
            (
                ("safeguarding_children", PART),
                ("basic_life_support", RELATED),
                ("health_safety_welfare", PART),
                ("handling_information", PART),
                ("infection_prevention", PART),
            ),
        ),
        ("RHS-MED-2", "Medicines in the home", 12, (("medication_support", EXACT),)),
        ("RHS-MH-1", "People handling practical", 12, (("moving_handling", EXACT),)),
        (
            "RHS-SG-2",
            "Recognising and reporting abuse",
            24,
            (("safeguarding", EXACT), ("safeguarding_adults", EXACT)),
        ),
        (
            "RHS-DOC",
            "Daily notes and medication charts",
            12,
            (("documentation_quality", EXACT), ("medication_support", RELATED)),
        ),
        ("RHS-HO", "Shift handover and the handoff form", 12, (("handoff_communication", EXACT),)),
        ("RHS-CRISIS", "When things go wrong at home", 12, (("crisis_response", PART),)),
        ("RHS-BLS", "Emergency first aid at work", 12, (("basic_life_support", EXACT),)),
        (
            "RHS-CR",
            "De-escalation for lone workers",
            36,
            (("conflict_resolution", EXACT), ("health_safety_welfare", RELATED)),
        ),
        ("RHS-FIRE", "Fire awareness", 12, (("fire_safety", EXACT),)),
    ),
    "swiftstaff": (
        (
            "SWS.CORE1",
            "Agency core skills day (statutory and mandatory)",
            12,
            (
                ("fire_safety", PART),
                ("health_safety_welfare", PART),
                ("infection_prevention", PART),
                ("equality_diversity", PART),
                ("handling_information", PART),
                ("conflict_resolution", PART),
            ),
        ),
        (
            "SWS.SG",
            "Safeguarding adults and children",
            36,
            (
                ("safeguarding_adults", EXACT),
                ("safeguarding_children", EXACT),
                ("safeguarding", PART),
            ),
        ),
        ("SWS.MH", "Moving and handling", 12, (("moving_handling", EXACT),)),
        ("SWS.BLS", "Basic life support and anaphylaxis", 12, (("basic_life_support", EXACT),)),
        ("SWS.MEDS", "Medication awareness", 12, (("medication_support", PART),)),
        ("SWS.DOC", "Writing good care notes", 24, (("documentation_quality", EXACT),)),
        ("SWS.PREVENT", "Prevent awareness", 36, (("preventing_radicalisation", EXACT),)),
        ("SWS.DEM", "Dementia and delirium", 36, (("mental_health_dementia_ld", EXACT),)),
        ("SWS.NUT", "Food hygiene and hydration", 36, (("fluids_nutrition", EXACT),)),
    ),
    "hearth": (
        (
            "HH-V01",
            "Volunteer welcome and boundaries",
            None,
            (("understanding_your_role", EXACT), ("duty_of_care", PART)),
        ),
        (
            "HH-V02",
            "Keeping people safe: safeguarding for volunteers",
            24,
            (("safeguarding_adults", PART), ("safeguarding", PART)),
        ),
        (
            "HH-V03",
            "Listening and good conversations",
            None,
            (("communication", EXACT), ("person_centred_care", RELATED)),
        ),
        (
            "HH-V04",
            "Befriending with dignity",
            None,
            (("privacy_dignity", EXACT), ("person_centred_care", PART)),
        ),
        (
            "HH-V05",
            "Handling money and shopping safely",
            None,
            (("health_safety_welfare", RELATED), ("safeguarding", RELATED)),
        ),
        ("HH-V06", "Lone visiting safety", 36, (("health_safety_welfare", PART),)),
        (
            "HH-V07",
            "Notes and confidentiality",
            24,
            (("handling_information", EXACT), ("documentation_quality", PART)),
        ),
        ("HH-V08", "Living well with dementia", None, (("mental_health_dementia_ld", PART),)),
    ),
    "oakleaf": (
        (
            "OTP-MAND-01",
            "Statutory and mandatory update",
            12,
            (
                ("fire_safety", PART),
                ("health_safety_welfare", PART),
                ("equality_diversity", PART),
                ("handling_information", PART),
            ),
        ),
        ("OTP-IPC", "Infection control for therapists", 12, (("infection_prevention", EXACT),)),
        ("OTP-MH", "Patient handling and equipment", 24, (("moving_handling", EXACT),)),
        (
            "OTP-SG3",
            "Safeguarding level 3",
            36,
            (
                ("safeguarding", EXACT),
                ("safeguarding_adults", EXACT),
                ("safeguarding_children", PART),
            ),
        ),
        ("OTP-BLS", "Adult basic life support", 12, (("basic_life_support", EXACT),)),
        ("OTP-DOC", "Clinical record keeping", 12, (("documentation_quality", EXACT),)),
        ("OTP-HO", "Handover between services", 12, (("handoff_communication", PART),)),
        ("OTP-MCA", "Mental capacity in practice", 36, (("mental_health_dementia_ld", RELATED),)),
        ("OTP-CR", "Conflict resolution", 36, (("conflict_resolution", EXACT),)),
    ),
}

UNITS = 1 + sum(len(modules) for modules in CATALOGUES.values())


def _fresh(user: User) -> Actor:
    user.__dict__.pop("_seamline_actor", None)
    return actor_for(user)


def _catalogue_actor(ctx: DemoContext, org: Organisation, fallback: Actor) -> Actor:
    """The organisation's own partner admin enters its catalogue (else the quality lead)."""
    admins = ctx.objects.get("by_role", {}).get(Role.PARTNER_ADMIN, [])
    members = set(ctx.objects.get("people", {}).get(org.code, []))
    for user in admins:
        if user in members:
            return _fresh(user)
    return fallback


@demo_step("competency", order=20, units=UNITS)
def build(ctx: DemoContext) -> None:
    quality: Actor = ctx.objects["quality_actor"]
    result = actions.apply_framework(quality, DEFAULT_FRAMEWORK, DEFAULT_REASON)
    ctx.progress()
    competencies = {c.code: c for c in Competency.objects.filter(retired=False)}
    orgs: dict[str, Organisation] = ctx.objects["organisations"]
    partner_modules: dict[str, list[PartnerModule]] = {}
    for org_code, modules in CATALOGUES.items():
        org = orgs.get(org_code)
        if org is None:
            continue
        actor = _catalogue_actor(ctx, org, quality)
        made = partner_modules.setdefault(org_code, [])
        for code, title, refresher, mappings in modules:
            module = actions.add_partner_module(
                actor, org, code=code, title=title, refresher_months=refresher
            )
            for competency_code, kind in mappings:
                actions.add_module_mapping(
                    actor,
                    module,
                    competencies[competency_code],
                    kind,
                    reason="Matched against the shared framework's behaviours and stages.",
                )
            made.append(module)
            ctx.progress()
    ctx.objects.update(framework_version=result.version, partner_modules=partner_modules)
