"""Request dependencies: the Database made at start-up."""

from typing import Annotated

from fastapi import Depends, Request

from store.database import Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]
