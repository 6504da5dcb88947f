"""A small calibration scene on the named cast: three vignettes and an open round between
Riverside and the prime (Northbridge); the agency (SwiftStaff) takes no part."""

from __future__ import annotations

from typing import Any

from seamline.quality import actions
from seamline.quality.models import CalibrationRound

VIGNETTES = ("v-falls", "v-bruise", "v-meds")


def make_round(cast: Any, code: str = "r-test") -> CalibrationRound:
    keeper = cast.actor(cast.quality)
    for v in VIGNETTES:
        actions.add_vignette(keeper, code=v, title=v.title(), text=f"The case of {v}.")
    return actions.open_round(
        keeper,
        code=code,
        title="Test round",
        vignettes=list(VIGNETTES),
        partners=["riverside", "northbridge"],
    )
