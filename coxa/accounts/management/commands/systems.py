"""`coxa systems`: connected systems (SMART Backend Services clients, CDS Hooks callers).

    coxa systems add NAME --jwks keys.json [--scope system/*.rs] [--cds-issuer ISS]
    coxa systems add NAME --jwks-url https://ehr.example.org/jwks.json ...
    coxa systems list
    coxa systems scopes CLIENT_ID [SCOPE ...]
    coxa systems revoke CLIENT_ID --reason "contract ended"

Each is audited as done by Coxa's command line (ADR 0033).
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coxa.accounts.domain import Role
from coxa.accounts.models import SystemClient
from coxa.accounts.services import systems
from coxa.core.audit import Via
from coxa.core.errors import CoxaError

ROLE = Role.SYSTEM.label.lower()


def _read_key_set(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None
    except ValueError:
        raise CommandError(f'{path} is not JSON: a JWK Set is {{"keys": [...]}}') from None


class Command(BaseCommand):
    help = (
        "Register, list, change the scopes of, or revoke the systems that call Coxa with their "
        "own keys: SMART Backend Services clients (/oauth/token) and EHRs calling CDS Hooks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="register a system; prints its client id")
        add.add_argument("name", help="what people call it, e.g. 'Ward EHR'")
        keys = add.add_mutually_exclusive_group(required=True)
        keys.add_argument("--jwks", metavar="FILE", help="its public keys: a JWK Set file")
        keys.add_argument("--jwks-url", metavar="URL", help="where it publishes its JWK Set")
        add.add_argument(
            "--scope",
            action="append",
            default=[],
            help="a scope it may be granted (system/*.rs, system/Observation.read); repeatable",
        )
        add.add_argument("--cds-issuer", default="", help="the iss of its CDS Hooks JWTs")
        actions.add_parser("list", help="every system, its keys, scopes and status")
        scopes = actions.add_parser("scopes", help="show, or replace, the scopes of a system")
        scopes.add_argument("client_id")
        scopes.add_argument("scope", nargs="*", help="the new scopes (none given: show them)")
        revoke = actions.add_parser("revoke", help="revoke a system: its tokens end at once")
        revoke.add_argument("client_id")
        revoke.add_argument("--reason", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "add":
                self._add(options)
            elif action == "list":
                self._list()
            elif action == "scopes":
                self._scopes(options["client_id"], options["scope"])
            else:
                client = systems.revoke_system(
                    client_id=options["client_id"], reason=options["reason"], via=Via.CLI
                )
                self.stdout.write(f"Revoked {client.name} ({client.client_id}): its tokens ended.")
        except CoxaError as error:
            raise CommandError(error.message) from error

    def _add(self, options: dict[str, Any]) -> None:
        client = systems.register_system(
            name=options["name"],
            jwks=_read_key_set(options["jwks"]) if options["jwks"] else None,
            jwks_url=options["jwks_url"] or "",
            scopes=options["scope"],
            cds_issuer=options["cds_issuer"],
            via=Via.CLI,
        )
        self.stdout.write(f"Registered {client.name} as a {ROLE}.")
        self.stdout.write(f"Client id: {client.client_id}")
        self.stdout.write(
            f"Its account: {client.account.username} ({Role.SYSTEM.label}: no password; "
            "it signs in only with its key)"
        )
        self._describe(client)

    def _describe(self, client: SystemClient) -> None:
        kids = ", ".join(str(k.get("kid")) for k in client.jwks.get("keys", []))
        self.stdout.write(f"  Keys: {client.jwks_url or kids}")
        self.stdout.write(f"  Scopes: {client.scopes or 'none (CDS Hooks only)'}")
        self.stdout.write(f"  CDS Hooks issuer: {client.cds_issuer or 'none'}")

    def _list(self) -> None:
        found = list(SystemClient.objects.select_related("account"))
        if not found:
            self.stdout.write("No connected systems.")
        for client in found:
            status = "active" if client.active else f"revoked {client.revoked_at:%Y-%m-%d %H:%M}"
            self.stdout.write(f"{client.client_id}  {client.name}  ({Role.SYSTEM.label}, {status})")
            self._describe(client)

    def _scopes(self, client_id: str, scopes: list[str]) -> None:
        if scopes:
            client = systems.set_scopes(client_id=client_id, scopes=scopes, via=Via.CLI)
            self.stdout.write(f"Scopes of {client.name} replaced; its live tokens ended.")
        else:
            found = SystemClient.objects.filter(client_id=client_id).first()
            if found is None:
                raise CommandError(f"no connected system {client_id!r}")
            client = found
        self.stdout.write(f"{client.client_id}: {client.scopes or 'no scopes'}")
