"""Shared test set-up: tests see techbench's default limits, whatever the shell exports."""

from __future__ import annotations

import pytest

LIMIT_VARIABLES = ("TECHBENCH_MAX_FILE_MB", "TECHBENCH_MAX_UNZIPPED_MB", "TECHBENCH_MAX_ZIP_RATIO")


@pytest.fixture(autouse=True, scope="session")
def _default_limits():
    with pytest.MonkeyPatch.context() as mp:
        for name in LIMIT_VARIABLES:
            mp.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session")
def dashboard_home(tmp_path_factory):
    """A published synthetic sector with accounts steer / rev / inst / other (see dashboard_support)."""
    from dashboard_support import build_home

    return build_home(tmp_path_factory.mktemp("dashboard"))
