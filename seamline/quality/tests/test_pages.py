"""The calibration pages, API and command: who sees which answers and when, the statistics
with their chart, and the CSV load (all or nothing, errors naming row and column)."""

from __future__ import annotations

import json
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from seamline.network.actions import issue_api_token
from seamline.quality import actions
from seamline.quality.models import CalibrationAnswer, CalibrationRound
from seamline.testing import CastTestCase

from .scene import make_round

GOOD_CSV = """vignette,partner,rater,question,answer
v-falls,riverside,R1,escalate,yes
v-falls,riverside,R2,escalate,yes
v-falls,northbridge,N1,escalate,yes
v-bruise,riverside,R1,escalate,no
v-bruise,northbridge,N1,escalate,yes
v-bruise,northbridge,N1,hours,4
v-bruise,riverside,R1,hours,30
"""


class RoundPageTests(CastTestCase):
    def setUp(self) -> None:
        self.round = make_round(self.cast)
        keeper = self.cast.actor(self.cast.quality)
        for partner, rater, answer in (("riverside", "R1", "no"), ("northbridge", "N1", "yes")):
            actions.record_answer(
                keeper,
                self.round,
                vignette="v-falls",
                partner=partner,
                rater=rater,
                question="escalate",
                answer=answer,
            )
        self.url = reverse("quality:round", args=[self.round.code])

    def test_a_partner_sees_only_its_own_answers_while_open(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        page = self.client.get(self.url).content.decode()
        self.assertIn("The case of v-falls", page)
        # As table cells: a bare "N1" can turn up in the page's random CSRF token.
        self.assertIn("<td>R1</td>", page)
        self.assertNotIn("<td>N1</td>", page)
        self.assertNotIn("<td>northbridge</td>", page)
        self.assertNotIn("<svg", page)

    def test_the_keeper_sees_every_answer_and_the_kappa_chart(self) -> None:
        self.client.force_login(self.cast.quality)
        page = self.client.get(self.url).content.decode()
        self.assertIn("N1", page)
        self.assertIn("<svg", page)
        self.assertNotIn("style=", page)
        self.assertNotIn("<script>", page)  # only the base page's script files

    def test_after_closing_partners_and_commissioners_see_the_statistics(self) -> None:
        self.client.force_login(self.cast.commissioner)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        actions.close_round(self.cast.actor(self.cast.quality), self.round)
        for user in (self.cast.river_supervisor, self.cast.commissioner):
            self.client.force_login(user)
            page = self.client.get(self.url).content.decode()
            self.assertIn("<svg", page)
            self.assertIn("N1", page)
        # The commissioner reads statistics, not the vignettes' text.
        self.assertNotIn("The case of v-falls", page)

    def test_a_supervisor_records_a_decision_from_the_page(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        url = reverse("quality:answer", args=[self.round.code, "v-meds"])
        response = self.client.post(
            url,
            {"rater": "R9", "escalate": "yes", "tier": "same_day", "safeguarding": "no"},
        )
        self.assertEqual(response.status_code, 302)
        mine = CalibrationAnswer.objects.filter(rater="R9", organisation__code="riverside")
        self.assertEqual(mine.count(), 3)
        response = self.client.post(url, {"rater": "R9", "hours": "lots"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("is not a number of hours", response.content.decode())

    def test_guidance_from_the_page(self) -> None:
        self.client.force_login(self.cast.quality)
        url = reverse("quality:guidance", args=[self.round.code])
        response = self.client.post(
            url, {"condition": "a fall at night", "hours": "4", "reason": "Agreed"}
        )
        self.assertEqual(response.status_code, 302)
        page = self.client.get(self.url).content.decode()
        self.assertIn("If a fall at night, escalate within 4 hours", page)


class LibraryPageTests(CastTestCase):
    def test_the_keeper_adds_vignettes_and_opens_a_round_from_the_pages(self) -> None:
        self.client.force_login(self.cast.quality)
        url = reverse("quality:vignettes")
        response = self.client.post(url, {"code": "Bad code", "title": "", "text": "x"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("Give the vignette a title", response.content.decode())
        for code in ("v-a", "v-b"):
            response = self.client.post(url, {"code": code, "title": code, "text": "A case."})
            self.assertEqual(response.status_code, 302)
        response = self.client.post(
            reverse("quality:rounds"),
            {
                "code": "r-page",
                "title": "From the page",
                "vignettes": ["v-a", "v-b"],
                "partners": ["riverside", "swiftstaff"],
            },
        )
        self.assertRedirects(response, reverse("quality:round", args=["r-page"]))
        rnd = CalibrationRound.objects.get(code="r-page")
        self.assertEqual(sorted(p.code for p in rnd.partners.all()), ["riverside", "swiftstaff"])

    def test_partners_do_not_reach_the_library_or_open_rounds(self) -> None:
        self.client.force_login(self.cast.river_supervisor)
        self.assertEqual(self.client.get(reverse("quality:vignettes")).status_code, 404)
        response = self.client.post(reverse("quality:rounds"), {"code": "r-x", "title": "X"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(CalibrationRound.objects.exists())


class ApiTests(CastTestCase):
    def test_stats_are_refused_to_partners_until_the_round_closes(self) -> None:
        rnd = make_round(self.cast)
        key = issue_api_token(self.cast.actor(self.cast.river_supervisor), name="t")[1]
        auth = f"Bearer {key}"
        url = f"/api/quality/rounds/{rnd.code}/stats"
        self.assertEqual(self.client.get(url, HTTP_AUTHORIZATION=auth).status_code, 404)
        actions.close_round(self.cast.actor(self.cast.quality), rnd)
        body = self.client.get(url, HTTP_AUTHORIZATION=auth).json()
        self.assertEqual(set(body["questions"]), {"escalate", "tier", "safeguarding", "hours"})


class CommandTests(CastTestCase):
    def setUp(self) -> None:
        self.round = make_round(self.cast)
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, text: str) -> str:
        path = Path(self.dir.name) / "answers.csv"
        path.write_text(text, encoding="utf-8")
        return str(path)

    def run_command(self, *args: str) -> str:
        out = StringIO()
        call_command("quality", "calibration", *args, stdout=out)
        return out.getvalue()

    def test_load_then_stats_as_json(self) -> None:
        path = self.write(GOOD_CSV)
        out = self.run_command("load", "r-test", path, "--dry-run")
        self.assertIn("Dry run", out)
        self.assertFalse(CalibrationAnswer.objects.exists())
        self.run_command("load", "r-test", path)
        self.assertEqual(CalibrationAnswer.objects.count(), 7)
        data = json.loads(self.run_command("stats", "r-test", "--format", "json"))
        escalate = data["questions"]["escalate"]
        # v-falls: yes yes yes (P = 1); v-bruise: no yes (P = 0). P-bar = 1/2.
        self.assertEqual(escalate["percent_agreement"], 0.5)
        self.assertIn("fleiss_kappa", escalate)
        self.assertEqual(escalate["drift"]["riverside"]["no_where_consensus_yes"], 0)
        self.assertEqual(set(data["questions"]["hours"]["drift"]), {"northbridge", "riverside"})

    def test_one_bad_row_loads_nothing_and_names_row_and_column(self) -> None:
        bad = GOOD_CSV + "v-falls,swiftstaff,S1,escalate,yes\nv-meds,riverside,R1,tier,soon\n"
        with self.assertRaises(CommandError):
            self.run_command("load", "r-test", self.write(bad))
        self.assertFalse(CalibrationAnswer.objects.exists())
        out = StringIO()
        with self.assertRaises(CommandError):
            call_command("quality", "calibration", "load", "r-test", self.write(bad), stdout=out)
        text = out.getvalue()
        self.assertIn("row 9, column partner", text)
        self.assertIn("row 10, column answer", text)

    def test_a_missing_column_is_named(self) -> None:
        out = StringIO()
        with self.assertRaises(CommandError):
            call_command(
                "quality",
                "calibration",
                "load",
                "r-test",
                self.write("vignette,partner,rater,answer\nv-falls,riverside,R1,yes\n"),
                stdout=out,
            )
        self.assertIn("missing column 'question'", out.getvalue())

    def test_stats_as_a_partner_wait_for_the_close(self) -> None:
        with self.assertRaises(CommandError):
            self.run_command("stats", "r-test", "--as", "river_supervisor")
        with self.assertRaises(CommandError):
            self.run_command("stats", "r-test", "--as", "swift_admin")
