"""Rasa 3.6 and its HTTP API secrets: taken from the environment, and required.

Rasa 3.6 reads its API token and JWT secret only from its command line (`--auth-token`,
`--jwt-secret`), which `ps` shows to every account of the machine (and `docker inspect` to whoever
may run it); it never reads RASA_AUTH_TOKEN itself, and with `--enable-api` and no token its API
answers anyone: read every conversation, write into it, replace the model.

`server_arguments` turns the command line of `rasa run --enable-api …` into the one Rasa parses inside
its own process: the token from RASA_AUTH_TOKEN, the JWT secret from RASA_JWT_SECRET when set. It
refuses (SystemExit, French message) to start the API with no token, or with a short or well-known one
("change-me", the Helm chart's "UNSET"…). The launcher `python -m rasa_patches run …` calls it: the
secrets then never appear in any process's arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

MIN_SECRET_LENGTH = 32
# Values found in examples and charts: a token equal to one of them protects nothing.
KNOWN_PLACEHOLDERS = {"change-me", "changeme", "unset", "rasatoken", "token", "secret", "jwtsecret", "password"}


class ApiSecretError(SystemExit):
    """Rasa must not start: the message tells the administrator what to set (in French)."""


def _value_of(argv: Sequence[str], option: str) -> str | None:
    """The value given to OPTION (`--opt value` or `--opt=value`), or None when absent."""
    for index, argument in enumerate(argv):
        if argument == option:
            return argv[index + 1] if index + 1 < len(argv) else ""
        if argument.startswith(option + "="):
            return argument[len(option) + 1 :]
    return None


def _check(name: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise ApiSecretError(
            f"Rasa refuse de démarrer : l'API HTTP est activée (--enable-api) mais {name} est vide. "
            f"Donnez un secret aléatoire d'au moins {MIN_SECRET_LENGTH} caractères (openssl rand -hex 32)."
        )
    if value.lower() in KNOWN_PLACEHOLDERS or len(value) < MIN_SECRET_LENGTH:
        raise ApiSecretError(
            f"Rasa refuse de démarrer : {name} est trop court ou connu de tous (« change-me », « UNSET »…). "
            f"Donnez un secret aléatoire d'au moins {MIN_SECRET_LENGTH} caractères (openssl rand -hex 32)."
        )
    return value


def server_arguments(argv: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """Rasa's arguments with the API secrets added from ENV; unchanged for anything but the API server."""
    arguments = list(argv)
    if arguments[:1] != ["run"] or arguments[1:2] == ["actions"] or "--enable-api" not in arguments:
        return arguments
    given = _value_of(arguments, "--auth-token")
    if given is not None:
        _check("--auth-token", given)
    else:
        arguments.append("--auth-token=" + _check("RASA_AUTH_TOKEN", env.get("RASA_AUTH_TOKEN", "")))
    given_jwt = _value_of(arguments, "--jwt-secret")
    if given_jwt is not None:
        _check("--jwt-secret", given_jwt)
    elif env.get("RASA_JWT_SECRET"):
        arguments.append("--jwt-secret=" + _check("RASA_JWT_SECRET", env["RASA_JWT_SECRET"]))
    return arguments
