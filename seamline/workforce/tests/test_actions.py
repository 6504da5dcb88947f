"""Smoke: the workforce actions run end to end (filled out below)."""

from __future__ import annotations

from datetime import date

from seamline.testing import CastTestCase
from seamline.workforce import actions
from seamline.workforce.testing import (
    at,
    make_competency,
    make_evidence,
    make_sign_off,
    make_worker,
)


class SmokeTests(CastTestCase):
    def test_sign_off_runs(self) -> None:
        cast = self.cast
        comp = make_competency("safeguarding")
        lead = make_worker(cast.riverside, "RIV-LEAD")
        worker = make_worker(cast.riverside, "RIV-001")
        make_sign_off(lead, comp, "independent", signer=make_worker(cast.prime, "NB-1"))
        make_evidence(worker, "observed_practice", date(2026, 2, 1), competency=comp)
        make_evidence(worker, "assessment", date(2026, 2, 1), competency=comp)
        s = actions.sign_off_stage(
            cast.actor(cast.river_supervisor),
            worker,
            comp,
            "independent",
            signer=lead,
            signed_at=at(date(2026, 2, 2)),
        )
        self.assertEqual(s.review_due, date(2027, 2, 2))
        self.assertEqual(s.evidence.count(), 2)
