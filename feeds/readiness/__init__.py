"""The discharge hub's readiness list (SPEC §9): `sheet` reads CSV or XLSX into numbered rows,
`rows` checks them, `position` reads the organisation's open acute stays at `as_of`, `plan`
turns the list and the position into events, changes and warnings, and `receive` runs it all
through the ledger (or only its checks, on a dry run) and keeps the list's outcome."""
