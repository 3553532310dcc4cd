"""The ops and deploy scripts keep their promises (docs/security.md): the caller's environment wins over
.env, secrets stay out of `ps`, `make stop` stops the services, and the package installer never leaves
its policy-rc.d behind. Each script is run for real, in a temporary copy or with stand-in commands."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from teststack import free_port

REPO = Path(__file__).resolve().parents[2]


def bash(script: str, cwd: Path = REPO, env: dict[str, str] | None = None, timeout: float = 60) -> str:
    done = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_callers_environment_wins_over_dot_env(tmp_path: Path) -> None:
    (tmp_path / "ops").mkdir()
    shutil.copy(REPO / "ops" / "env.sh", tmp_path / "ops" / "env.sh")
    (tmp_path / ".env").write_text('RASA_PORT=7000\nexport RASA_CORS="https://site.example"\n# note\nMATTERMOST_URL=https://mm\n')
    env = {"PATH": os.environ["PATH"], "RASA_PORT": "6000"}
    out = bash('. ops/env.sh && printf "%s|%s|%s" "$RASA_PORT" "$RASA_CORS" "$MATTERMOST_URL"', cwd=tmp_path, env=env)
    assert out == "6000|https://site.example|https://mm"


def test_secrets_are_generated_private_and_cors_is_not_a_wildcard(tmp_path: Path) -> None:
    (tmp_path / "ops").mkdir()
    shutil.copy(REPO / "ops" / "env.sh", tmp_path / "ops" / "env.sh")
    out = bash('. ops/env.sh && printf "%s" "$RASA_CORS"', cwd=tmp_path, env={"PATH": os.environ["PATH"]})
    assert out == "http://localhost:8080"
    assert (tmp_path / ".secrets").stat().st_mode & 0o777 == 0o700
    for name in ("rasa_token", "tchap_callback_token"):
        assert (tmp_path / ".secrets" / name).stat().st_mode & 0o777 == 0o600, name


class SlowStart(BaseHTTPRequestHandler):
    """Refuses (503) for the first second, like a server still loading its model."""

    started = time.monotonic()

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200 if time.monotonic() - self.started > 1.5 else 503)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def commands_containing(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command and "pytest" not in command:
            found.append(command)
    return found


def test_waiting_for_rasa_never_shows_the_token_to_ps(tmp_path: Path) -> None:
    SlowStart.started = time.monotonic()
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowStart)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token = "jeton-" + os.urandom(8).hex()
    url = f"http://127.0.0.1:{server.server_address[1]}/status?token={token}"
    script = 'echo $$ > "$PIDFILE" && . ops/processes.sh && wait_http Rasa "$URL" /dev/null "$PIDFILE" 20'
    waiting = subprocess.Popen(["bash", "-c", script],
                               cwd=REPO, env={**os.environ, "URL": url, "PIDFILE": str(tmp_path / "server.pid")})
    seen: list[str] = []
    while waiting.poll() is None:
        seen += [command for command in commands_containing(token) if "wait_http" not in command]
        time.sleep(0.01)
    server.shutdown()
    assert waiting.returncode == 0
    assert seen == []


def test_make_stop_stops_the_services_of_make_run(tmp_path: Path) -> None:
    service = tmp_path / "dummy" / "serve.sh"
    service.parent.mkdir()
    service.write_text("sleep 600\n")
    state = tmp_path / "state"
    (state / "log").mkdir(parents=True)
    env = {**os.environ, "STATE_DIR": str(state), "RASA_PORT": str(free_port()), "ACTIONS_PORT": str(free_port())}
    bash(f'. ops/processes.sh && start_services "$STATE_DIR/log" {service}', env=env)
    pid = int((state / "log" / "dummy.pid").read_text())
    os.kill(pid, 0)
    assert (state / "log" / "dummy.log").stat().st_mode & 0o777 == 0o600
    try:
        subprocess.run(["make", "--no-print-directory", "stop"], cwd=REPO, env=env, check=True, timeout=60)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        raise AssertionError("the service is still running after make stop")
    finally:
        try:
            os.killpg(pid, 9)
        except ProcessLookupError:
            pass


def test_the_installer_removes_its_policy_rc_d_when_the_install_fails(tmp_path: Path) -> None:
    """Stand-in commands only: redis-server looks missing, apt-get update works and install fails."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "ls", "id", "tee", "chmod", "rm", "cat", "env", "grep", "dirname", "sed", "flock"):
        os.symlink(shutil.which(tool), bin_dir / tool)
    (bin_dir / "apt-get").write_text(
        '#!/bin/bash\nfor a; do [ "$a" = update ] && exit 0; done\necho "E: réseau coupé" >&2\nexit 100\n')
    (bin_dir / "apt-get").chmod(0o755)
    (bin_dir / "sudo").write_text('#!/bin/bash\nexec "$@"\n')
    (bin_dir / "sudo").chmod(0o755)
    policy = tmp_path / "policy-rc.d"
    (bin_dir / "dpkg-query").write_text("#!/bin/bash\nexit 1\n")  # nothing installed
    (bin_dir / "dpkg-query").chmod(0o755)
    done = subprocess.run([str(bin_dir / "bash"), str(REPO / "ops" / "install.sh"), "debian", "redis-server"],
                          env={"PATH": str(bin_dir), "POLICY_RC_D": str(policy)}, capture_output=True, text=True)
    assert done.returncode != 0 and "redis-server" in done.stdout
    assert not policy.exists(), "policy-rc.d left behind: the machine's services would never start again"


def test_parts_installing_debian_packages_at_once_run_apt_one_at_a_time(tmp_path: Path) -> None:
    """`make -j install`: two parts call the installer together; a second apt-get would find the lists
    locked and fail at once (seen on a fresh machine), so the installer waits for the first."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "id", "tee", "chmod", "rm", "cat", "env", "grep", "dirname", "sed", "flock", "mkdir",
                 "rmdir", "sleep"):
        os.symlink(shutil.which(tool), bin_dir / tool)
    apt_busy = tmp_path / "apt-busy"
    # The stand-in apt-get fails, like the real one on its lists lock, when another apt-get is running.
    (bin_dir / "apt-get").write_text(
        f'#!/bin/bash\nmkdir "{apt_busy}" 2>/dev/null || {{ echo "E: Could not get lock" >&2; exit 100; }}\n'
        f'sleep 0.3\nrmdir "{apt_busy}"\n')
    (bin_dir / "apt-get").chmod(0o755)
    (bin_dir / "dpkg-query").write_text("#!/bin/bash\nexit 1\n")  # nothing installed
    (bin_dir / "dpkg-query").chmod(0o755)
    env = {"PATH": str(bin_dir), "POLICY_RC_D": str(tmp_path / "policy-rc.d"), "TMPDIR": str(tmp_path)}
    installs = [subprocess.Popen([str(bin_dir / "bash"), str(REPO / "ops" / "install.sh"), "debian", package],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for package in ("redis-server", "nginx", "chromium")]
    results = [(install.wait(timeout=30), install.stderr.read()) for install in installs]
    assert results == [(0, ""), (0, ""), (0, "")]
