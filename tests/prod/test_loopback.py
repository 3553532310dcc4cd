"""The production profile's banner says « tout sur 127.0.0.1 »: every server it starts listens on
loopback only (the action server used to listen on every interface: rasa-sdk's default)."""

from __future__ import annotations

from pathlib import Path

from prodcluster import Cluster


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on PORT (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_every_server_of_the_profile_listens_on_loopback_only(cluster: Cluster) -> None:
    ports = {"actions": cluster.actions_port, "nginx": cluster.nginx_port, "nginx (bridge)": cluster.bridge_port,
             "postgresql": cluster.pg_port, "redis": cluster.redis_port}
    for name, port in ports.items():
        assert listening_addresses(port) == {"0100007F"}, name  # 127.0.0.1, neither 0.0.0.0 nor ::
    # Other tests stop and restart instances: the ones up now must be on loopback, and one at least is up.
    rasa = [listening_addresses(cluster.port(name)) for name in cluster.instances]
    assert {"0100007F"} in rasa and all(found in (set(), {"0100007F"}) for found in rasa), rasa
