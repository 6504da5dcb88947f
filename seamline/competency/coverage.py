"""Each partner's coverage of the shared layer: which competencies its own modules give
evidence for (an exact or part-of mapping) and which have none. Three queries, however many
partners, modules or competencies there are."""

from __future__ import annotations

from dataclasses import dataclass, field

from seamline.network.models import Organisation

from .choices import EVIDENCE_MAPPINGS
from .models import Competency, ModuleMapping


@dataclass
class CoverageCell:
    competency: Competency
    modules: list[str] = field(default_factory=list)  # module codes giving evidence

    @property
    def covered(self) -> bool:
        return bool(self.modules)


@dataclass
class PartnerCoverage:
    organisation: Organisation
    cells: list[CoverageCell]

    @property
    def gaps(self) -> list[Competency]:
        return [c.competency for c in self.cells if not c.covered]

    @property
    def critical_gaps(self) -> list[Competency]:
        return [c for c in self.gaps if c.network_critical]

    @property
    def covered_count(self) -> int:
        return sum(1 for c in self.cells if c.covered)


def competencies_for_coverage() -> list[Competency]:
    """Active competencies, network-critical first, then by title."""
    return list(
        Competency.objects.filter(retired=False).order_by("-network_critical", "title", "code")
    )


def coverage(organisations: list[Organisation]) -> list[PartnerCoverage]:
    competencies = competencies_for_coverage()
    found: dict[tuple[int, int], list[str]] = {}
    mappings = (
        ModuleMapping.objects.filter(
            module__organisation__in=organisations,
            kind__in=EVIDENCE_MAPPINGS,
            competency__retired=False,
        )
        .values_list("module__organisation_id", "competency_id", "module__code")
        .order_by("module__code")
    )
    for org_id, comp_id, module_code in mappings:
        found.setdefault((org_id, comp_id), []).append(module_code)
    return [
        PartnerCoverage(
            organisation=org,
            cells=[CoverageCell(c, found.get((org.pk, c.pk), [])) for c in competencies],
        )
        for org in organisations
    ]
