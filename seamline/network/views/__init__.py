"""Pages of the network app, one module per feature. Thin: load through `access`, change through
`actions`, turn `RuleViolation` into form errors."""

from .account import account, account_token_issue, account_token_revoke
from .common import forbidden, healthz, not_found
from .home import home
from .network_settings import network_settings
from .organisations import (
    organisation,
    organisation_edit,
    organisation_new,
    organisation_status,
    organisations,
)
from .pathways import (
    pathway,
    pathway_edit,
    pathway_history,
    pathway_new,
    pathways,
    raci_remove,
    step_edit,
    step_move,
    step_new,
    step_raci_add,
)
from .people import (
    people,
    person,
    person_edit,
    person_leave,
    person_new,
    person_role_grant,
    person_role_revoke,
)
from .rights import (
    decision_right_check,
    decision_right_new,
    decision_right_remove,
    decision_rights,
)

__all__ = [
    "account",
    "account_token_issue",
    "account_token_revoke",
    "decision_right_check",
    "decision_right_new",
    "decision_right_remove",
    "decision_rights",
    "forbidden",
    "healthz",
    "home",
    "network_settings",
    "not_found",
    "organisation",
    "organisation_edit",
    "organisation_new",
    "organisation_status",
    "organisations",
    "pathway",
    "pathway_edit",
    "pathway_history",
    "pathway_new",
    "pathways",
    "people",
    "person",
    "person_edit",
    "person_leave",
    "person_new",
    "person_role_grant",
    "person_role_revoke",
    "raci_remove",
    "step_edit",
    "step_move",
    "step_new",
    "step_raci_add",
]
