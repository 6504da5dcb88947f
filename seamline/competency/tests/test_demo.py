"""The demo catalogues: realistic sizes, mappings onto real competencies, and real gaps."""

from __future__ import annotations

from django.test import SimpleTestCase

from seamline.competency.choices import MappingKind
from seamline.competency.defaults import DEFAULT_FRAMEWORK
from seamline.competency.demo import CATALOGUES

CODES = {c["code"] for c in DEFAULT_FRAMEWORK["competencies"]}
CRITICAL = {c["code"] for c in DEFAULT_FRAMEWORK["competencies"] if c["network_critical"]}
EVIDENCE = {MappingKind.EXACT, MappingKind.PART_OF}


class DemoCatalogueTests(SimpleTestCase):
    def test_each_provider_has_8_to_15_modules_with_unique_codes(self) -> None:
        for org, modules in CATALOGUES.items():
            with self.subTest(org=org):
                self.assertTrue(8 <= len(modules) <= 15, len(modules))
                codes = [m[0] for m in modules]
                self.assertEqual(len(codes), len(set(codes)))

    def test_every_mapping_names_a_default_competency_and_a_kind(self) -> None:
        for org, modules in CATALOGUES.items():
            for code, _title, _months, mappings in modules:
                for competency, kind in mappings:
                    with self.subTest(org=org, module=code, competency=competency):
                        self.assertIn(competency, CODES)
                        self.assertIn(kind, MappingKind.values)

    def test_mostly_evidence_mappings_with_a_few_related(self) -> None:
        kinds = [k for ms in CATALOGUES.values() for m in ms for _c, k in m[3]]
        related = kinds.count(MappingKind.RELATED)
        self.assertGreater(related, 0)
        self.assertLess(related * 5, len(kinds))

    def test_some_provider_leaves_a_network_critical_competency_unmapped(self) -> None:
        gaps = {}
        for org, modules in CATALOGUES.items():
            covered = {c for m in modules for c, k in m[3] if k in EVIDENCE}
            gaps[org] = CRITICAL - covered
        self.assertEqual(gaps["northbridge"], set())
        self.assertIn("medication_support", gaps["hearth"])
        self.assertIn("handoff_communication", gaps["swiftstaff"])
