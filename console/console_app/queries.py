"""Data access of the console's pages: every SQL statement on reviews, tags, annotations, inbox
dismissals and the audit log lives here, so the routes only call named functions.

The services keep their own tables' queries (takeover.py: takeovers, training.py: trainings,
security.py: users).
"""
import contextlib
import time
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .db import annotations, audit_log, dismissals, reviews, tags


def audit(engine: Engine, username: str, action: str, target: str = "", detail: str = "") -> None:
    """Append one line to the audit log (deleted when older than its retention period, by retention.py,
    which also removes the quote of a person's message from a line older than the conversations' period)."""
    with engine.begin() as conn:
        conn.execute(insert(audit_log).values(
            ts=time.time(), username=username, action=action, target=target[:255], detail=detail[:4000]))


def count_audit(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def audit_entries(engine: Engine, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
    """Audit log lines, most recent first."""
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).offset(offset).limit(limit))
        return [dict(r._mapping) for r in rows]


def reviews_and_tags(engine: Engine) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    """Reviewed conversations (sender_id → who and when) and each conversation's tags, sorted."""
    with engine.connect() as conn:
        reviewed = {r.sender_id: dict(r._mapping) for r in conn.execute(select(reviews))}
        tag_map: dict[str, list[str]] = {}
        for r in conn.execute(select(tags).order_by(tags.c.tag)):
            tag_map.setdefault(r.sender_id, []).append(r.tag)
    return reviewed, tag_map


def set_reviewed(engine: Engine, sender_id: str, username: str, reviewed: bool) -> None:
    """Mark a conversation reviewed by `username` now, or back to « à revoir »."""
    with engine.begin() as conn:
        conn.execute(delete(reviews).where(reviews.c.sender_id == sender_id))
        if reviewed:
            conn.execute(insert(reviews).values(sender_id=sender_id, reviewed_by=username, reviewed_at=time.time()))


def add_tag(engine: Engine, sender_id: str, tag: str, username: str) -> None:
    """Tag a conversation; a tag it already has is silently kept once."""
    with contextlib.suppress(IntegrityError), engine.begin() as conn:
        conn.execute(insert(tags).values(sender_id=sender_id, tag=tag, added_by=username, added_at=time.time()))


def remove_tag(engine: Engine, sender_id: str, tag: str) -> bool:
    """Take a tag off a conversation; False if it did not have it."""
    with engine.begin() as conn:
        return conn.execute(delete(tags).where(tags.c.sender_id == sender_id, tags.c.tag == tag)).rowcount > 0


def annotated_texts(engine: Engine) -> set[str]:
    """Normalized texts already turned into training examples from the inbox."""
    with engine.connect() as conn:
        return {r.normalized for r in conn.execute(select(annotations.c.normalized))}


def record_annotation(engine: Engine, text: str, normalized: str, intent: str, file: str, username: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(annotations).values(
            text=text[:2000], normalized=normalized[:600], intent=intent, file=file,
            annotated_by=username, annotated_at=time.time()))


def dismissed(engine: Engine) -> list[dict[str, Any]]:
    """Inbox entries set aside, most recent first."""
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(dismissals).order_by(dismissals.c.id.desc()))]


def dismiss(engine: Engine, text: str, normalized: str, username: str) -> None:
    """Set an inbox entry aside (all messages with the same normalized text); twice is once."""
    with contextlib.suppress(IntegrityError), engine.begin() as conn:
        conn.execute(insert(dismissals).values(normalized=normalized[:600], text=text[:2000],
                                               dismissed_by=username, dismissed_at=time.time()))


def restore(engine: Engine, normalized: str) -> bool:
    """Put a dismissed entry back in the inbox; False if it was not dismissed."""
    with engine.begin() as conn:
        return conn.execute(delete(dismissals).where(dismissals.c.normalized == normalized)).rowcount > 0
