"""Pages of the shared competency framework: the framework itself, its versions and the
partners' catalogues. Thin: load through `access`, change through `actions`, turn
`RuleViolation` into form errors."""

from .catalogue import catalogue, catalogues, coverage, mapping_add, mapping_remove, module_add
from .framework import (
    competency,
    competency_edit,
    competency_new,
    competency_retire,
    overview,
    task_type,
    task_type_edit,
    task_type_new,
    task_type_retire,
    version,
    version_diff,
    versions,
)

__all__ = [
    "catalogue",
    "catalogues",
    "competency",
    "competency_edit",
    "competency_new",
    "competency_retire",
    "coverage",
    "mapping_add",
    "mapping_remove",
    "module_add",
    "overview",
    "task_type",
    "task_type_edit",
    "task_type_new",
    "task_type_retire",
    "version",
    "version_diff",
    "versions",
]
