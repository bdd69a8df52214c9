"""Synthetic health and care systems, from a demo week to a national-scale benchmark.

- `seed.generate.RunSpec` / `seed.generate.generate(spec)`: the event batches of a run
  (deterministic for a seed), simulated day by day with finite downstream capacity.
- `seed.load.load_batches(database, batches, now_limit=...)`: bulk load through `ingest()`.
- `seed.commands.seed_database(url, spec)` and `seed.commands.load_demo(url)`: what the
  `d2a seed` and `d2a demo` commands do.
- `seed.trust_feed.TrustFeed` and `seed.trust_send`: for the demo, one trust's last 14 days as
  its PAS (HL7 v2 ADT, `seed.adt_messages`) and discharge hub (morning readiness lists) send
  them, through the feeds' own code.
- `seed.calibration.figures(...)`: the four national DRD figures of a loaded system.
"""
