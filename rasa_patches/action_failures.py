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
from typing import Any, Callable, List

import aiohttp
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor

ORIGINAL: Callable[..., Any] = MessageProcessor._run_action  # noqa: SLF001 (the method that swallows the error)


class ActionServerUnreachable(RuntimeError):
    """The action server did not answer: this turn cannot be answered or saved."""


def unreachable(error: BaseException) -> bool:
    """True when the error (or what caused it) says the action server did not answer."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, (aiohttp.ClientConnectionError, asyncio.TimeoutError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def _run_action(self: MessageProcessor, action: Any, *args: Any, **kwargs: Any) -> bool:
    if not isinstance(action, RemoteAction):
        result: bool = await ORIGINAL(self, action, *args, **kwargs)
        return result
    failures: List[BaseException] = []
    run = action.run

    async def watched_run(*run_args: Any, **run_kwargs: Any) -> Any:
        try:
            return await run(*run_args, **run_kwargs)
        except Exception as error:
            if unreachable(error):
                failures.append(error)
            raise

    action.run = watched_run
    try:
        result = await ORIGINAL(self, action, *args, **kwargs)
    finally:
        action.run = run
    if failures:
        raise ActionServerUnreachable(f"le serveur d'actions ne répond pas ({action.name()})") from failures[0]
    return result


def apply() -> None:
    MessageProcessor._run_action = _run_action  # noqa: SLF001


def undo() -> None:
    MessageProcessor._run_action = ORIGINAL  # noqa: SLF001
