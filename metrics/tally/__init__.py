"""Figure tallies: what a figure reads, counted per local day ahead of the question.

A *source* is one grouped read a metric makes of the derived tables, such as "acute ready
spans arriving and leaving per day, by pathway" or "acute discharges per day, by pathway and
delay". Its rows are each counted on one local day, so the answer for a period is the rows of
its days. A refresh (`refresh`, run by `d2a serve` in the background and by `d2a tally`) stores
those rows per day in figure_tally; a year's figure then reads a few thousand tallied rows
instead of every stay, and costs the same whatever the number of stays.

The tally never decides a figure on its own: each read takes tallied days only up to the
source's *cut*, the first day a write since the last refresh may have changed. Every ingest
records the earliest local day its batch touches (a void: the earlier of its own and its
target's day; SPEC §4: a past figure changes only when events for its date arrive or are
voided), so days before the cut equal what the derived tables give now, and days from the cut
on are read from the derived tables as before. A source whose day can be changed by a later
event (a readmission within 29 days) takes its cut that many days earlier. Which reads are
tallied is the caller's choice: every figure by every breakdown, system-wide and for one
organisation (from a source with an organisation column, kept in `part` so those rows are
read alone, or those of a few organisations). A tally keyed by organisation serves the
system-wide figures by unit and by organisation too, when they are sums over organisations.

Census sources are arrivals (+n) and departures (−n) per day; a census over a period sums them
from the start, so tallied days before the start count on the start, and where the read
changes from tallied to derived days, the tallied sum is taken back out (the derived read
carries everyone in at the cut on its own). A census row's origin (the readiness date that
days ready count from, by band) is kept exactly for 21 days: after that every band is passed,
so an older origin is stored as day − 21 and the tally stays a few rows per day. Stranded
figures keep no origin: their rows arrive on the day their length of stay reaches the
threshold (metrics.census.stranded_stays), so each threshold is a census of its own.

A flow figure by week, month or in total that only sums whole numbers over its days
(Metric.summed_spans: discharges, delays, readmissions, lengths, readiness starts, bed days
saved, counted per period from whole numbers) reads its tallied days summed per *span* by the
database: a span is a period's days, split again on any day an organisation's figures begin
(metrics.data_start), so each group has figures on all of a span's days or on none. The weekend
ratio, which sums its weekend days apart from its weekdays, reads spans split again on every
Saturday and Monday (each span of one kind of day, so never a whole week's row, but often a
whole half-week's: see below). The sums are
counted on the span's first day, and the period's sum is the same whole number its days give,
in a row per span and key instead of per day and key. A flow's whole weeks (Monday to Sunday)
are also kept summed per part and key, on the Monday, under the source's name + WEEK: a refresh
writes them in the transaction that writes their days, from the week holding the first day it
recounts, for every week ending before its last day. A span read that way takes each whole week
inside it (and before the cut) from its week row and the other days one by one: a year by unit
and by week reads a row per week and key, however many days of the week the key has rows on.
The weeks of a flow a weekend ratio reads (Tallied.weekends) are kept in halves too, under its
name + HALVES: weekdays summed on the Monday, weekend on the Saturday (its week rows are summed
from them); a span that is one such half (of a week ending before the cut) reads its row, so a
year's weekend ratio by unit reads two rows per week and key.

A census figure by week, month or in total (Metric.summed_spans, not by band) is likewise read
as sums per span and key (metrics.tally.census_sums): per span, the database sums the moves and
the moves weighted by their day, from which each span's census-days follow exactly, so a year
by unit reads a row per unit and span instead of one per unit and day.
"""

from metrics.tally.reading import (
    HALVES,
    VERSION,
    WEEK,
    Tallied,
    changed_from,
    half_rows,
    read,
    week_rows,
)
from metrics.tally.refreshing import Refreshed, Refresher, forget, refresh

__all__ = [
    "HALVES",
    "VERSION",
    "WEEK",
    "Refreshed",
    "Refresher",
    "Tallied",
    "changed_from",
    "forget",
    "read",
    "refresh",
    "half_rows",
    "week_rows",
]
