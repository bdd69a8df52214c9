"""Request dependencies: the Database made at start-up."""

from typing import Annotated

from fastapi import Depends, Request

from api.errors import ApiError
from store.database import Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


def json_body(request: Request) -> None:
    """A body sent as anything but JSON (application/json, or a type ending in +json) is a 415,
    before it is read. Declared after the token's check, so a caller without one gets a 401."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise ApiError(415, "send the body as application/json", field="Content-Type")


JsonBody = Annotated[None, Depends(json_body)]
