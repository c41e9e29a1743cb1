"""manage.py build_food_data SR28_DIR [--ifct PATH] [--out PATH]: write foods/data/foods.jsonl."""

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from foods.food_build import CURATION_DIR, BuildError, build

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "data" / "foods.jsonl"


def default_ifct_path(sr28_dir: Path) -> Path:
    # The reference layout keeps SR28 in data/usda/sr28 and IFCT in data/antinutrients/ifct2017.
    return sr28_dir.parent.parent / "antinutrients" / "ifct2017" / "index.csv"


class Command(BaseCommand):
    help = (
        "Build the shipped food file from the SR28 ASCII release, the IFCT 2017 table and "
        "foods/data/curation. Deterministic: the same inputs give the same bytes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sr28_dir", type=Path, help="directory with FOOD_DES.txt, NUT_DATA...")
        parser.add_argument(
            "--ifct",
            type=Path,
            help="IFCT 2017 index.csv (default: ../../antinutrients/ifct2017/index.csv "
            "from SR28_DIR)",
        )
        parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="file to write")
        parser.add_argument(
            "--curation",
            type=Path,
            default=CURATION_DIR,
            help="directory with ifct_to_sr28.csv and literature_values.csv",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Path() again: call_command passes keyword options without argparse's `type`.
        sr28_dir = Path(options["sr28_dir"])
        ifct_path = Path(options["ifct"]) if options["ifct"] else default_ifct_path(sr28_dir)
        out = Path(options["out"])
        try:
            result = build(
                sr28_dir=sr28_dir, ifct_path=ifct_path, curation_dir=Path(options["curation"])
            )
        except BuildError as error:
            raise CommandError(str(error), returncode=2) from None
        if not out.parent.is_dir():
            raise CommandError(f"output directory not found: {out.parent}", returncode=2)
        # Write beside the target and rename, so a failed build never leaves half a file.
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(result.text)
            os.chmod(temporary, 0o644)  # mkstemp makes it private; this file is shipped
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if options["verbosity"] > 0:
            self.stdout.write(f"Wrote {result.foods} foods, {result.portions} portions to {out}")
