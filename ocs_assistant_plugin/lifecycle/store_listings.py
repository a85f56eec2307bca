"""What the plugin remembers between two reads of an assistant's files in OpenAI.

:func:`known_files` gives the gateway what is already known (:class:`~.remote.base.KnownFiles`):
the filenames of the local rows, so that a file present on both sides is never looked up, and
the page cursors of the store's last full listing (:class:`~.models.VectorStoreListing`), so that
every page is asked for at once. :func:`remember_listing` records a new listing's cursors after
a read (sync check, pull, push, import); it writes only when they changed, so a store that stays
in sync costs one primary-key read per check and no write.

The row joins the caller's transaction (the host's, from the edit hook); the plugin's own routes
and commands commit it.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..models import Assistant, VectorStoreListing, utcnow
from ..remote.base import STORE_FILES_PAGE, KnownFiles, StoreListing

_UPSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


#: ``remembered`` not given: read the row.
_READ = object()


def known_files(session, assistant: Assistant, remembered=_READ, files=None) -> KnownFiles:
    """The local filenames of ``assistant`` and its store's remembered page cursors
    (``remembered``: the store's row as :func:`remembered_listings` read it, to spare the
    query; ``files``: the assistant's file rows, if read apart from it)."""
    filenames = {f.openai_id: f.filename for f in (assistant.files if files is None else files)}
    cursors: tuple[str, ...] = ()
    if assistant.vector_store_id:
        row = (_remembered(session, assistant.vector_store_id) if remembered is _READ
               else remembered)
        if row is not None and row.page_size == STORE_FILES_PAGE:
            cursors = tuple(row.page_cursors)
    return KnownFiles(filenames=filenames, store_page_cursors=cursors)


def remembered_listings(session, vector_store_ids) -> dict:
    """``{store id: row}`` of the stores whose listing is remembered, in one query (the bulk
    audit reads them for many assistants at once)."""
    ids = sorted({i for i in vector_store_ids if i})
    if not ids:
        return {}
    return {row.vector_store_id: row for row in session.execute(
        sa.select(VectorStoreListing.vector_store_id, *_COLUMNS)
        .where(VectorStoreListing.vector_store_id.in_(ids)))}


def remember_listing(session, listing: StoreListing | None, remembered=_READ) -> bool:
    """Record ``listing``'s page cursors unless they are already the ones remembered
    (``remembered``: the row as read before, or None; by default it is read now); returns
    whether a row was written. Two checks of the same store at once both succeed (an upsert)."""
    if listing is None:
        return False
    cursors = list(listing.page_cursors)
    row = _remembered(session, listing.vector_store_id) if remembered is _READ else remembered
    if (row is not None and row.page_size == STORE_FILES_PAGE and row.page_cursors == cursors
            and row.file_count == len(listing.file_ids)):
        return False
    values = {"vector_store_id": listing.vector_store_id, "page_size": STORE_FILES_PAGE,
              "file_count": len(listing.file_ids), "page_cursors": cursors,
              "listed_at": utcnow()}
    upsert = _UPSERTS.get(session.get_bind(mapper=VectorStoreListing).dialect.name)
    if upsert is None:  # another database: the ORM's merge (a rare race may then conflict)
        session.merge(VectorStoreListing(**values))
        return True
    statement = upsert(VectorStoreListing).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=[VectorStoreListing.vector_store_id],
        set_={name: statement.excluded[name] for name in values if name != "vector_store_id"}))
    return True


def _remembered(session, vector_store_id: str):
    """The remembered row's columns (a plain row, not an ORM object, so an upsert never leaves
    a stale object in the session), or None."""
    return session.execute(
        sa.select(*_COLUMNS).where(VectorStoreListing.vector_store_id == vector_store_id)).first()


_COLUMNS = (VectorStoreListing.page_size, VectorStoreListing.file_count,
            VectorStoreListing.page_cursors)
