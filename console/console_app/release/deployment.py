"""Put a model in service through the profile's deploy command, never by loading it into the running Rasa.

`PUT /model` loads the model inside Rasa's own event loop (every request waits) and keeps the old
model's memory; in the production profile it reaches one instance only. The deploy command starts a new
Rasa process with the model, waits until it is ready, then stops the old one, instance by instance:

- default profile (`make run`): `ops/stack.sh deploy STATE_DIR MODEL` (the new process takes over the
  port, rasa_patches/shared_port.py);
- production profile (`make run-prod`): `deploy/prod.sh deploy MODEL` (each instance replaced behind
  nginx).

The console appends the model's path to CONSOLE_DEPLOY_COMMAND (docs/console.md) and runs it; a
failure leaves the model in service and its reason (end of the command's output) is shown.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

from ..settings import Settings

DEPLOY_TIMEOUT = 1800.0  # seconds: a model load on a busy machine (10 min at most) for each of two instances


class DeployError(RuntimeError):
    """The model could not be put in service (French message, with the end of the command's output)."""


def last_lines(text: str, lines: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


class Deployer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def command(self, model_file: Path) -> list[str]:
        return [*self.settings.deploy_command, str(model_file)]

    async def deploy(self, model_file: Path, log_file: Path, timeout: float = DEPLOY_TIMEOUT) -> None:
        """Run the deploy command for MODEL_FILE, its output appended to LOG_FILE; raise DeployError on failure."""
        log_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            process = await asyncio.create_subprocess_exec(
                *self.command(model_file), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL, cwd=str(self.settings.project_dir))
        except OSError as exc:
            raise DeployError(f"Impossible de lancer la mise en service : {exc}") from exc
        try:
            output, _ = await asyncio.wait_for(process.communicate(), timeout)
        except asyncio.TimeoutError as exc:
            process.terminate()  # the deploy scripts then stop the process they were starting
            try:
                await asyncio.wait_for(process.wait(), 60)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()
            raise DeployError(f"La mise en service n'a pas abouti en {timeout:.0f} s ; "
                              "le modèle en service n'a pas changé.") from exc
        text = output.decode("utf-8", errors="replace")
        with log_file.open("a", encoding="utf-8") as log:
            log.write(f"\n--- mise en service de {model_file.name} ---\n{text}")
        if process.returncode != 0:
            raise DeployError(f"La mise en service a échoué (code {process.returncode}) : {last_lines(text)}")
