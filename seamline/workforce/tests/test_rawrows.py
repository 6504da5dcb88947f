"""`seamline.rawrows`: ids sent as one parameter, rows read straight from the cursor."""

from __future__ import annotations

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from seamline.network.choices import OrgKind
from seamline.network.models import Organisation
from seamline.rawrows import Among, as_text, fetch, instant_parser
from seamline.testing import make_org


class AmongTests(TestCase):
    orgs: list[Organisation]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.orgs = [make_org(f"org{n}", OrgKind.SUBCONTRACTOR) for n in range(3)]

    def test_more_ids_than_a_statement_takes_parameters_is_one_query(self) -> None:
        # PostgreSQL takes at most 65,535 parameters in one statement; Among sends one.
        wanted = [self.orgs[0].pk, self.orgs[2].pk, *range(10_000_000, 10_070_000)]
        with CaptureQueriesContext(connection) as ctx:
            found = set(
                Organisation.objects.filter(Among("id", wanted)).values_list("pk", flat=True)
            )
        self.assertEqual(found, {self.orgs[0].pk, self.orgs[2].pk})
        self.assertEqual(len(ctx.captured_queries), 1)

    def test_no_ids_match_nothing(self) -> None:
        self.assertFalse(Organisation.objects.filter(Among("id", [])).exists())

    def test_combines_with_other_filters(self) -> None:
        ids = [o.pk for o in self.orgs]
        found = Organisation.objects.filter(Among("id", ids), code="org1")
        self.assertEqual(list(found.values_list("code", flat=True)), ["org1"])


class FetchTests(TestCase):
    def test_times_read_as_text_parse_to_the_stored_instants(self) -> None:
        org = make_org("org0", OrgKind.SUBCONTRACTOR)
        parse = instant_parser(Organisation.objects.db)
        rows = list(
            fetch(
                Organisation.objects.filter(pk=org.pk)
                .annotate(joined=as_text("created_at"))
                .values_list("code", "joined")
            )
        )
        stored = Organisation.objects.values_list("created_at", flat=True).get(pk=org.pk)
        self.assertEqual(rows, [("org0", rows[0][1])])
        self.assertEqual(parse(rows[0][1]), stored)
