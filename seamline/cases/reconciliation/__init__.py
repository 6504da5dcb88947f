"""Caseload reconciliation: the reconciliation part of the cases capability (SPEC C5).

Each partner uploads its own caseload list; Seamline links every row to the participant
register (exactly on identifiers, then probabilistically on names, date of birth and address)
and reports what does not agree: people unknown to the register, cases open in the register
but missing from the owner's list, people active with two providers on the same pathway,
cases nobody owns, outcomes missing and long waits. It is a Django app of its own (label
`reconciliation`) nested inside `seamline/cases/`, so that its tables and migrations never
collide with the cases app's while the code stays next to the register it reads. See
docs/adr/0011-record-linkage.md.
"""
