"""A turn fails, instead of going on without its action, when the action server cannot be reached (it is
restarting after a crash): issue 22, docs/reliability.md.

Rasa 3.6 logs a custom action it could not run (« Bot will continue, but the actions events are lost »)
and goes on: the turn is saved with the person's message and no answer, and the person gets an empty
reply, a silent nothing. In the scope check, the form's validation is lost and the next message is read
against the wrong question. `make chaos` saw it after `kill -9` of the action server under load: empty
replies, and the unanswered message stored.

With this fix, when a custom action fails because the action server did not answer (connection refused or
lost, time-out), Rasa's own handling runs as before (it logs the error), then the turn is failed: nothing
of it is saved, the channel shows « Le service redémarre, réessayez dans un instant. » (channels/rest.py,
channels/socketio.py), and the same message sent again once the server is back (the supervision restarts
it within seconds) is answered as if nothing had happened. An action that answers with an error of its own
is left to Rasa's handling.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Any, Callable, List, Optional

import aiohttp
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor

ORIGINAL: Callable[..., Any] = MessageProcessor._run_action  # noqa: SLF001 (the method that swallows the error)
ORIGINAL_REMOTE_RUN: Callable[..., Any] = RemoteAction.run
# The action-server failures seen by the action being run (in this task: the turn's own context).
_FAILURES: ContextVar[Optional[List[BaseException]]] = ContextVar("action_server_failures", default=None)


class ActionServerUnreachable(RuntimeError):
    """The action server did not answer: this turn cannot be answered or saved."""


def unreachable(error: BaseException) -> bool:
    """True when the error (or what caused it) says the action server did not answer."""
    seen: Optional[BaseException] = error
    while seen is not None:
        if isinstance(seen, (aiohttp.ClientConnectionError, asyncio.TimeoutError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def remote_run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    """RemoteAction.run, noting an unreachable action server for the action being run. Every call to the
    action server goes through it: custom actions, and the forms' validation actions called by Rasa's
    FormAction (whose errors Rasa swallows too)."""
    try:
        return await ORIGINAL_REMOTE_RUN(self, *args, **kwargs)
    except Exception as error:
        failures = _FAILURES.get()
        if failures is not None and unreachable(error):
            failures.append(error)
        raise


async def _run_action(self: MessageProcessor, action: Any, *args: Any, **kwargs: Any) -> bool:
    """Rasa's _run_action; then, if the action server did not answer during it, the turn fails."""
    failures: List[BaseException] = []
    token = _FAILURES.set(failures)
    try:
        result: bool = await ORIGINAL(self, action, *args, **kwargs)
    finally:
        _FAILURES.reset(token)
    if failures:
        raise ActionServerUnreachable(f"le serveur d'actions ne répond pas ({action.name()})") from failures[0]
    return result


def apply() -> None:
    MessageProcessor._run_action = _run_action  # noqa: SLF001
    RemoteAction.run = remote_run


def undo() -> None:
    MessageProcessor._run_action = ORIGINAL  # noqa: SLF001
    RemoteAction.run = ORIGINAL_REMOTE_RUN
