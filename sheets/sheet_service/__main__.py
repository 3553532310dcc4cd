"""`python -m sheet_service` serves the sheets (SHEETS_HOST, SHEETS_PORT); `… pdf RECORD.json OUT.pdf` builds
one from a verdict record (to look at it, or for the README's picture)."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from aiohttp import web


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    if argv[:1] == ["pdf"] and len(argv) == 3:
        from .content import build_sheet
        from .render import sheet_pdf
        from .server import retention_days

        record = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        Path(argv[2]).write_bytes(sheet_pdf(build_sheet(record, retention_days(dict(os.environ)))))
        return 0
    from .server import create_app

    try:
        app = create_app()
    except ValueError as error:
        print(f"ERREUR : {error}", file=sys.stderr)
        return 2
    host = os.environ.get("SHEETS_HOST", "127.0.0.1")
    port = int(os.environ.get("SHEETS_PORT", "5057"))
    print(f"Fiches d'orientation : http://{host}:{port}/fiches/<référence>", flush=True)
    web.run_app(app, host=host, port=port, access_log=None, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
