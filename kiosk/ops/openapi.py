"""The OpenAPI 3 description of the machine APIs (openapi.json beside this module),
served at /api/v1/openapi.json and checked against the code by tests/ops/test_openapi.py."""
import functools
import json
from pathlib import Path

SPEC_FILE = Path(__file__).with_name("openapi.json")


@functools.cache
def load() -> dict:
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))
