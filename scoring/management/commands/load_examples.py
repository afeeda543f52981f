from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scoring.examples_loader import EXAMPLES_DIR, ExampleError, examples_load


class Command(BaseCommand):
    help = ("Check the example reports (transcripts with reference notes) and upsert them by "
            "slug. Run after load_bank: they refer to its companies, questions and rubric.")

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(EXAMPLES_DIR),
                            help="Folder of example files (default: scoring/examples).")

    def handle(self, *args, dir: str, **options):
        if dir == str(EXAMPLES_DIR) and not EXAMPLES_DIR.is_dir():
            self.stdout.write("No example reports to load.")
            return
        try:
            examples = examples_load(Path(dir))
        except ExampleError as exc:
            raise CommandError(f"Examples not loaded, nothing changed. {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{len(examples)} example reports loaded."))
