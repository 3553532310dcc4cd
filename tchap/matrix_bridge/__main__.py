"""Entry point: `python -m matrix_bridge` (run from tchap/, or with tchap/ on PYTHONPATH)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from .bridge import TchapBridge
from .config import ConfigError, load_config


async def _main() -> int:
    try:
        config = load_config()
        bridge = TchapBridge(config)
    except ConfigError as error:
        print(f"Configuration du pont Tchap invalide : {error}", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await bridge.run(stop)
    except ConfigError as error:
        print(f"Le pont Tchap ne peut pas démarrer : {error}", file=sys.stderr)
        return 2
    return 0


def main() -> None:
    os.umask(0o077)  # the store, the state files and the log are the bot's secrets
    logging.basicConfig(
        level=os.environ.get("TCHAP_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("nio").setLevel(logging.WARNING)
    logging.getLogger("nio.events").setLevel(logging.ERROR)  # e.g. room v12 create events without "creator"
    sys.exit(asyncio.run(_main()))


if __name__ == "__main__":
    main()
