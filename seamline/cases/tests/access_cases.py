"""Access-table rows of the participant and referral pages and API (see
`seamline/testing_routes.py`).

The scene: a participant in Riverside's care on the prime's discharge pathway (so Riverside and
the prime see it, the agency does not), with an open referral owned by Riverside's coordinator,
a risk flag, a declined worker and a record merged into it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from seamline.cases.models import DeclinedWorker, Merge, Participant
from seamline.cases.testing import make_flag, make_participant, make_referral
from seamline.testing_routes import Call, page
from seamline.workforce.testing import make_worker


def refs(cast: Any) -> dict[str, str]:
    ada = make_participant(cast.riverside, given_name="Ada", family_name="Access")
    referral = make_referral(ada, cast.discharge, cast.riverside, cast.river_coordinator)
    flag = make_flag(ada)
    worker = make_worker(cast.riverside, "RIV-CASES-1")
    declined = DeclinedWorker.objects.create(participant=ada, worker=worker)
    twin = make_participant(cast.riverside, given_name="Ada", family_name="Access")
    Participant.objects.filter(pk=twin.pk).update(status="merged", merged_into=ada)
    merge = Merge.objects.create(survivor=ada, absorbed=twin, reason="Same person")
    # Request bodies name records by public id, which exist only now.
    REFERRAL_BODY["participant"] = ada.code
    REFERRAL_BODY["owner_person"] = str(cast.river_supervisor.uuid)
    REASSIGN_BODY["owner_person"] = str(cast.swift_admin.uuid)
    return {
        "@participant": ada.code,
        "@referral": referral.code,
        "@flag": str(flag.uuid),
        "@declined": str(declined.uuid),
        "@merge": str(merge.uuid),
    }


P = "@participant"
R = "@referral"
YESTERDAY = (timezone.now() - timedelta(days=1)).isoformat()
REFERRAL_BODY: dict[str, Any] = {
    "pathway": "discharge",
    "receiving_organisation": "riverside",
    "received_at": YESTERDAY,
    "referrer_name": "Ward 7 discharge team",
}
REASSIGN_BODY: dict[str, Any] = {"reason": "Riverside at capacity this week"}

PAGE_CASES = [
    page("cases:participants", "river_worker", "commissioner", 404),
    page("cases:participant_new", "river_coordinator", "river_worker", 403),
    page("cases:participant", "river_worker", "swift_admin", 404, code=P),
    page("cases:participant_edit", "river_coordinator", "swift_admin", 404, code=P),
    page("cases:local_id_new", "river_coordinator", "swift_admin", 404, code=P),
    page("cases:consent", "river_coordinator", "swift_admin", 404, code=P),
    page("cases:consent_withdraw", "river_coordinator", "inspector", 403, code=P),
    page("cases:flag_new", "river_worker", "swift_admin", 404, code=P),
    page("cases:flag_resolve", "river_worker", "swift_admin", 404, flag="@flag"),
    page("cases:decline_new", "river_coordinator", "river_worker", 403, code=P),
    page(
        "cases:decline_withdraw",
        "river_coordinator",
        "swift_admin",
        404,
        "POST",
        declined="@declined",
    ),
    page("cases:referrals", "river_worker", "commissioner", 404),
    page("cases:referral_new", "river_coordinator", "river_worker", 403),
    page("cases:referral", "quality", "swift_admin", 404, code=R),
    page("cases:first_contact", "river_worker", "swift_admin", 404, code=R),
    page("cases:discharge", "river_coordinator", "quality", 403, code=R),
    page("cases:reassign", "net_admin", "river_admin", 403, code=R),
    page("cases:duplicates", "quality", "river_worker", 404),
    page("cases:merge", "quality", "river_coordinator", 404, "POST"),
    page("cases:not_same", "net_admin", "inspector", 403, "POST"),
    page("cases:unmerge", "quality", "river_admin", 404, merge="@merge"),
]

PERSON = {"given_name": "Nell", "family_name": "New", "date_of_birth": "1950-02-03"}
API_CASES = [
    Call("GET", "/api/cases/participants", "river_worker", "commissioner", 404),
    Call("POST", "/api/cases/participants", "river_admin", "river_worker", 403, PERSON),
    Call(
        "GET",
        "/api/cases/participants/{code}",
        "river_worker",
        "swift_admin",
        404,
        params={"code": P},
    ),
    Call("GET", "/api/cases/referrals", "inspector", "commissioner", 404),
    Call("POST", "/api/cases/referrals", "river_admin", "swift_admin", 404, REFERRAL_BODY),
    Call("GET", "/api/cases/referrals/{code}", "quality", "swift_admin", 404, params={"code": R}),
    Call(
        "POST",
        "/api/cases/referrals/{code}/first-contact",
        "river_worker",
        "quality",
        403,
        {"at": YESTERDAY},
        params={"code": R},
    ),
    Call(
        "POST",
        "/api/cases/referrals/{code}/discharge",
        "river_admin",
        "swift_admin",
        404,
        {"at": YESTERDAY, "outcome": "goals_met"},
        params={"code": R},
    ),
    Call(
        "POST",
        "/api/cases/referrals/{code}/reassign",
        "net_admin",
        "river_admin",
        403,
        REASSIGN_BODY,
        params={"code": R},
    ),
    Call(
        "GET",
        "/api/cases/referrals/{code}/owner-at",
        "river_worker",
        "swift_admin",
        404,
        query=f"at={YESTERDAY[:16]}",
        params={"code": R},
    ),
]
