"""Static server of the web chat page (Python standard library only).

Serves webchat/build/ (made by webchat/install.sh) and fills in the Rasa socket.io URL:
the HTML pages get it in place of {{SOCKET_URL}} and /embed-config.js calls the widget's init().
Every response carries a strict Content-Security-Policy: only this server's scripts run, and the
page may only connect to itself and to the Rasa server.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sys
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

BUILD_DIR = Path(__file__).resolve().parent / "build"
PLACEHOLDER = "{{SOCKET_URL}}"
# The page tells people how long their messages are kept: the period the purge job enforces
# (CONVERSATION_RETENTION_DAYS, console/console_app/retention.py: default 30, at most 183).
RETENTION_PLACEHOLDER = "{{RETENTION_DAYS}}"
MAX_RETENTION_DAYS = 183


def retention_days(env: dict[str, str]) -> int:
    """The conversations' retention period in days, or ValueError (the purge job refuses it too)."""
    raw = (env.get("CONVERSATION_RETENTION_DAYS") or "30").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_RETENTION_DAYS:
        raise ValueError(f"CONVERSATION_RETENTION_DAYS={raw!r} : un nombre de jours entre 1 et {MAX_RETENTION_DAYS}")
    return int(raw)


def validated_socket_url(url: str) -> str:
    """Return the URL without a trailing slash, or raise ValueError unless it is plain http(s)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"URL du serveur Rasa invalide : {url!r} (attendu : http://hôte:port)")
    return url.strip().rstrip("/")


def content_security_policy(socket_url: str, sheets_url: str = "") -> str:
    """Allow scripts, styles and fonts from this server only, and connections to Rasa (http and ws) and to the
    orientation sheet's door (sheets/; the same origin as Rasa behind nginx in production)."""
    parts = urlsplit(socket_url)
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    origin = f"{parts.scheme}://{parts.netloc}"
    if sheets_url:
        sheets = urlsplit(sheets_url)
        if f"{sheets.scheme}://{sheets.netloc}" != origin:
            origin += f" {sheets.scheme}://{sheets.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; font-src 'self'; "
        "img-src 'self' data:; "
        f"connect-src 'self' {origin} {ws_scheme}://{parts.netloc}; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
    )


class WebchatHandler(SimpleHTTPRequestHandler):
    """Static files from build/, with the socket URL filled in and security headers."""

    socket_url = "http://localhost:5005"
    sheets_url = ""
    retention_days = 30

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", content_security_policy(self.socket_url, self.sheets_url))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "same-origin")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = urlsplit(self.path).path
        if path == "/embed-config.js":
            self.send_text(embed_config(self.socket_url), "text/javascript; charset=utf-8")
            return
        if path == "/" or path.endswith(".html"):
            self.send_page(path)
            return
        super().do_GET()

    def send_page(self, path: str) -> None:
        """Send an HTML page of build/ with the socket URL written in (HTML-escaped)."""
        relative = "index.html" if path == "/" else path.lstrip("/")
        page = (BUILD_DIR / relative).resolve()
        if BUILD_DIR not in page.parents or not page.is_file():
            self.send_error(HTTPStatus.NOT_FOUND, "Page introuvable")
            return
        text = page.read_text(encoding="utf-8").replace(PLACEHOLDER, html.escape(self.socket_url, quote=True))
        text = text.replace(RETENTION_PLACEHOLDER, str(self.retention_days))
        self.send_text(text, "text/html; charset=utf-8")

    def send_text(self, text: str, content_type: str) -> None:
        body = text.encode("utf-8")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def list_directory(self, path):  # noqa: ANN001 (signature of the base class)
        """No directory listings."""
        self.send_error(HTTPStatus.NOT_FOUND, "Page introuvable")
        return None


def embed_config(socket_url: str) -> str:
    """The script that embed-example.html uses to start the widget through its JavaScript API."""
    return f"window.CloudAuCentreWidget.init({{ socketUrl: {json.dumps(socket_url)} }});\n"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Sert la page du widget « Cloud au centre ».")
    parser.add_argument("--host", default=os.environ.get("WEBCHAT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEBCHAT_PORT", "8080")))
    parser.add_argument(
        "--socket-url",
        default=os.environ.get("WEBCHAT_SOCKET_URL") or os.environ.get("RASA_URL") or "http://localhost:5005",
        help="URL publique du serveur Rasa (canal socketio), vue depuis le navigateur",
    )
    parser.add_argument(
        "--sheets-url",
        default=os.environ.get("WEBCHAT_SHEETS_URL") or os.environ.get("SHEETS_PUBLIC_URL") or "",
        help="URL publique du service des fiches d'orientation (sheets/), si elle diffère de celle de Rasa",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        socket_url = validated_socket_url(args.socket_url)
        sheets_url = validated_socket_url(args.sheets_url) if args.sheets_url else ""
        days = retention_days(dict(os.environ))
    except ValueError as error:
        print(f"ERREUR : {error}", file=sys.stderr)
        return 2
    if not (BUILD_DIR / "index.html").is_file():
        print("ERREUR : la page n'est pas construite ; lancez webchat/install.sh.", file=sys.stderr)
        return 1
    handler = partial(type("Handler", (WebchatHandler,), {"socket_url": socket_url, "sheets_url": sheets_url,
                                                        "retention_days": days}),
                      directory=str(BUILD_DIR))
    server = ThreadingHTTPServer((args.host, args.port), handler)
    server.daemon_threads = True
    print(f"Page du widget : http://{args.host}:{args.port}/ (Rasa : {socket_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
