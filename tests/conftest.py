import os
from pathlib import Path

import pytest
from hypothesis import settings

import warehouse

# `make test` and CI run the same examples every time (a red build is reproducible);
# TRACEFIT_HYPOTHESIS_EXPLORE=1 draws new ones (for hunting bugs, not for gating a merge).
settings.register_profile("repeatable", derandomize=True, print_blob=True)
if not os.environ.get("TRACEFIT_HYPOTHESIS_EXPLORE"):
    settings.load_profile("repeatable")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (it sits beside the repo in CI)")
    return SHARED_DATA


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def con(db_path):
    with warehouse.connect(db_path) as connection:
        yield connection
