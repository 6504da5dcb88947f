"""`seamline.rawrows`: ids sent as one parameter, rows read straight from the cursor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast
from unittest import mock

from django.db import connection
from django.db.models import CharField, DateTimeField
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seamline.network.choices import OrgKind
from seamline.network.models import Organisation
from seamline.rawrows import (
    PLANNED_ONCE_MAX,
    Among,
    Param,
    Prepared,
    as_text,
    attnames,
    fetch,
    instance,
    instant_parser,
)
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


class PreparedTests(TestCase):
    orgs: list[Organisation]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.orgs = [make_org(f"org{n}", OrgKind.SUBCONTRACTOR) for n in range(3)]

    def test_built_once_and_run_with_each_call_s_values(self) -> None:
        built = []

        def build() -> Any:
            built.append(1)
            return (
                Organisation.objects.filter(
                    Among("id", param="ids"), created_at__lt=Param("before", DateTimeField())
                )
                .order_by("code")
                .values_list("code")
            )

        query = Prepared(build)
        later = timezone.now() + timedelta(days=1)
        first = list(query.fetch(ids=[self.orgs[0].pk, self.orgs[2].pk], before=later))
        second = list(query.fetch(ids=[self.orgs[1].pk], before=later))
        none_yet = list(
            query.fetch(ids=[o.pk for o in self.orgs], before=later - timedelta(days=30))
        )
        self.assertEqual(first, [("org0",), ("org2",)])
        self.assertEqual(second, [("org1",)])
        self.assertEqual(none_yet, [])
        self.assertEqual(len(built), 1)

    def test_a_value_given_again_is_converted_once_and_the_same(self) -> None:
        query = Prepared(
            lambda: Organisation.objects.filter(
                created_at__lt=Param("before", DateTimeField())
            ).values_list("code")
        )
        later = timezone.now() + timedelta(days=1)
        first = list(query.fetch(before=later))
        with mock.patch.object(
            DateTimeField, "get_db_prep_value", side_effect=AssertionError("converted again")
        ):
            again = list(query.fetch(before=later + timedelta(0)))  # equal, another object
        self.assertEqual(again, first)
        self.assertEqual(len(first), 3)
        # A new value is converted, and answers for itself.
        self.assertEqual(list(query.fetch(before=later - timedelta(days=30))), [])

    def test_each_shape_is_compiled_apart(self) -> None:
        query = Prepared(
            lambda by_code: Organisation.objects.filter(
                Among("code", param="codes", text=True) if by_code else Among("id", param="codes")
            ).values_list("code", flat=True)
        )
        self.assertEqual(list(query.fetch(True, codes=["org1"])), [("org1",)])
        self.assertEqual(list(query.fetch(False, codes=[self.orgs[2].pk])), [("org2",)])

    def test_a_value_missing_names_its_parameter(self) -> None:
        query = Prepared(
            lambda: Organisation.objects.filter(Among("id", param="ids")).values_list("code")
        )
        with self.assertRaisesMessage(KeyError, "ids"):
            list(query.fetch())

    def test_converted_rows_become_the_instances_a_queryset_gives(self) -> None:
        query = Prepared(
            lambda: Organisation.objects.filter(code=Param("code", CharField())).values_list(
                *attnames(Organisation)
            ),
            converted=True,
        )
        (row,) = query.fetch(code="org1")
        made = cast(Organisation, instance(Organisation, query.compiled().alias, row, 0))
        stored = Organisation.objects.get(code="org1")
        self.assertEqual(made, stored)
        self.assertFalse(made._state.adding)
        for name in attnames(Organisation):
            with self.subTest(column=name):
                self.assertEqual(getattr(made, name), getattr(stored, name))
        self.assertIsNotNone(made.created_at.tzinfo)  # an aware time, not the stored text

    def test_a_check_s_query_is_planned_once_on_postgresql(self) -> None:
        query = Prepared(
            lambda: Organisation.objects.filter(code=Param("code", CharField())).values_list(
                "code"
            ),
            planned_once=True,
        )
        sql = query.compiled().sql
        with CaptureQueriesContext(connection) as ctx:
            for n in range(8):
                self.assertEqual(list(query.fetch(code=f"org{n % 3}")), [(f"org{n % 3}",)])
        self.assertEqual(len(ctx.captured_queries), 8)  # logged as any other query
        if connection.vendor != "postgresql":
            return  # (SQLite has no server to keep a plan)
        kept = self._kept()
        # psycopg prepares it after a few runs; the server keeps it with $1 for the value.
        self.assertIn(sql.replace("%s", "$1"), kept)

    def test_a_run_given_many_ids_is_planned_afresh(self) -> None:
        query = Prepared(
            lambda: Organisation.objects.filter(Among("id", param="ids")).values_list("code"),
            planned_once=True,
        )
        many = [self.orgs[0].pk, *range(10_000_000, 10_000_000 + PLANNED_ONCE_MAX)]
        self.assertEqual(list(query.fetch(ids=many)), [("org0",)])
        if connection.vendor == "postgresql":
            self.assertNotIn(query.compiled().sql.replace("%s", "$1"), self._kept())
        self.assertEqual(list(query.fetch(ids=[self.orgs[1].pk])), [("org1",)])
        if connection.vendor == "postgresql":
            self.assertIn(query.compiled().sql.replace("%s", "$1"), self._kept())

    def _kept(self) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [statement for (statement,) in cursor.fetchall()]
