"""Production profile: `deploy/prod.sh deploy MODEL` (what the console runs) puts a model in service on
every instance, one at a time behind nginx: each instance's new process starts on its spare port, nginx
is switched to it, the old process finishes its requests and stops. A probe asking a question through
nginx every 0.5 s never waits 2 s or more and never fails; conversations go on.
A model that cannot load leaves every instance as it was."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import requests
from deploy_probe import DeployProbe
from prodcluster import REPO, Cluster, user_texts

LONGEST_ACCEPTABLE_WAIT = 2.0  # seconds (issue 13)


def running(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def model_of(cluster: Cluster, name: str) -> str:
    answer = requests.get(f"{cluster.url(name)}/status", params={"token": cluster.token}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["model_file"]


def test_a_model_goes_into_service_on_every_instance_without_a_pause(
        cluster: Cluster, conversations: dict[str, int], tmp_path: Path) -> None:
    sender = f"deploiement-{uuid.uuid4().hex[:10]}"
    cluster.say(sender, "Bonjour")
    conversations[sender] = 1
    latest = max((REPO / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    model = tmp_path / "deploy-prod.tar.gz"
    shutil.copy(latest, model)
    before = {name: (cluster.pid(name), cluster.port(name)) for name in cluster.instances}

    with DeployProbe(cluster.url()) as probe:
        done = cluster.deploy(model)
        time.sleep(1)
    assert done.returncode == 0, done.stdout + done.stderr

    nginx_conf = (cluster.state_dir / "nginx" / "nginx.conf").read_text()
    for name, (old_pid, old_port) in before.items():
        assert cluster.pid(name) != old_pid and not running(old_pid), f"instance {name}: old process still there"
        assert cluster.port(name) != old_port
        assert model_of(cluster, name) == model.name, f"instance {name} is not on the new model"
        assert f"server 127.0.0.1:{cluster.port(name)} " in nginx_conf
        assert f"server 127.0.0.1:{old_port} " not in nginx_conf
    report = probe.report
    assert report.answers and report.answers[-1].started > 5, report.summary()
    assert not report.failures, [answer.error for answer in report.failures][:5]
    assert report.longest_wait < LONGEST_ACCEPTABLE_WAIT, report.summary()

    cluster.say(sender, "Qui contrôle l'application de la doctrine ?")
    conversations[sender] = 2
    assert user_texts(cluster.tracker(sender)) == ["Bonjour", "Qui contrôle l'application de la doctrine ?"]


def test_a_model_that_cannot_load_leaves_every_instance_as_it_was(cluster: Cluster, tmp_path: Path) -> None:
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a model")
    before = {name: (cluster.pid(name), cluster.port(name), model_of(cluster, name)) for name in cluster.instances}
    done = cluster.deploy(broken)
    assert done.returncode != 0
    # Refused before any instance is touched (ops/preflight.py reads the archive first).
    assert "le modèle" in done.stderr and "est abîmé" in done.stderr
    assert "aucune instance n'a changé de modèle" in done.stderr
    assert {name: (cluster.pid(name), cluster.port(name), model_of(cluster, name)) for name in cluster.instances} \
        == before
    assert not list(cluster.state_dir.glob("rasa-*-next.pid"))
    assert cluster.say(f"apres-echec-{uuid.uuid4().hex[:6]}", "Bonjour")
