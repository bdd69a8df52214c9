"""Feeds (SPEC §9): how hospital systems' messages become ordinary events.

Pure code, no database: `feeds.hl7v2` reads HL7 v2 ER7 messages and builds ACKs, `feeds.adt`
maps an ADT message to one event (the table of §9), `feeds.mllp` carries messages over MLLP.
"""
