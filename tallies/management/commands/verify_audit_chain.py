"""Recompute the audit log's hash chains and report the first broken entry of each organisation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from observers.models import Organization
from observers.services import audit
from tallies.services import seals


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain of one organisation (--organization slug) or of all, "
        "then every sealed observer copy against its chained digest; exit with status 1 when "
        "any chain is broken or any copy differs from its seal (each such copy is named)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", metavar="SLUG", help="only this organisation's chain")

    def handle(self, *args: Any, **options: Any) -> None:
        """Print one line per organisation; raise CommandError (exit 1) if any chain is broken."""
        broken = [org.slug for org in self._organizations(options["organization"]) if not self._check(org)]
        if broken:
            raise CommandError(f"audit chain broken for: {', '.join(broken)}")

    def _organizations(self, slug: str | None) -> list[Organization]:
        organizations = Organization.objects.order_by("slug")
        if slug is None:
            return list(organizations)
        found = list(organizations.filter(slug=slug))
        if not found:
            raise CommandError(f"no organisation with slug {slug!r}")
        return found

    def _check(self, organization: Organization) -> bool:
        result = audit.verify_chain(organization)
        sequence, head = audit.chain_head(organization)
        if result.ok:
            self.stdout.write(f"{organization.slug}: ok, {result.entries} entries, head {sequence} {head}")
        else:
            self.stdout.write(
                f"{organization.slug}: BROKEN at sequence {result.first_broken_sequence}: {result.reason} "
                f"({result.entries} entries verified before it)"
            )
        return result.ok and self._check_seals(organization)

    def _check_seals(self, organization: Organization) -> bool:
        problems = seals.verify_seals(organization)
        for problem in problems:
            self.stdout.write(f"{organization.slug}: SEAL BROKEN: {problem}")
        return not problems
