"""How long personal data is kept (RGPD, limitation of storage), and the job that enforces it.

    conversations (Rasa's `events` and their statistics index)   CONVERSATION_RETENTION_DAYS, default 30,
                                                                  refused above 183 (6 months)
    anonymous daily counts (stats_daily)                          25 months (STATS_RETENTION_MONTHS ≤ 25)
    the console's audit log                                       CONSOLE_AUDIT_RETENTION_DAYS, default 365,
                                                                  refused above 365

Rasa 3.6 has no purge of its own, and its SQL store only inserts the events of a conversation that
come after the ones it counts since the latest `session_started`. So the purge deletes either whole
conversations (no event within the period), or, in a conversation still in use, only the events
older than the period AND older than its latest session start: what Rasa counts never changes. It
works in batches of conversations, each one transaction, through the index on `events.timestamp`.

Before events go, their statistics index rows are added to the anonymous daily counts, so the
statistics keep counting them. The console's own rows about a deleted conversation (review, tags,
takeovers) go with it, and so do the inbox's annotation records and messages set aside older than the
period; the audit lines of that time that quote a message lose the quote (the line stays).

    python -m console_app.retention serve            the nightly job (started by console/retention.sh)
    python -m console_app.retention purge            one purge now, its report printed
    python -m console_app.retention erase ID --by N  erase one conversation (audited as N)
    python -m console_app.retention check            check the settings, print them
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, delete, exists, func, select, text, update
from sqlalchemy.engine import Connection, Engine

from . import stats_tables as t
from .db import annotations as annotation_records
from .db import audit_log, dismissals, reviews, tags, takeovers
from .queries import audit
from .stats_indexer import (
    NOT_TAKEN,
    TAKEN,
    WAITING,
    StatsIndexer,
    after_events_deleted,
    get_state,
    lock_index,
    refresh_conversations,
    set_state,
)

log = logging.getLogger("console.retention")

DEFAULT_CONVERSATION_DAYS = 30
MAX_CONVERSATION_DAYS = 183  # « refused above 6 months »
DEFAULT_AUDIT_DAYS = 365
MAX_AUDIT_DAYS = 365  # CNIL: logs kept 6 months to 1 year
MAX_AGGREGATE_MONTHS = 25
DEFAULT_PURGE_TIME = "03:30"
SENDERS_PER_BATCH = 500
LAST_PURGE = "last_purge"
RETENTION_USER = "rétention"


class RetentionConfigError(ValueError):
    """A setting out of bounds, in French, for the person who set it."""


def _int_setting(env: dict[str, str], name: str, default: int, low: int, high: int, why: str) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RetentionConfigError(f"{name}={raw!r} : un nombre entier est attendu.") from None
    if value < low or value > high:
        raise RetentionConfigError(f"{name}={value} refusé : entre {low} et {high} ({why}).")
    return value


@dataclass(frozen=True)
class RetentionPolicy:
    conversation_days: int = DEFAULT_CONVERSATION_DAYS
    audit_days: int = DEFAULT_AUDIT_DAYS
    aggregate_months: int = MAX_AGGREGATE_MONTHS
    purge_time: str = DEFAULT_PURGE_TIME
    timezone: str = "Europe/Paris"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "RetentionPolicy":
        env = dict(os.environ if env is None else env)
        purge_time = (env.get("RETENTION_PURGE_TIME") or DEFAULT_PURGE_TIME).strip()
        try:
            datetime.strptime(purge_time, "%H:%M")
        except ValueError:
            raise RetentionConfigError(
                f"RETENTION_PURGE_TIME={purge_time!r} : heure attendue au format HH:MM.") from None
        zone = (env.get("STATS_TIMEZONE") or "Europe/Paris").strip()
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise RetentionConfigError(f"STATS_TIMEZONE={zone!r} : fuseau horaire inconnu.") from None
        return cls(
            conversation_days=_int_setting(env, "CONVERSATION_RETENTION_DAYS", DEFAULT_CONVERSATION_DAYS, 1,
                                           MAX_CONVERSATION_DAYS, "au plus 6 mois"),
            audit_days=_int_setting(env, "CONSOLE_AUDIT_RETENTION_DAYS", DEFAULT_AUDIT_DAYS, 1, MAX_AUDIT_DAYS,
                                    "au plus un an"),
            aggregate_months=_int_setting(env, "STATS_RETENTION_MONTHS", MAX_AGGREGATE_MONTHS, 1,
                                          MAX_AGGREGATE_MONTHS, "au plus 25 mois"),
            purge_time=purge_time,
            timezone=zone,
        )

    def conversation_cutoff(self, now: float) -> float:
        return now - self.conversation_days * 86400

    def aggregate_first_day(self, now: float) -> str:
        """The oldest day whose counts are kept: same day of the month, aggregate_months earlier."""
        today = datetime.fromtimestamp(now, self.zone).date()
        months = today.year * 12 + today.month - 1 - self.aggregate_months
        year, month = divmod(months, 12)
        return _clamped_date(year, month + 1, today.day).isoformat()


def _clamped_date(year: int, month: int, day: int) -> date:
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


@dataclass
class PurgeReport:
    """What one purge did (counts only: it is logged and shown in the console)."""

    at: float = 0.0
    cutoff: float = 0.0
    conversations_deleted: int = 0
    conversations_trimmed: int = 0
    events_deleted: int = 0
    turns_rolled_up: int = 0
    console_rows_deleted: int = 0
    audit_rows_deleted: int = 0
    audit_quotes_removed: int = 0
    daily_rows_deleted: int = 0
    seconds: float = 0.0
    gone: list[str] = field(default_factory=list, repr=False)

    def summary(self) -> str:
        return (f"{self.conversations_deleted} conversation(s) supprimée(s), {self.conversations_trimmed} allégée(s) "
                f"de leurs sessions anciennes, {self.events_deleted} événement(s), {self.audit_rows_deleted} ligne(s) "
                f"du journal, {self.audit_quotes_removed} citation(s) de message retirée(s) du journal, "
                f"{self.daily_rows_deleted} compte(s) de plus de 25 mois ({self.seconds:.1f} s)")

    def as_json(self) -> str:
        data = asdict(self)
        data.pop("gone")
        return json.dumps(data)


# -- rolling the index up into anonymous counts -------------------------------------------------

def _add_counts(conn: Connection, counts: Counter[tuple[str, str, str, str]]) -> None:
    """stats_daily += counts, keyed by (day, metric, channel, key). Runs under the index lock.

    One read of the rows of those days, then one batch of updates and one of inserts."""
    if not counts:
        return
    days = sorted({day for day, _m, _c, _k in counts})
    existing: dict[tuple[str, str, str, str], int] = {}
    for chunk in _chunks(days):
        for r in conn.execute(select(t.daily.c.id, t.daily.c.day, t.daily.c.metric, t.daily.c.channel,
                                     t.daily.c.key).where(t.daily.c.day.in_(chunk))):
            existing[(r.day, r.metric, r.channel, r.key)] = r.id
    updates = [{"b_id": existing[k], "b_n": n} for k, n in counts.items() if k in existing]
    inserts = [{"day": k[0], "metric": k[1], "channel": k[2], "key": k[3], "count": n}
               for k, n in counts.items() if k not in existing]
    if updates:
        conn.execute(update(t.daily).where(t.daily.c.id == bindparam("b_id"))
                     .values(count=t.daily.c.count + bindparam("b_n")), updates)
    if inserts:
        conn.execute(t.daily.insert(), inserts)


def roll_up(conn: Connection, sender_ids: list[str]) -> int:
    """Move the index rows of these conversations whose event is gone into the daily counts."""
    orphan_turns = conn.execute(
        select(t.turns).where(t.turns.c.sender_id.in_(sender_ids), ~_event_exists(t.turns.c.event_id))).all()
    orphan_handoffs = conn.execute(
        select(t.handoffs).where(t.handoffs.c.sender_id.in_(sender_ids), ~_event_exists(t.handoffs.c.event_id))).all()
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for r in orphan_turns:
        counts[(r.day, "turns", r.channel, r.category)] += 1
        if r.opens_session:
            counts[(r.day, "sessions", r.channel, "")] += 1
        if r.category == "faq" and r.faq_key:
            counts[(r.day, "faq", r.channel, r.faq_key)] += 1
        if r.verdict:
            counts[(r.day, "verdict", r.channel, r.verdict)] += 1
    for r in orphan_handoffs:
        outcome = NOT_TAKEN if r.outcome == WAITING else r.outcome
        counts[(r.day, "handoff", r.channel, outcome)] += 1
        if outcome == TAKEN and r.wait is not None:
            counts[(r.day, "wait", r.channel, str(r.wait))] += 1
    _add_counts(conn, counts)
    turn_ids = [r.event_id for r in orphan_turns]
    handoff_ids = [r.event_id for r in orphan_handoffs]
    for chunk in _chunks(turn_ids):
        conn.execute(delete(t.turns).where(t.turns.c.event_id.in_(chunk)))
        conn.execute(delete(t.messages).where(t.messages.c.event_id.in_(chunk)))  # the people's words go too
    for chunk in _chunks(handoff_ids):
        conn.execute(delete(t.handoffs).where(t.handoffs.c.event_id.in_(chunk)))
    mine = t.senders.c.sender_id.in_(sender_ids)
    if turn_ids:
        conn.execute(update(t.senders).where(mine, t.senders.c.last_turn.in_(turn_ids)).values(last_turn=None))
    if handoff_ids:
        conn.execute(update(t.senders).where(mine, t.senders.c.open_handoff.in_(handoff_ids))
                     .values(open_handoff=None))
    refresh_conversations(conn, sender_ids)
    return len(turn_ids)


def _event_exists(event_id: Any) -> Any:
    return exists().where(t.events.c.id == event_id)


def _chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# -- purge -----------------------------------------------------------------------------------

# In conversations still in use: the events older than the cutoff AND older than the conversation's
# latest session start (Rasa never reads nor counts those again).
_PURGE_EVENTS = text("""
DELETE FROM events
WHERE sender_id IN :senders AND timestamp < :cutoff AND id <= :watermark
  AND timestamp < (SELECT max(start.timestamp) FROM events start
                   WHERE start.sender_id = events.sender_id AND start.type_name = 'session_started')
""").bindparams(bindparam("senders", expanding=True))


def _event_counts(conn: Connection, sender_ids: list[str]) -> dict[str, tuple[int, float]]:
    """Conversation → (number of events, time of the last one)."""
    rows = conn.execute(select(t.events.c.sender_id, func.count(), func.max(t.events.c.timestamp))
                        .where(t.events.c.sender_id.in_(sender_ids)).group_by(t.events.c.sender_id))
    return {r[0]: (int(r[1]), float(r[2] or 0)) for r in rows}


def _old_conversations(engine: Engine, cutoff: float) -> list[str]:
    """Ids of the conversations that have events older than the cutoff (through the timestamp index),
    oldest first: a batch then touches the daily counts of a few days only."""
    with engine.connect() as conn:
        rows = conn.execute(select(t.events.c.sender_id).where(t.events.c.timestamp < cutoff)
                            .group_by(t.events.c.sender_id).order_by(func.min(t.events.c.timestamp)))
        return [r.sender_id for r in rows]


def purge_tracker(engine: Engine, cutoff: float, report: PurgeReport, indexer: StatsIndexer) -> None:
    """Delete the conversation events older than the cutoff, a batch of conversations per transaction."""
    indexer.refresh(now=report.at)  # everything about to be deleted must be counted first
    for batch in _chunks(_old_conversations(engine, cutoff), SENDERS_PER_BATCH):
        with engine.begin() as conn:
            watermark = lock_index(conn)
            before = _event_counts(conn, batch)
            whole = [sender for sender, (_n, last) in before.items() if last < cutoff]
            in_use = [sender for sender in before if before[sender][1] >= cutoff]
            deleted = 0
            for chunk in _chunks(whole):  # nothing within the period: the whole conversation goes
                deleted += conn.execute(delete(t.events).where(t.events.c.sender_id.in_(chunk),
                                                               t.events.c.id <= watermark)).rowcount
            if in_use:
                deleted += conn.execute(_PURGE_EVENTS, {"senders": in_use, "cutoff": cutoff,
                                                        "watermark": watermark}).rowcount
            if not deleted:
                continue
            after_events_deleted(conn, watermark)
            report.events_deleted += deleted
            report.turns_rolled_up += roll_up(conn, batch)
            after = _event_counts(conn, batch)
            gone = [sender for sender in batch if sender not in after]
            for chunk in _chunks(gone):
                conn.execute(delete(t.senders).where(t.senders.c.sender_id.in_(chunk)))
            report.gone += gone
            report.conversations_deleted += len(gone)
            report.conversations_trimmed += sum(1 for s, (n, _last) in after.items() if n < before[s][0])


def forget_in_console(console_engine: Engine, sender_ids: list[str]) -> int:
    """The console's own rows about these conversations: review, tags, takeovers."""
    count = 0
    with console_engine.begin() as conn:
        for chunk in _chunks(sender_ids):
            for table in (reviews, tags, takeovers):
                count += conn.execute(delete(table).where(table.c.sender_id.in_(chunk))).rowcount
    return count


# Audit lines that quote what a person wrote (messages of the inbox set aside, brought back, or turned
# into a training example): the quote goes when the conversations of that time go; the line itself
# (who did what, when) stays for the audit log's own period.
QUOTING_ACTIONS = ("inbox_dismiss", "inbox_restore")
QUOTE_REMOVED = "(texte retiré : plus ancien que la durée de conservation des conversations)"


def remove_old_quotes(conn: Connection, cutoff: float) -> int:
    """Replace the quoted messages of the audit lines older than the cutoff; returns how many."""
    removed = conn.execute(update(audit_log).where(
        audit_log.c.action.in_(QUOTING_ACTIONS), audit_log.c.ts < cutoff, audit_log.c.target != QUOTE_REMOVED,
    ).values(target=QUOTE_REMOVED)).rowcount
    annotated = conn.execute(select(audit_log.c.id, audit_log.c.detail).where(
        audit_log.c.action == "annotation", audit_log.c.ts < cutoff,
        ~audit_log.c.detail.startswith(QUOTE_REMOVED))).all()
    for row in annotated:  # "<text> → <file>": the file the example went to stays
        where = (row.detail or "").rpartition(" → ")[2]
        conn.execute(update(audit_log).where(audit_log.c.id == row.id).values(detail=f"{QUOTE_REMOVED} → {where}"))
    return removed + len(annotated)


def purge(tracker_engine: Engine, console_engine: Engine, policy: RetentionPolicy, now: float | None = None,
          indexer: StatsIndexer | None = None, by: str = RETENTION_USER) -> PurgeReport:
    """The nightly purge (or one an admin asked for): conversations, the console's rows about them, old
    audit lines, old counts. Audited under the name `by`."""
    now = time.time() if now is None else now
    started = time.monotonic()
    report = PurgeReport(at=now, cutoff=policy.conversation_cutoff(now))
    indexer = indexer or StatsIndexer(tracker_engine, policy.zone)
    if t.ensure_schema(tracker_engine):
        purge_tracker(tracker_engine, report.cutoff, report, indexer)
        with tracker_engine.begin() as conn:
            lock_index(conn)
            report.daily_rows_deleted = conn.execute(
                delete(t.daily).where(t.daily.c.day < policy.aggregate_first_day(now))).rowcount
    report.console_rows_deleted = forget_in_console(console_engine, report.gone)
    with console_engine.begin() as conn:
        # The record of a message turned into a training example: its message is gone by now.
        report.console_rows_deleted += conn.execute(
            delete(annotation_records).where(annotation_records.c.annotated_at < report.cutoff)).rowcount
        # The inbox's messages set aside keep their text: they go with the conversations of their time.
        report.console_rows_deleted += conn.execute(
            delete(dismissals).where(dismissals.c.dismissed_at < report.cutoff)).rowcount
        report.audit_quotes_removed = remove_old_quotes(conn, report.cutoff)
        report.audit_rows_deleted = conn.execute(
            delete(audit_log).where(audit_log.c.ts < now - policy.audit_days * 86400)).rowcount
    report.seconds = time.monotonic() - started
    if t.events_table_exists(tracker_engine):
        with tracker_engine.begin() as conn:
            lock_index(conn)
            set_state(conn, LAST_PURGE, report.as_json())
    audit(console_engine, by, "purge", "", report.summary())
    log.info("Purge des données de plus de %d jours : %s", policy.conversation_days, report.summary())
    return report


def last_purge(tracker_engine: Engine) -> dict[str, Any] | None:
    if not t.ensure_schema(tracker_engine):
        return None
    with tracker_engine.connect() as conn:
        raw = get_state(conn, LAST_PURGE)
    return json.loads(raw) if raw else None


# -- erasure of one conversation -----------------------------------------------------------------

def erase_conversation(tracker_engine: Engine, console_engine: Engine, sender_id: str, by: str,
                       indexer: StatsIndexer | None = None) -> int:
    """Delete every event of one conversation, now (right to erasure), and audit it.

    Its statistics become anonymous counts first. Returns the number of events deleted (0: unknown id).
    """
    deleted = 0
    if t.ensure_schema(tracker_engine):
        (indexer or StatsIndexer(tracker_engine)).refresh()
        with tracker_engine.begin() as conn:
            watermark = lock_index(conn)
            deleted = conn.execute(delete(t.events).where(t.events.c.sender_id == sender_id)).rowcount
            after_events_deleted(conn, watermark)
            roll_up(conn, [sender_id])
            conn.execute(delete(t.senders).where(t.senders.c.sender_id == sender_id))
    forget_in_console(console_engine, [sender_id])
    if deleted:
        audit(console_engine, by, "erase", sender_id, f"{deleted} événement(s) effacé(s)")
    return deleted


# -- the nightly job -------------------------------------------------------------------------

def next_purge_at(policy: RetentionPolicy, now: float) -> float:
    """The next time of day RETENTION_PURGE_TIME (local time) after `now`."""
    zone = policy.zone
    hour, minute = (int(x) for x in policy.purge_time.split(":"))
    local = datetime.fromtimestamp(now, zone)
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate.timestamp() <= now:
        candidate = (local + timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return candidate.timestamp()


def purge_is_due(tracker_engine: Engine, now: float) -> bool:
    """No purge in the last 24 hours (first start, or the machine was off at purge time)."""
    last = last_purge(tracker_engine)
    return last is None or now - float(last.get("at") or 0) >= 86400


def serve(tracker_engine: Engine, console_engine: Engine, policy: RetentionPolicy,
          refresh_seconds: float = 300.0) -> None:
    """Run for ever: index the statistics every few minutes, purge every night (and at start if due).

    A store that does not answer (PostgreSQL restarting…) is tried again at the next beat: the job
    never stops on it, or nothing would be purged any more."""
    indexer = StatsIndexer(tracker_engine, policy.zone)
    log.info("Conservation : conversations %d jours, journal de la console %d jours, comptes anonymes %d mois ; "
             "purge chaque nuit à %s (%s).", policy.conversation_days, policy.audit_days, policy.aggregate_months,
             policy.purge_time, policy.timezone)
    next_purge: float | None = None  # known once the tracker store has answered
    while True:
        pause = refresh_seconds
        try:
            if next_purge is None:
                now = time.time()
                next_purge = now if purge_is_due(tracker_engine, now) else next_purge_at(policy, now)
            if time.time() >= next_purge:
                purge(tracker_engine, console_engine, policy, indexer=indexer)
                next_purge = next_purge_at(policy, time.time())
            else:
                indexer.refresh()
            pause = min(refresh_seconds, next_purge - time.time())
        except Exception:  # noqa: BLE001 - the database may be restarting: try again at the next beat
            log.exception("Tâche de conservation : échec, nouvel essai dans %.0f s.", refresh_seconds)
        time.sleep(max(1.0, pause))


def main(argv: list[str] | None = None) -> int:
    from .db import make_engine
    from .settings import Settings
    from .tracker import make_tracker_engine

    parser = argparse.ArgumentParser(prog="python -m console_app.retention",
                                     description="Conservation des données personnelles (RGPD)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="tâche de fond : statistiques toutes les 5 minutes, purge chaque nuit")
    sub.add_parser("purge", help="purger maintenant")
    sub.add_parser("check", help="vérifier et afficher les durées de conservation")
    erase = sub.add_parser("erase", help="effacer une conversation (droit à l'effacement)")
    erase.add_argument("sender_id")
    erase.add_argument("--by", required=True, help="qui efface (inscrit au journal)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        policy = RetentionPolicy.from_env()
    except RetentionConfigError as error:
        print(f"ERREUR de configuration de la conservation des données : {error}", file=sys.stderr)
        return 2
    if args.command == "check":
        print(f"Conversations : {policy.conversation_days} jours ; journal de la console : {policy.audit_days} "
              f"jours ; comptes anonymes : {policy.aggregate_months} mois ; purge à {policy.purge_time} "
              f"({policy.timezone}).")
        return 0
    settings = Settings.from_env()
    tracker_engine = make_tracker_engine(settings.tracker_url)
    console_engine = make_engine(settings.console_db_url)
    if args.command == "serve":
        serve(tracker_engine, console_engine, policy)
    elif args.command == "purge":
        print(purge(tracker_engine, console_engine, policy).summary())
    elif args.command == "erase":
        deleted = erase_conversation(tracker_engine, console_engine, args.sender_id, args.by)
        if not deleted:
            print(f"Aucune conversation « {args.sender_id} ».", file=sys.stderr)
            return 1
        print(f"Conversation « {args.sender_id} » effacée ({deleted} événements).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
