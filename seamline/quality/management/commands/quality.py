"""`seamline quality ...`: quality from the command line.

    seamline quality calibration load ROUND FILE.csv [--dry-run] [--format text|json] [--as USER]
    seamline quality calibration stats ROUND [--format text|json] [--as USER]
    seamline quality templates load
    seamline quality audits draw --template T --partner P --from D --to D --size N [--seed S]
                                 [--worker STAFF_ID] [--task-type CODE] [--as USER]
    seamline quality audits redraw CODE [--format text|json] [--as USER]
    seamline quality scores [--template T] [--format text|json|csv] [--as USER]
    seamline quality actions [--overdue] [--partner P] [--status S] [--format text|json|csv]
                             [--as USER]
    seamline quality incidents [--partner P] [--theme T] [--severity S] [--format text|json|csv]
                               [--timeline CODE [--before DAYS] [--after DAYS]] [--as USER]
    seamline quality due-diligence [ORGANISATION] [--format text|json] [--as USER]

`load` records a round's answers from a CSV file (columns in docs/imports.md), all or nothing.
`stats --format json` gives per question `fleiss_kappa`, `percent_agreement` and `drift` by
partner (docs/quality.md). Without `--as` the platform operator acts; with it, exactly what
that person may do and see.
"""

from __future__ import annotations

import csv
import json
from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.competency.models import TaskType
from seamline.errors import RuleViolation
from seamline.network.models import Organisation, User
from seamline.workforce.models import Worker

from ... import (
    access,
    actions,
    actions_diligence,
    actions_incidents,
    lists,
    rules_incidents,
    sampling,
    timeline,
)
from ...imports import load
from ...models import Audit, CalibrationRound, CorrectiveAction, ScoringTemplate
from ...scores import partner_scores
from ...stats import round_stats


def _actor(username: str | None) -> Actor:
    if not username:
        return Actor.system("quality")
    user = User.objects.filter(username=username.strip().lower(), is_active=True).first()
    if user is None:
        raise CommandError(f"There is no active person with username '{username}'.")
    actor = actor_for(user)
    if not actor.roles:
        raise CommandError(f"{username} holds no current role.")
    return actor


def _round(actor: Actor, code: str) -> CalibrationRound:
    try:
        if actor.is_system:
            found = CalibrationRound.objects.filter(code=code.strip().lower()).first()
            if found is None:
                raise Http404
            return found
        return access.get_round_for_user(actor, code)
    except Http404:
        raise CommandError(f"There is no calibration round '{code}' that you can see.") from None


def _drift_text(question: str, d: dict[str, Any]) -> str:
    if question == "hours":
        gap = d["median_hours_from_consensus"]
        return "n/a" if gap is None else f"{gap:+g} h from the consensus (median)"
    if d["disagreement"] is None:
        return "no vignette with a consensus"
    text = f"{d['disagreement']:.0%} of {d['answers']} answers off the consensus"
    if question == "escalate":
        text += (
            f"; {d['no_where_consensus_yes']} not escalating where the consensus does,"
            f" {d['yes_where_consensus_no']} escalating where it does not"
        )
    return text


class Command(BaseCommand):
    help = "Quality: calibration, scoring templates, audit samples, scores, corrective actions."

    def add_arguments(self, parser: CommandParser) -> None:
        top = parser.add_subparsers(
            dest="area",
            required=True,
            metavar="{calibration,templates,audits,scores,actions,incidents,due-diligence}",
        )
        self._audit_arguments(top)
        calibration: ArgumentParser = top.add_parser("calibration", help="Calibration rounds.")
        sub = calibration.add_subparsers(dest="subcommand", required=True, metavar="{load,stats}")
        load_p: ArgumentParser = sub.add_parser("load", help="Load a round's answers from CSV.")
        load_p.add_argument("round")
        load_p.add_argument("file")
        load_p.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        stats_p: ArgumentParser = sub.add_parser("stats", help="Agreement per question.")
        stats_p.add_argument("round")
        for each in (load_p, stats_p):
            each.add_argument("--format", choices=["text", "json"], default="text")
            each.add_argument("--as", dest="as_user", help="Act through this person's access.")

    def _audit_arguments(self, top: Any) -> None:
        templates: ArgumentParser = top.add_parser("templates", help="Scoring templates.")
        tsub = templates.add_subparsers(dest="subcommand", required=True, metavar="{load}")
        tsub.add_parser("load", help="Load the built-in scoring templates.")
        audits: ArgumentParser = top.add_parser("audits", help="Audit samples.")
        asub = audits.add_subparsers(dest="subcommand", required=True, metavar="{draw,redraw}")
        draw: ArgumentParser = asub.add_parser("draw", help="Draw a seeded sample.")
        draw.add_argument("--template", required=True)
        draw.add_argument("--partner", required=True)
        draw.add_argument("--from", dest="period_start", required=True, help="YYYY-MM-DD")
        draw.add_argument("--to", dest="period_end", required=True, help="YYYY-MM-DD")
        draw.add_argument("--size", type=int, required=True)
        draw.add_argument("--seed", type=int)
        draw.add_argument("--worker", default="", help="Staff id, for a spot-check.")
        draw.add_argument("--task-type", default="")
        redraw: ArgumentParser = asub.add_parser("redraw", help="Draw an audit again.")
        redraw.add_argument("code")
        scores: ArgumentParser = top.add_parser("scores", help="Audit scores by partner.")
        scores.add_argument("--template", default="")
        acts: ArgumentParser = top.add_parser("actions", help="Corrective actions.")
        acts.add_argument("--overdue", action="store_true", help="Only those past due.")
        acts.add_argument("--partner", default="")
        acts.add_argument("--status", default="")
        incidents: ArgumentParser = top.add_parser("incidents", help="Incidents.")
        incidents.add_argument("--partner", default="")
        incidents.add_argument("--theme", default="")
        incidents.add_argument("--severity", default="")
        incidents.add_argument("--timeline", default="", metavar="CODE", help="One's timeline.")
        incidents.add_argument("--before", type=int, default=rules_incidents.DAYS_BEFORE)
        incidents.add_argument("--after", type=int, default=rules_incidents.DAYS_AFTER)
        diligence: ArgumentParser = top.add_parser("due-diligence", help="Partner due diligence.")
        diligence.add_argument("organisation", nargs="?", default="")
        for each, formats in (
            (incidents, ["text", "json", "csv"]),
            (diligence, ["text", "json"]),
            (draw, ["text", "json"]),
            (redraw, ["text", "json"]),
            (scores, ["text", "json", "csv"]),
            (acts, ["text", "json", "csv"]),
        ):
            each.add_argument("--format", choices=formats, default="text")
            each.add_argument("--as", dest="as_user", help="Act through this person's access.")

    def handle(self, *args: Any, **options: Any) -> None:
        area = options["area"]
        if area != "calibration":
            try:
                getattr(self, f"_{area.replace('-', '_')}")(_actor(options.get("as_user")), options)
            except RuleViolation as exc:
                raise CommandError(
                    "; ".join(
                        f"{r.field}: {r.message}" if r.field else r.message for r in exc.reasons
                    )
                ) from None
            return
        actor = _actor(options.get("as_user"))
        rnd = _round(actor, options["round"])
        if options["subcommand"] == "load":
            self._load(actor, rnd, options)
        else:
            self._stats(actor, rnd, options)

    def _load(self, actor: Actor, rnd: CalibrationRound, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        report = load(actor, rnd, data, dry_run=options["dry_run"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for line in report.lines():
                self.stdout.write(line)
        if report.errors:
            raise CommandError("Nothing was loaded.")

    def _stats(self, actor: Actor, rnd: CalibrationRound, options: dict[str, Any]) -> None:
        if not (actor.is_system or access.sees_all_answers(actor, rnd)):
            raise CommandError(f"The statistics of {rnd.code} are shown once it is closed.")
        data = round_stats(rnd)
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, indent=2))
            return
        self.stdout.write(f"Round {rnd.code} ({rnd.status})")
        for question, q in data["questions"].items():
            kappa = "n/a" if q["fleiss_kappa"] is None else f"{q['fleiss_kappa']:.2f}"
            agree = q["percent_agreement"]
            agreement = "n/a" if agree is None else f"{agree:.0%}"
            self.stdout.write(
                f"  {question}: kappa {kappa}, agreement {agreement}, {q['ratings']} ratings"
            )
            for partner, d in q["drift"].items():
                self.stdout.write(f"    {partner}: {_drift_text(question, d)}")

    # --- audits and corrective actions --------------------------------------------------------

    def _templates(self, actor: Actor, options: dict[str, Any]) -> None:
        made = actions.load_builtin_templates(actor)
        for v in made:
            self.stdout.write(f"{v.template.code}: version {v.number} written")
        if not made:
            self.stdout.write("The built-in templates are already in force.")

    def _audits(self, actor: Actor, options: dict[str, Any]) -> None:
        if options["subcommand"] == "redraw":
            audit = self._audit(actor, options["code"])
            again = sampling.redraw(audit)
            if options["format"] == "json":
                out = {"code": audit.code, "seed": audit.seed, **again.as_dict()}
                self.stdout.write(json.dumps(out, indent=2))
                return
            verdict = "the same sample" if again.same_sample else "a different sample"
            self.stdout.write(f"{audit.code}: seed {audit.seed} draws {verdict}.")
            for key in again.keys:
                self.stdout.write(f"  {key}")
            return
        template = ScoringTemplate.objects.filter(code=options["template"]).first()
        partner = Organisation.objects.filter(code=options["partner"]).first()
        if template is None or partner is None:
            raise CommandError("Name an existing --template and --partner.")
        worker = None
        if options["worker"]:
            worker = Worker.objects.filter(organisation=partner, staff_id=options["worker"]).first()
            if worker is None:
                raise CommandError(f"{partner.code} has no worker {options['worker']}.")
        task_type = None
        if options["task_type"]:
            task_type = TaskType.objects.filter(code=options["task_type"]).first()
            if task_type is None:
                raise CommandError(f"There is no task type {options['task_type']}.")
        try:
            start = date.fromisoformat(options["period_start"])
            end = date.fromisoformat(options["period_end"])
        except ValueError:
            raise CommandError("--from and --to are dates, YYYY-MM-DD.") from None
        made = actions.draw_audit(
            actor,
            template=template,
            partner=partner,
            period_start=start,
            period_end=end,
            size=options["size"],
            seed=options["seed"],
            worker=worker,
            task_type=task_type,
        )
        keys = list(made.items.values_list("record_ref", flat=True))
        if options["format"] == "json":
            out = {
                "code": made.code,
                "seed": made.seed,
                "candidates": made.candidates,
                "keys": keys,
            }
            self.stdout.write(json.dumps(out, indent=2))
            return
        self.stdout.write(
            f"{made.code}: {len(keys)} of {made.candidates} records, seed {made.seed}"
        )
        for key in keys:
            self.stdout.write(f"  {key}")

    def _audit(self, actor: Actor, code: str) -> Audit:
        try:
            if actor.is_system:
                found = Audit.objects.filter(code=code.strip().lower()).first()
                if found is None:
                    raise Http404
                return found
            return access.get_audit_for_user(actor, code)
        except Http404:
            raise CommandError(f"There is no audit '{code}' that you can see.") from None

    def _scores(self, actor: Actor, options: dict[str, Any]) -> None:
        audits = Audit.objects.all()
        if not actor.is_system:
            if not access.can_see_scores(actor):
                raise CommandError("You may not see audit scores.")
            only = access.scores_limited_to(actor)
            if only is not None:
                audits = audits.filter(partner=only)
        rows = partner_scores(audits, options["template"])
        if options["format"] == "json":
            self.stdout.write(json.dumps([r.as_dict() for r in rows], indent=2))
        elif options["format"] == "csv":
            writer = csv.writer(self.stdout)
            writer.writerow(["partner", "period", "template", "mean_score", "scored", "items"])
            for r in rows:
                writer.writerow([r.partner, r.period, r.template, r.mean, r.scored, r.items])
        else:
            for r in rows:
                mean = "n/a" if r.mean is None else f"{r.mean:g}%"
                self.stdout.write(
                    f"{r.partner} {r.period} {r.template}: {mean} ({r.scored} of {r.items} scored)"
                )

    def _actions(self, actor: Actor, options: dict[str, Any]) -> None:
        today = timezone.localdate()
        if actor.is_system:
            everything = CorrectiveAction.objects.all()
        else:
            if not access.can_list_actions(actor):
                raise CommandError("You may not see corrective actions.")
            everything = CorrectiveAction.objects.visible_to(actor)
        rows = lists.filtered(
            everything,
            today,
            partner=options["partner"],
            status=options["status"],
            overdue=options["overdue"],
        ).order_by("due_on", "organisation__code", "created_at", "id")
        if options["format"] == "json":
            out = {
                "today": today.isoformat(),
                "actions": [lists.as_dict(a, today) for a in rows],
                "by_partner": [p.as_dict() for p in lists.by_partner(everything, today)],
            }
            self.stdout.write(json.dumps(out, indent=2))
        elif options["format"] == "csv":
            writer = csv.writer(self.stdout)
            writer.writerow(lists.CSV_HEADER)
            for a in rows:
                writer.writerow(lists.csv_row(a, today))
        else:
            for a in rows:
                late = " OVERDUE" if a.is_overdue(today) else ""
                self.stdout.write(
                    f"{a.due_on} {a.organisation.code} {a.status}{late}: {a.title} "
                    f"({a.owner_person.display_name}; {a.source})"
                )

    # --- incidents and due diligence ----------------------------------------------------------

    def _incidents(self, actor: Actor, options: dict[str, Any]) -> None:
        if not (actor.is_system or access.can_list_incidents(actor)):
            raise CommandError("You may not see incidents.")
        if options["timeline"]:
            self._timeline(actor, options)
            return
        rows = list(
            lists.incidents(
                actor,
                partner=options["partner"],
                theme=options["theme"],
                severity=options["severity"],
            )
        )
        actions_incidents.record_listed(actor, [i.code for i in rows], via="cli")
        if options["format"] == "json":
            self.stdout.write(json.dumps([lists.incident_dict(i) for i in rows], indent=2))
        elif options["format"] == "csv":
            writer = csv.writer(self.stdout)
            writer.writerow(lists.INCIDENT_CSV_HEADER)
            for i in rows:
                writer.writerow(lists.incident_csv_row(i))
        else:
            for i in rows:
                self.stdout.write(
                    f"{i.code} {i.occurred_at:%Y-%m-%d %H:%M} {i.organisation.code} "
                    f"{i.theme} ({i.severity}): {i.participant.code}"
                )

    def _timeline(self, actor: Actor, options: dict[str, Any]) -> None:
        if actor.is_system:
            raise CommandError(
                "Name the person to see the timeline as (--as USER): it shows only the events "
                "of records they may see."
            )
        try:
            incident = access.get_incident_for_user(actor, options["timeline"])
        except Http404:
            raise CommandError(
                f"There is no incident '{options['timeline']}' that you can see."
            ) from None
        actions_incidents.record_read(actor, incident, via="cli.timeline")
        start, end = rules_incidents.window(
            incident.occurred_at, options["before"], options["after"]
        )
        events = timeline.load(actor, incident.participant, start, end)
        if options["format"] == "json":
            out = {
                "incident": incident.code,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "events": [e.as_dict() for e in events],
            }
            self.stdout.write(json.dumps(out, indent=2))
        elif options["format"] == "csv":
            writer = csv.writer(self.stdout)
            writer.writerow(["at", "organisation", "kind", "title", "ref", "alert"])
            for e in events:
                writer.writerow([e.at.isoformat(), e.organisation, e.kind, e.title, e.ref, e.alert])
        else:
            for e in events:
                mark = "!" if e.alert else " "
                self.stdout.write(
                    f"{mark} {timezone.localtime(e.at):%Y-%m-%d %H:%M} "
                    f"{e.organisation or '-':<14} {e.title}"
                )

    def _due_diligence(self, actor: Actor, options: dict[str, Any]) -> None:
        code = options["organisation"]
        if code:
            if actor.is_system:
                found = Organisation.objects.filter(code=code.strip().lower()).first()
            else:
                try:
                    found = access.get_diligence_organisation(actor, code)
                except Http404:
                    found = None
            if found is None:
                raise CommandError(f"There is no review of '{code}' that you can see.")
            view = actions_diligence.review_view(found)
            if options["format"] == "json":
                self.stdout.write(json.dumps(view.as_dict(), indent=2))
                return
            decided = view.decision
            self.stdout.write(
                f"{found.name} ({found.status}): "
                + (decided.get_decision_display() if decided else "no decision yet")
            )
            for area in view.areas:
                finding = area.finding.get_finding_display() if area.finding else "no finding"
                self.stdout.write(f"  {area.label}: {finding}, {len(area.evidence)} evidence")
            return
        if not (actor.is_system or access.can_list_diligence(actor)):
            raise CommandError("You may not see the partners' due diligence.")
        rows = actions_diligence.partner_rows()
        if options["format"] == "json":
            self.stdout.write(json.dumps([r.as_dict() for r in rows], indent=2))
            return
        for r in rows:
            state = r.decision_label or ("awaiting a decision" if r.awaiting else "no decision")
            self.stdout.write(
                f"{r.code} ({r.status}): {state}; {r.evidence} evidence, {r.findings} of 4 areas"
            )
