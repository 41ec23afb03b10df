"""The worked example of DESIGN §4 (`engine_example.json`), kept with the tests: it is data
of this project, so the golden tests run on every checkout, with or without ../shared."""

import json
from pathlib import Path

GOLDEN = Path(__file__).with_name("engine_example.json")


def golden_json() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))
