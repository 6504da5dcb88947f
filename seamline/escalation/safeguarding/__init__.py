"""Safeguarding (SPEC C8): concerns raised at any contact, the same-day notice to the
pathway's safeguarding lead (a deadline the worker keeps), the weekly triage meeting and its
decisions, and the dashboard of themes, timeliness and outcomes by partner.

Its tables live with the rest of the escalation app (`escalation.models`); this package holds
the feature's rules, access, actions, dashboard, pages, API and demo step. docs/escalation.md,
"Safeguarding".
"""
