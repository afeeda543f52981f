from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from companies.bank_schema import BANK_DIR, BankError
from companies.services import bank_load


class Command(BaseCommand):
    help = "Check the question bank files and upsert them by slug (safe to run repeatedly)."

    def add_arguments(self, parser):
        parser.add_argument("--bank-dir", default=str(BANK_DIR),
                            help="Folder holding the bank files (default: the shipped bank).")

    def handle(self, *args, bank_dir: str, **options):
        try:
            report = bank_load(bank_dir=Path(bank_dir))
        except BankError as exc:
            raise CommandError(f"Bank not loaded, nothing changed. {exc}") from exc
        except FileNotFoundError as exc:
            raise CommandError(f"Bank not loaded, nothing changed. Missing file: "
                               f"{exc.filename}") from exc
        self.stdout.write(self.style.SUCCESS(f"Bank loaded. {report.summary()}"))
