"""An issued pack is never changed: the database refuses UPDATE of `assurance_pack` (a
correction is a new issue of the pack, with its reason)."""

from __future__ import annotations

from seamline.appendonly import AppendOnly

TRIGGERS = AppendOnly(("assurance_pack",), "an issued pack cannot be changed", "pack_refuse_update")
