"""Reload the violation taxonomy and stage checklists from observers/data/*.json (safe to repeat)."""

from typing import Any

from django.core.management.base import BaseCommand

from observers.services import violations, visits


class Command(BaseCommand):
    help = "Create or update the shipped violation types and checklist items, matched by code."

    def handle(self, *args: Any, **options: Any) -> None:
        types = violations.load_violation_types()
        items = visits.load_checklist_items()
        self.stdout.write(f"{types} violation types and {items} checklist items loaded.")
