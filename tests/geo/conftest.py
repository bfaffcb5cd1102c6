"""Shared fixtures for the geo tests: repo root on sys.path and the shared real-data folder."""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# `pytest tests/geo` run from anywhere must import the repo's geo package,
# whether or not the project config adds the root to the path.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    # shared/ lies beside every checkout and CI clone: its absence is a broken set-up, not a skip.
    assert DATA.is_dir(), f"shared data not found at {DATA}"
    return DATA
