"""HL7 v2 (ER7) plumbing: splitting a body into messages, reading fields, building ACKs."""
