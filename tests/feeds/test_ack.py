"""ACKs: header echoed and re-encoded, MSA with their MSH-10, ERR fields at v2.5 positions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import hl7

from feeds.hl7v2 import fields
from feeds.hl7v2.ack import build_ack, escape
from feeds.hl7v2.er7 import Message
from feeds.hl7v2.messages import split_messages
from feeds.hl7v2.problems import FieldProblem
from tests.feeds.builders import adt

NOW = datetime(2025, 7, 1, 10, 1, 2, tzinfo=timezone(timedelta(hours=1)))


def ack_of(text: str, refusal: FieldProblem | None = None, **kw: str) -> hl7.Message:
    [received] = split_messages(text)
    ack = build_ack(received, refusal, now=NOW, facility="ICB-X", control_id="ACK1", **kw)
    assert "\n" not in ack and ack.count("\r") == (1 if refusal is None else 2)
    return hl7.parse(ack)


def test_an_accepted_message_gets_msh_and_msa_aa() -> None:
    ack = ack_of(adt("A01", control="MSG-7"))
    assert str(ack.segment("MSH")) == (
        "MSH|^~\\&|D2AFLOW|ICB-X|PAS|RXX01|20250701090102+0000||ACK^A01^ACK|ACK1|P|2.5"
    )
    assert str(ack.segment("MSA")) == "MSA|AA|MSG-7"


def test_a_refusal_gets_msa_ae_and_err_at_the_v25_positions() -> None:
    ack = ack_of(adt("A02"), FieldProblem("PV1^1^3", "PV1-3.1 point of care 'X' is unknown"))
    err = ack.segment("ERR")
    assert str(ack.segment("MSA")) == "MSA|AE|MSG0001"
    assert str(err(1)) == ""  # ERR-1, backward compatibility only
    assert str(err(2)) == "PV1^1^3"  # ERR-2 error location (ERL)
    assert str(err(3)) == "207^Application internal error^HL70357"  # ERR-3 HL7 error code
    assert str(err(4)) == "E"  # ERR-4 severity
    assert str(err(7)) == "PV1-3.1 point of care 'X' is unknown"  # ERR-7 diagnostic information


def test_delimiters_in_a_reason_are_escaped() -> None:
    reason = "a|b^c&d~e\\f\rg"
    assert escape(reason) == "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f g"
    ack = ack_of(adt(), FieldProblem("MSH^1^10", reason))
    assert fields.value(Message(str(ack)), "ERR", 7) == "a|b^c&d~e\\f g"
    assert ack.unescape(str(ack.segment("ERR")(7))) == "a|b^c&d~e\\f g"


def test_their_header_is_re_encoded_with_our_delimiters() -> None:
    text = adt().replace("MSH|^~\\&|PAS|RXX01|", "MSH|!~\\&|PAS!A^B|RXX01!1.2.3!ISO|")
    msh = ack_of(text).segment("MSH")
    assert str(msh(5)) == "PAS^A\\S\\B" and str(msh(6)) == "RXX01^1.2.3^ISO"


def test_version_and_processing_id() -> None:
    assert str(ack_of(adt(version="2.3")).segment("MSH")(12)) == "2.3"
    assert str(ack_of(adt(version="")).segment("MSH")(12)) == "2.5"
    training = adt().replace("|P|2.5", "|T|2.5")
    assert str(ack_of(training).segment("MSH")(11)) == "T"


def test_a_message_that_cannot_be_parsed_still_gets_an_ack() -> None:
    [received] = split_messages("PID|1||X")
    assert received.problem is not None
    ack = hl7.parse(build_ack(received, received.problem, now=NOW, facility="F"))
    assert str(ack.segment("MSA")) == "MSA|AE|"
    assert str(ack.segment("MSH")(9)) == "ACK"
    assert str(ack.segment("ERR")(2)) == "MSH^1"


def test_a_naive_now_is_utc_and_a_control_id_is_made() -> None:
    [received] = split_messages(adt())
    ack = hl7.parse(build_ack(received, None, now=datetime(2025, 1, 2, 3, 4, 5), facility="F"))
    msh = ack.segment("MSH")
    assert str(msh(7)) == "20250102030405+0000"
    assert 1 <= len(str(msh(10))) <= 20
