"""Who may read and change the shared framework and the partners' catalogues.

The framework is shared, not personal: every member of the network reads it, and so do
commissioners and inspectors. Only the prime's network admin or quality lead changes it (and
the operator at the command line, acting as the system). A partner's catalogue (its own
training modules and how they map onto the framework) is changed by that partner's admin or
by the prime's network admin or quality lead.

Loaders answer `NotFound` (404) for "missing" and `ReadOnly` (403) for "visible but not yours
to change", and write refusals to the audit log, as `network.access` does.
"""

from __future__ import annotations

from seamline.access import Actor, NotFound, ReadOnly
from seamline.network.access import _read_only, refuse
from seamline.network.choices import OrgKind, Role
from seamline.network.models import Organisation

from .models import Competency, FrameworkVersion, ModuleMapping, PartnerModule, TaskType

CHANGE_MESSAGE = "Only the prime's network admin or quality lead changes the shared framework."
CATALOGUE_MESSAGE = (
    "Only this partner's admin or the prime's network admin or quality lead changes its catalogue."
)
# Organisations that employ or place workers, so keep a training catalogue.
CATALOGUE_KINDS = frozenset(
    {
        OrgKind.PRIME,
        OrgKind.SUBCONTRACTOR,
        OrgKind.STAFFING_AGENCY,
        OrgKind.VCSE,
        OrgKind.LOCAL_AUTHORITY,
        OrgKind.NHS_TRUST,
    }
)


def can_read_framework(actor: Actor) -> bool:
    return actor.user is not None and bool(actor.roles)


def can_change_framework(actor: Actor) -> bool:
    if actor.is_system:
        return True
    if actor.read_only:
        return False
    return actor.in_prime and actor.has(Role.NETWORK_ADMIN, Role.QUALITY_LEAD)


def can_manage_catalogue(actor: Actor, org: Organisation) -> bool:
    if can_change_framework(actor):
        return True
    if actor.read_only:
        return False
    return actor.member_of(org) and actor.has(Role.PARTNER_ADMIN)


def _readable(actor: Actor, what: str, ident: str) -> None:
    if not can_read_framework(actor) and not actor.is_system:
        raise refuse(actor, what, ident)


def require_framework_change(actor: Actor) -> None:
    """For pages and the API: 403 before the form is even shown."""
    _readable(actor, "competency.framework", "framework")
    if not can_change_framework(actor):
        raise _read_only(actor, CHANGE_MESSAGE, "competency.framework", "framework")


def get_competency_for_user(actor: Actor, code: str, write: bool = False) -> Competency:
    _readable(actor, "competency.competency", code)
    found = Competency.objects.filter(code=code).first()
    if found is None:
        raise refuse(actor, "competency.competency", code)
    if write and not can_change_framework(actor):
        raise _read_only(actor, CHANGE_MESSAGE, "competency.competency", code)
    return found


def get_task_type_for_user(actor: Actor, code: str, write: bool = False) -> TaskType:
    _readable(actor, "competency.tasktype", code)
    found = TaskType.objects.filter(code=code).first()
    if found is None:
        raise refuse(actor, "competency.tasktype", code)
    if write and not can_change_framework(actor):
        raise _read_only(actor, CHANGE_MESSAGE, "competency.tasktype", code)
    return found


def get_version_for_user(actor: Actor, number: int) -> FrameworkVersion:
    _readable(actor, "competency.frameworkversion", str(number))
    found = FrameworkVersion.objects.select_related("created_by").filter(number=number).first()
    if found is None:
        raise refuse(actor, "competency.frameworkversion", str(number))
    return found


def catalogue_organisations(actor: Actor) -> list[Organisation]:
    if not can_read_framework(actor):
        return []
    return list(
        Organisation.objects.visible_to(actor)
        .in_network()
        .filter(kind__in=CATALOGUE_KINDS)
        .order_by("name", "code")
    )


def get_catalogue_for_user(actor: Actor, code: str, write: bool = False) -> Organisation:
    """The organisation whose catalogue is asked for (every member reads it)."""
    org = (
        Organisation.objects.visible_to(actor).filter(code=code, kind__in=CATALOGUE_KINDS).first()
        if can_read_framework(actor)
        else None
    )
    if org is None:
        raise refuse(actor, "competency.catalogue", code)
    if write and not can_manage_catalogue(actor, org):
        raise _read_only(actor, CATALOGUE_MESSAGE, "competency.catalogue", code)
    return org


def get_module_for_user(
    actor: Actor, org_code: str, module_code: str, write: bool = False
) -> PartnerModule:
    org = get_catalogue_for_user(actor, org_code, write=write)
    module = PartnerModule.objects.filter(organisation=org, code=module_code).first()
    if module is None:
        raise refuse(actor, "competency.partnermodule", f"{org_code}/{module_code}")
    return module


def get_mapping_for_user(
    actor: Actor, org_code: str, module_code: str, competency_code: str, write: bool = False
) -> ModuleMapping:
    module = get_module_for_user(actor, org_code, module_code, write=write)
    mapping = (
        ModuleMapping.objects.select_related("module__organisation", "competency")
        .filter(module=module, competency__code=competency_code)
        .first()
    )
    if mapping is None:
        raise refuse(
            actor, "competency.modulemapping", f"{org_code}/{module_code}/{competency_code}"
        )
    return mapping


__all__ = [
    "NotFound",
    "ReadOnly",
    "can_change_framework",
    "can_manage_catalogue",
    "can_read_framework",
    "catalogue_organisations",
    "get_catalogue_for_user",
    "get_competency_for_user",
    "get_mapping_for_user",
    "get_module_for_user",
    "get_task_type_for_user",
    "get_version_for_user",
    "require_framework_change",
]
