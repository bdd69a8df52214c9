"""Bulk reads and deletes by a list of ids (store.dialect.bulk), on both databases: ids with any
character a sender may use are found and deleted exactly, none other."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, select

from store.database import Database
from store.dialect.bulk import delete_where_in, select_where_in, text_array
from store.dialect.locks import lock_keys

AWKWARD = ['a"b', "c\\d", "e,f", "{g}", " h ", "NULL", "é", "", "i'j", 'k\\"l']


def test_ids_of_every_character_are_found_and_deleted_exactly(db: Database) -> None:
    metadata = MetaData()
    table = Table("bulk_ids", metadata, Column("id", String(40), primary_key=True))
    metadata.create_all(db.write_engine)
    plain = [f"p{i}" for i in range(50)]
    try:
        with db.session(write=True) as session:
            session.execute(table.insert(), [{"id": v} for v in [*AWKWARD, *plain]])
        with db.session(write=True) as session:
            lock_keys(session, AWKWARD)  # the patients' locks take the same ids
            found = select_where_in(session, table, "id", [*AWKWARD, "absent", "NUL"])
            assert sorted(r["id"] for r in found) == sorted(AWKWARD)
            deleted = delete_where_in(session, table, "id", AWKWARD[:5], returning="id")
            assert deleted == set(AWKWARD[:5])
        with db.session() as session:
            left = set(session.execute(select(table.c.id)).scalars())
        assert left == {*AWKWARD[5:], *plain}
    finally:
        metadata.drop_all(db.write_engine)


def test_a_text_array_literal_quotes_every_element() -> None:
    assert text_array(['a"b', "c\\d", "e,f"]) == '{"a\\"b","c\\\\d","e,f"}'
    assert text_array([]) == "{}"
