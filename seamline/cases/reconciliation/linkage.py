"""The record-linkage engine of caseload reconciliation: which row of a partner's caseload list
is which person of the register (SPEC C5; docs/adr/0011-record-linkage.md says why it is
built this way).

A plain interface, so that the app and the benchmark share exactly the same code:

    result = link(register, incoming, known_local={...}, apart={...})
    for found in result.links:          # at most one per incoming row
        found.incoming, found.register, found.probability, found.method, found.band

`register` and `incoming` are sequences of `Person` (raw text as typed; the engine
normalises). Nothing here touches Django's database.

How it decides, in order:

1. **Exact, on identifiers that prove themselves**: the partner's own id when the register
   already knows it (`known_local`), an NHS number that passes its modulus-11 check, a
   Medicaid / member id. An identifier match must be corroborated (date of birth or a name
   close enough): a shared number with a different person's name and birth date is a typing
   slip, left to the probabilistic stage to weigh.
2. **Probabilistic** (Fellegi-Sunter, Splink on DuckDB) on names, date of birth, address and
   the identifiers' near misses. The comparisons survive typing slips, nicknames, swapped
   given and family names, transposed date digits, day and month swapped, and people who
   moved house; exact name and postcode agreements are weighed by how common the value is
   (term-frequency adjustment). With enough rows, u is estimated by random sampling and m by
   expectation maximisation; small lists use the default parameters below.
3. **One to one**: each register record and each list row is used once, strongest link first.
   Above `upper` a link is a match; between `lower` and `upper` it is uncertain and goes to
   clerical review; below, the row is unknown to the register. Pairs a person has declared
   "not the same person" (`apart`) are never linked.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from seamline.cases.rules import is_valid_nhs_number

MATCH, UNCERTAIN = "match", "uncertain"
BY_LOCAL_ID, BY_NHS, BY_MEDICAID, PROBABILISTIC = (
    "local_id",
    "nhs_number",
    "medicaid",
    "probabilistic",
)

# Enough rows to estimate the model from the data itself; below this the defaults are used
# (EM needs a few hundred true matches among its blocked pairs to settle).
TRAIN_MIN_ROWS = 1000
# Random pairs sampled to estimate u: enough for a few hundred agreements on the rarest level.
U_PAIRS = 4e5
# Blocked pairs each expectation-maximisation session learns from (a deterministic sample of
# the records when the block holds more): m settles long before a million pairs.
EM_PAIRS = 5e5


@dataclass(frozen=True)
class Person:
    """One record as typed. `date_of_birth` is ISO (YYYY-MM-DD) or empty."""

    uid: str
    given_name: str = ""
    family_name: str = ""
    date_of_birth: str = ""
    postcode: str = ""
    address: str = ""
    nhs_number: str = ""
    medicaid_id: str = ""
    local_id: str = ""


@dataclass(frozen=True)
class Thresholds:
    """Match probabilities: at or above `upper` a match, from `lower` a case for review."""

    upper: float = 0.95
    lower: float = 0.5


@dataclass(frozen=True)
class Link:
    incoming: str
    register: str
    probability: float
    method: str
    band: str


@dataclass
class LinkResult:
    links: list[Link]
    # Candidate pairs scored at or above the lower threshold.
    pairs_scored: int = 0
    trained: bool = False
    seconds: dict[str, float] = field(default_factory=dict)

    def by_incoming(self) -> dict[str, Link]:
        return {found.incoming: found for found in self.links}


# --- normalising -----------------------------------------------------------------------------

# The name a person goes by -> the name it stands for. A list made at the front door often
# carries the first; the register, the second.
NICKNAMES = {
    "abby": "abigail",
    "alex": "alexander",
    "alf": "alfred",
    "andy": "andrew",
    "annie": "anne",
    "art": "arthur",
    "barb": "barbara",
    "ben": "benjamin",
    "bert": "albert",
    "beth": "elizabeth",
    "betty": "elizabeth",
    "bill": "william",
    "billy": "william",
    "bob": "robert",
    "bobby": "robert",
    "cathy": "catherine",
    "charlie": "charles",
    "chris": "christopher",
    "chuck": "charles",
    "dan": "daniel",
    "danny": "daniel",
    "dave": "david",
    "debbie": "deborah",
    "di": "diana",
    "dick": "richard",
    "don": "donald",
    "dot": "dorothy",
    "ed": "edward",
    "eddie": "edward",
    "fred": "frederick",
    "freddie": "frederick",
    "gill": "gillian",
    "greg": "gregory",
    "harry": "henry",
    "jack": "john",
    "jackie": "jacqueline",
    "jake": "jacob",
    "jen": "jennifer",
    "jenny": "jennifer",
    "jim": "james",
    "jimmy": "james",
    "jo": "joanne",
    "joe": "joseph",
    "john": "john",
    "johnny": "john",
    "jon": "jonathan",
    "kate": "katherine",
    "kathy": "katherine",
    "katie": "katherine",
    "ken": "kenneth",
    "larry": "lawrence",
    "len": "leonard",
    "liz": "elizabeth",
    "lizzie": "elizabeth",
    "maggie": "margaret",
    "mandy": "amanda",
    "matt": "matthew",
    "meg": "margaret",
    "mick": "michael",
    "mike": "michael",
    "nick": "nicholas",
    "pat": "patricia",
    "peggy": "margaret",
    "pete": "peter",
    "phil": "philip",
    "ray": "raymond",
    "rich": "richard",
    "rick": "richard",
    "rob": "robert",
    "ron": "ronald",
    "sam": "samuel",
    "sandy": "sandra",
    "steve": "stephen",
    "sue": "susan",
    "susie": "susan",
    "ted": "edward",
    "terry": "terence",
    "tim": "timothy",
    "tom": "thomas",
    "tommy": "thomas",
    "tony": "anthony",
    "val": "valerie",
    "vicky": "victoria",
    "will": "william",
}


@lru_cache(maxsize=65536)
def fold_name(text: str) -> str:
    """A name as compared: lower case, accents and anything but letters removed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if c.isalpha()).lower()


@lru_cache(maxsize=65536)
def canonical_given(folded: str) -> str:
    return NICKNAMES.get(folded, folded)


_ADDRESS_WORDS = re.compile(r"[a-z0-9]+")


def _address(value: str) -> tuple[str | None, str | None]:
    """(the first line as compared, its house number): the same as `NORMALISE` does."""
    first = (value or "").replace("\r", "\n").split("\n")[0]
    words = _ADDRESS_WORDS.findall(first.lower())
    if not words:
        return None, None
    number = next((w for w in words if w[0].isdigit()), None)
    return " ".join(words), number


def _iso_date(value: str) -> str | None:
    try:
        return date.fromisoformat((value or "").strip()).isoformat()
    except ValueError:
        return None


def _digits(value: str) -> str | None:
    """Ten digits of an NHS number (spaces and hyphens dropped), whatever their check digit."""
    digits = (value or "").replace(" ", "").replace("-", "")
    return digits if len(digits) == 10 and digits.isdigit() else None


def _member(value: str) -> str | None:
    text = re.sub(r"[\s-]", "", value or "").upper()
    return text or None


RAW = (
    "uid",
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "address",
    "nhs_number",
    "medicaid_id",
)
COLUMNS = (
    "uid",
    "given",
    "family",
    "given_canon",
    "full_name",
    "dob",
    "postcode",
    "pc_sector",
    "pc_district",
    "address",
    "house",
    "nhs",
    "medicaid",
)

# Raw text -> the columns the model compares, in one pass of SQL (DuckDB is some twenty times
# faster at this than a Python loop over 350,000 records). Names: accents and anything but
# letters dropped, lower case, the given name also by its canonical form (nicknames). Dates:
# ISO or nothing. Postcodes: capitals; a UK one gets its space back and its sector and
# district. Addresses: the first line, lower case, words only, and its house number.
NORMALISE = r"""
CREATE TABLE {out} AS
WITH base AS (
    SELECT
        ? || uid AS uid,
        nullif(regexp_replace(lower(strip_accents(coalesce(given_name, ''))),
            '[^a-z]', '', 'g'), '') AS given,
        nullif(regexp_replace(lower(strip_accents(coalesce(family_name, ''))),
            '[^a-z]', '', 'g'), '') AS family,
        CAST(try_cast(trim(date_of_birth) AS DATE) AS VARCHAR) AS dob,
        nullif(regexp_replace(upper(coalesce(postcode, '')), '\s+', '', 'g'), '') AS pc,
        nullif(trim(regexp_replace(
            lower(split_part(replace(coalesce(address, ''), chr(13), chr(10)), chr(10), 1)),
            '[^a-z0-9]+', ' ', 'g')), '') AS address,
        regexp_replace(coalesce(nhs_number, ''), '[\s-]', '', 'g') AS nhs_digits,
        nullif(upper(regexp_replace(coalesce(medicaid_id, ''), '[\s-]', '', 'g')), '')
            AS medicaid
    FROM {raw}
), shaped AS (
    SELECT *,
        CASE WHEN regexp_full_match(pc, '[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}')
            THEN left(pc, length(pc) - 3) || ' ' || right(pc, 3) END AS uk
    FROM base
)
SELECT
    s.uid,
    s.given,
    s.family,
    coalesce(n.canon, s.given) AS given_canon,
    CASE WHEN s.given IS NOT NULL AND s.family IS NOT NULL THEN s.given || ' ' || s.family END
        AS full_name,
    s.dob,
    coalesce(s.uk, s.pc) AS postcode,
    CASE WHEN s.uk IS NOT NULL THEN left(s.uk, length(s.uk) - 2) END AS pc_sector,
    CASE WHEN s.uk IS NOT NULL THEN left(s.uk, length(s.uk) - 4) END AS pc_district,
    s.address,
    nullif(regexp_extract(s.address, '(^| )([0-9][a-z0-9]*)', 2), '') AS house,
    CASE WHEN regexp_full_match(s.nhs_digits, '[0-9]{10}') THEN s.nhs_digits END AS nhs,
    s.medicaid
FROM shaped s LEFT JOIN nicknames n ON n.name = s.given
"""


def raw_table(people: Iterable[Person]) -> Any:
    """The records as typed, as an Arrow table (what DuckDB reads without copying)."""
    import pyarrow as pa

    columns: dict[str, list[str]] = {name: [] for name in RAW}
    for p in people:
        columns["uid"].append(p.uid)
        columns["given_name"].append(p.given_name)
        columns["family_name"].append(p.family_name)
        columns["date_of_birth"].append(p.date_of_birth)
        columns["postcode"].append(p.postcode)
        columns["address"].append(p.address)
        columns["nhs_number"].append(p.nhs_number)
        columns["medicaid_id"].append(p.medicaid_id)
    return pa.table(columns, schema=pa.schema([(name, pa.string()) for name in RAW]))


def normalise_into(con: Any, people: Iterable[Person], prefix: str, out: str) -> None:
    """Table `out` in DuckDB connection `con`: `people` normalised (see `NORMALISE`), each
    `uid` with `prefix` so that the two sides never collide."""
    import pyarrow as pa

    nicknames = pa.table({"name": list(NICKNAMES), "canon": list(NICKNAMES.values())})
    con.register("nicknames_arrow", nicknames)
    con.execute("CREATE TABLE IF NOT EXISTS nicknames AS SELECT * FROM nicknames_arrow").fetchall()
    con.unregister("nicknames_arrow")
    raw = f"{out}_raw"
    con.register(raw, raw_table(people))
    con.execute(NORMALISE.replace("{out}", out).replace("{raw}", raw), [prefix]).fetchall()
    con.unregister(raw)


def prepare(people: Iterable[Person], prefix: str) -> dict[str, list[Any]]:
    """The normalised columns as Python lists (to look at, or to test `NORMALISE`)."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        normalise_into(con, people, prefix, "prepared")
        columns = ", ".join(COLUMNS)  # our own column names
        rows = con.execute(f"SELECT {columns} FROM prepared ORDER BY uid").fetchall()  # noqa: S608
    finally:
        con.close()
    return {name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)}


# --- exact linkage ---------------------------------------------------------------------------


def _close_names(a: Person, b: Person) -> bool:
    """Corroboration for an identifier match: one of the names agrees closely (either way
    round), or the given name by its canonical form."""
    from difflib import SequenceMatcher

    ga, fa = fold_name(a.given_name), fold_name(a.family_name)
    gb, fb = fold_name(b.given_name), fold_name(b.family_name)

    def near(x: str, y: str) -> bool:
        return bool(x and y) and (x == y or SequenceMatcher(None, x, y).ratio() >= 0.8)

    return (
        near(fa, fb)
        or near(ga, gb)
        or near(fa, gb)
        or near(ga, fb)
        or (bool(ga and gb) and canonical_given(ga) == canonical_given(gb))
    )


def _close_dates(a: str, b: str) -> bool:
    x, y = _iso_date(a), _iso_date(b)
    if not x or not y:
        return False
    if x == y:
        return True
    return sum(p != q for p, q in zip(x, y, strict=True)) <= 1 or (
        x[:4] == y[:4] and x[5:7] == y[8:10] and x[8:10] == y[5:7]
    )


def corroborated(a: Person, b: Person) -> bool:
    return _close_dates(a.date_of_birth, b.date_of_birth) or _close_names(a, b)


def exact_links(
    register: Sequence[Person],
    incoming: Sequence[Person],
    known_local: Mapping[str, str],
    apart: set[tuple[str, str]],
) -> list[Link]:
    """Links on identifiers: known local id first, then NHS number, then member id. An
    identifier shared by several register records proves nothing and is skipped."""
    by_uid = {p.uid: p for p in register}
    by_nhs: dict[str, list[Person]] = {}
    by_member: dict[str, list[Person]] = {}
    for person in register:
        nhs = _digits(person.nhs_number)
        if nhs:
            by_nhs.setdefault(nhs, []).append(person)
        member = _member(person.medicaid_id)
        if member:
            by_member.setdefault(member, []).append(person)
    links = []
    for row in incoming:
        found: Person | None = None
        method = ""
        local = row.local_id
        if local and local in known_local and known_local[local] in by_uid:
            found, method = by_uid[known_local[local]], BY_LOCAL_ID
        if found is None:
            nhs = _digits(row.nhs_number)
            same = by_nhs.get(nhs, []) if nhs else []
            # One register record only, and a number that passes its check digit (a slip
            # that happens to be someone else's valid number fails corroboration below).
            if len(same) == 1 and is_valid_nhs_number(nhs or "") and corroborated(row, same[0]):
                found, method = same[0], BY_NHS
        if found is None:
            member = _member(row.medicaid_id)
            same = by_member.get(member, []) if member else []
            if len(same) == 1 and corroborated(row, same[0]):
                found, method = same[0], BY_MEDICAID
        if found is not None and (row.uid, found.uid) not in apart:
            links.append(Link(row.uid, found.uid, 1.0, method, MATCH))
    return links


# --- the probabilistic model -----------------------------------------------------------------


def _level(sql: str, label: str, m: float, u: float, **options: Any) -> Any:
    import splink.comparison_level_library as cll

    return cll.CustomLevel(sql, label_for_charts=label).configure(
        m_probability=m, u_probability=u, **options
    )


def _null(sql: str) -> Any:
    import splink.comparison_level_library as cll

    return cll.CustomLevel(sql, label_for_charts="missing").configure(is_null_level=True)


def _comparison(name: str, levels: list[Any]) -> Any:
    import splink.comparison_library as cl

    return cl.CustomComparison(levels, output_column_name=name)


def _jw(column: str, at: float) -> str:
    return f"jaro_winkler_similarity({column}_l, {column}_r) >= {at}"


def comparisons(tf: bool = True) -> list[Any]:
    """The model's comparisons, with default m and u probabilities (used as they are for
    small lists, and as starting values where the data allows estimating them). `tf`: weigh
    exact agreements by how common the value is; only meaningful on data large enough for
    frequencies to mean anything (in a list of ten every name is "common")."""

    def freq(column: str, weight: float = 1.0) -> dict[str, Any]:
        if not tf:
            return {}
        return {"tf_adjustment_column": column, "tf_adjustment_weight": weight}

    name = _comparison(
        "name",
        [
            _null(
                "(given_l IS NULL AND family_l IS NULL) OR (given_r IS NULL AND family_r IS NULL)"
            ),
            _level(
                "full_name_l = full_name_r",
                "exact",
                0.80,
                0.0005,
                **freq("full_name"),
            ),
            _level(
                "given_canon_l = given_canon_r AND family_l = family_r",
                "same name, one a nickname",
                0.04,
                0.0001,
            ),
            _level(
                "given_l = family_r AND family_l = given_r",
                "given and family swapped",
                0.04,
                0.00002,
            ),
            _level(
                f"{_jw('given_canon', 0.9)} AND {_jw('family', 0.9)}",
                "both names with a slip",
                0.06,
                0.0005,
            ),
            _level(
                "family_l = family_r AND substr(given_l, 1, 1) = substr(given_r, 1, 1)",
                "same family name and initial",
                0.02,
                0.002,
                **freq("family", 0.5),
            ),
            _level(
                f"(jaro_winkler_similarity(given_l, family_r) >= 0.9 AND "
                f"jaro_winkler_similarity(family_l, given_r) >= 0.9) OR "
                f"({_jw('given_canon', 0.8)} AND {_jw('family', 0.8)})",
                "names close, perhaps swapped",
                0.02,
                0.004,
            ),
            _level(
                "family_l = family_r",
                "same family name",
                0.01,
                0.01,
                **freq("family", 0.5),
            ),
            _level("given_canon_l = given_canon_r", "same given name", 0.005, 0.02),
            _level("TRUE", "different", 0.005, 0.96),
        ],
    )
    dob = _comparison(
        "dob",
        [
            _null("dob_l IS NULL OR dob_r IS NULL"),
            _level("dob_l = dob_r", "exact", 0.88, 0.0001),
            _level(
                "damerau_levenshtein(dob_l, dob_r) <= 1 OR ("
                "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND "
                "substr(dob_l, 6, 2) = substr(dob_r, 9, 2) AND "
                "substr(dob_l, 9, 2) = substr(dob_r, 6, 2))",
                "one digit wrong, two swapped, or day and month swapped",
                0.08,
                0.003,
            ),
            _level(
                "substr(dob_l, 1, 4) = substr(dob_r, 1, 4)",
                "same year",
                0.02,
                0.012,
            ),
            _level("TRUE", "different", 0.02, 0.985),
        ],
    )
    location = _comparison(
        "location",
        [
            _null(
                "(postcode_l IS NULL OR postcode_r IS NULL) "
                "AND (address_l IS NULL OR address_r IS NULL)"
            ),
            _level(
                "postcode_l = postcode_r AND (house_l = house_r OR "
                "jaro_winkler_similarity(address_l, address_r) >= 0.9)",
                "same postcode and house",
                0.70,
                0.00005,
            ),
            _level(
                "postcode_l = postcode_r",
                "same postcode",
                0.06,
                0.0005,
                **freq("postcode", 0.5),
            ),
            _level(
                "house_l = house_r AND jaro_winkler_similarity(address_l, address_r) >= 0.92",
                "same address, postcode differs",
                0.06,
                0.0002,
            ),
            _level("pc_sector_l = pc_sector_r", "same postcode sector", 0.02, 0.003),
            _level("pc_district_l = pc_district_r", "same postcode district", 0.04, 0.02),
            _level("TRUE", "elsewhere (moved house?)", 0.12, 0.976),
        ],
    )
    nhs = _comparison(
        "nhs",
        [
            _null("nhs_l IS NULL OR nhs_r IS NULL"),
            _level("nhs_l = nhs_r", "same NHS number", 0.90, 0.00001),
            _level("damerau_levenshtein(nhs_l, nhs_r) <= 1", "one digit apart", 0.06, 0.0001),
            _level("TRUE", "different", 0.04, 0.9999),
        ],
    )
    member = _comparison(
        "medicaid",
        [
            _null("medicaid_l IS NULL OR medicaid_r IS NULL"),
            _level("medicaid_l = medicaid_r", "same member id", 0.90, 0.00001),
            _level(
                "damerau_levenshtein(medicaid_l, medicaid_r) <= 1",
                "one character apart",
                0.06,
                0.0001,
            ),
            _level("TRUE", "different", 0.04, 0.9999),
        ],
    )
    return [name, dob, location, nhs, member]


# Candidate pairs: any one of these agreeing puts a pair up for scoring. Together they catch a
# true pair through any one kind of error (a typo in the name, a wrong date, a move, a
# missing identifier) while keeping the number of pairs in the low millions at 200,000 rows.
# (Names alone, without even the decade of birth, would add millions of pairs between
# namesakes and no match: a pair agreeing on names only never reaches the upper threshold.)
BLOCKING = (
    "l.nhs = r.nhs",
    "l.medicaid = r.medicaid",
    "l.dob = r.dob",
    "l.given_canon = r.given_canon AND l.family = r.family AND substr(l.dob, 1, 3) = "
    "substr(r.dob, 1, 3)",
    "l.given = r.family AND l.family = r.given",
    "l.postcode = r.postcode",
    "l.family = r.family AND substr(l.dob, 1, 4) = substr(r.dob, 1, 4)",
    "l.given_canon = r.given_canon AND substr(l.dob, 1, 7) = substr(r.dob, 1, 7)",
    "l.address = r.address AND substr(l.postcode, 1, 2) = substr(r.postcode, 1, 2)",
)

# Expectation maximisation: each session compares pairs agreeing on one thing and learns the
# m probabilities of everything else.
TRAINING_BLOCKS = (
    "l.dob = r.dob",
    "l.given_canon = r.given_canon AND l.family = r.family",
)


def settings(prior: float, tf: bool = True) -> Any:
    from splink import SettingsCreator
    from splink.blocking_rule_library import CustomRule

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="uid",
        probability_two_random_records_match=prior,
        comparisons=comparisons(tf),
        blocking_rules_to_generate_predictions=[CustomRule(rule) for rule in BLOCKING],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        max_iterations=20,
        em_convergence=0.001,
    )


def _quiet() -> None:
    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)


def score(
    register: Sequence[Person],
    incoming: Sequence[Person],
    *,
    train: bool,
    threshold: float,
    seed: int = 2026,
    threads: int = 2,
) -> tuple[list[tuple[str, str, float]], dict[str, float]]:
    """Scored candidate pairs (incoming uid, register uid, probability) at or above
    `threshold`, and the seconds spent preparing, training and predicting."""
    import duckdb
    from splink import DuckDBAPI, Linker

    _quiet()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads TO {int(threads)}").fetchall()
    normalise_into(con, register, "r:", "register_rows")
    normalise_into(con, incoming, "i:", "incoming_rows")
    db_api = DuckDBAPI(con)
    left = db_api.register("register_rows", dataset_display_name="register")
    right = db_api.register("incoming_rows", dataset_display_name="incoming")
    seconds["prepare"] = time.perf_counter() - started
    n_left, n_right = len(register), len(incoming)
    # Prior: most rows of a partner's list are people the register knows.
    prior = min(0.5, 0.8 * min(n_left, n_right) / max(1, n_left * n_right))
    linker = Linker([left, right], settings(prior, tf=train), log_level=None)
    started = time.perf_counter()
    if train:
        linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=seed)
        model = without_true_matches(linker.misc.save_model_to_json(), prior)
        linker = Linker([left, right], model, log_level=None)
        for rule in TRAINING_BLOCKS:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=EM_PAIRS
            )
    seconds["train"] = time.perf_counter() - started
    started = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    # The table name is one Splink made, not anyone's input.
    table = predictions.physical_name
    rows = con.execute(f"SELECT uid_l, uid_r, match_probability FROM {table}").fetchall()  # noqa: S608
    seconds["predict"] = time.perf_counter() - started
    con.close()
    pairs = []
    for a, b, probability in rows:
        if a.startswith("i:"):
            a, b = b, a
        pairs.append((b[2:], a[2:], float(probability)))
    return pairs, seconds


def without_true_matches(model: dict[str, Any], prior: float) -> dict[str, Any]:
    """u corrected for the true matches among the random pairs it was counted on.

    Random pairs of a partner's list and the register include the true pairs (one in
    `1 / prior`), and those agree on nearly everything: sampled u for "same date of birth"
    or "same NHS number" is inflated by about `prior * m`, which on a small register is most
    of it. Taking that share out gives the u of non-matching pairs, which is what u means."""
    for comparison in model.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            u, m = level.get("u_probability"), level.get("m_probability")
            if level.get("is_null_level") or u is None or m is None:
                continue
            level["u_probability"] = max((u - prior * m) / (1 - prior), u / 50, 1e-9)
    return model


def assign(
    exact: list[Link],
    scored: list[tuple[str, str, float]],
    thresholds: Thresholds,
    apart: set[tuple[str, str]],
) -> list[Link]:
    """One to one: exact links first, then scored pairs strongest first, each side once."""
    links = list(exact)
    used_in = {found.incoming for found in exact}
    used_reg = {found.register for found in exact}
    for incoming, register, probability in sorted(scored, key=lambda p: (-p[2], p[0], p[1])):
        if probability < thresholds.lower:
            break
        if incoming in used_in or register in used_reg or (incoming, register) in apart:
            continue
        band = MATCH if probability >= thresholds.upper else UNCERTAIN
        links.append(Link(incoming, register, probability, PROBABILISTIC, band))
        used_in.add(incoming)
        used_reg.add(register)
    return links


def link(
    register: Sequence[Person],
    incoming: Sequence[Person],
    *,
    known_local: Mapping[str, str] | None = None,
    apart: Iterable[tuple[str, str]] = (),
    thresholds: Thresholds = Thresholds(),
    train: bool | None = None,
    seed: int = 2026,
) -> LinkResult:
    """Link `incoming` (a partner's list) to `register`; see the module docstring.

    `known_local`: an incoming row's `local_id`, as given -> the register uid it is known to
    be (the partner's ids the register holds, and earlier decisions).
    `apart`: (incoming uid, register uid) pairs a person has said are not the same person.
    `train`: estimate the model from the data (default: when both sides are big enough)."""
    apart_pairs = set(apart)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    exact = exact_links(register, incoming, known_local or {}, apart_pairs)
    seconds["exact"] = time.perf_counter() - started
    if not register or not incoming:
        return LinkResult(exact, 0, False, seconds)
    if train is None:
        train = len(register) >= TRAIN_MIN_ROWS and len(incoming) >= TRAIN_MIN_ROWS
    scored, timing = score(register, incoming, train=train, threshold=thresholds.lower, seed=seed)
    seconds.update(timing)
    started = time.perf_counter()
    links = assign(exact, scored, thresholds, apart_pairs)
    seconds["assign"] = time.perf_counter() - started
    return LinkResult(links, len(scored), train, seconds)
