"""`klynge matchmaking_evaluate FILE --split-year YEAR --k 10 [--json]`: offline evaluation of
the partner recommendations against random, popularity and Adamic-Adar baselines (see
`klynge.matchmaking.evaluation` for the protocol)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from klynge.matchmaking.evaluation import EvaluationError, evaluate, format_table, read_rows


class Command(BaseCommand):
    help = "Evaluates partner recommendations on a CSV of past collaborations (time split)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--split-year", type=int, required=True)
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--seed", type=int, default=0, help="for the random baseline")
        parser.add_argument(
            "--default-weights",
            action="store_true",
            help="use the engine's default blend instead of weights learned before the split",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if options["k"] < 1:
            raise CommandError("--k must be at least 1.")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        try:
            rows = read_rows(text)
            result = evaluate(
                rows,
                split_year=options["split_year"],
                k=options["k"],
                seed=options["seed"],
                learn=not options["default_weights"],
            )
        except EvaluationError as error:
            raise CommandError(f"{path}: {error}") from error
        if options["json"]:
            self.stdout.write(json.dumps(result, sort_keys=True))
        else:
            self.stdout.write(format_table(result))
