"""Command line administration of the console: accounts.

    console/manage.sh create-user NAME --role agent|admin [--display-name "Marie D."]
                                                           (password prompted, or read from stdin)
    console/manage.sh set-password NAME
    console/manage.sh list-users
"""
from __future__ import annotations

import argparse
import getpass
import sys

from .db import make_engine
from .queries import audit
from .security import ROLES, AccountError, create_user, list_users, set_password
from .settings import Settings


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Confirmez le mot de passe : ") != first:
            raise AccountError("Les deux mots de passe diffèrent.")
        return first
    return sys.stdin.readline().rstrip("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="console/manage.sh", description="Administration de la console de support")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-user", help="créer un compte")
    create.add_argument("username")
    create.add_argument("--role", choices=ROLES, default="agent")
    create.add_argument("--display-name", default="", help="nom lu par le public quand ce conseiller répond")
    reset = sub.add_parser("set-password", help="changer le mot de passe d'un compte")
    reset.add_argument("username")
    sub.add_parser("list-users", help="lister les comptes")
    args = parser.parse_args(argv)
    engine = make_engine(Settings.from_env().console_db_url)
    try:
        if args.command == "create-user":
            create_user(engine, args.username, _read_password(), args.role, args.display_name)
            audit(engine, "cli", "user_create", args.username, args.role)
            print(f"Compte « {args.username} » créé (rôle {args.role}).")
        elif args.command == "set-password":
            set_password(engine, args.username, _read_password())
            audit(engine, "cli", "password_set", args.username)
            print(f"Mot de passe de « {args.username} » changé.")
        else:
            for user in list_users(engine):
                state = "désactivé" if user["disabled"] else "actif"
                print(f"{user['username']}\t{user['role']}\t{state}\t{user['display_name']}")
    except AccountError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
