"""Layout builders, one module per page; no callbacks here."""
