"""pyproject's lower bounds are true: the core tests pass with every dependency at the
oldest version pyproject admits. Importing is not enough (sqlite-utils 3.x imports fine
and fails only when a nested write transaction runs), so real tests run."""

from __future__ import annotations

import subprocess

import pytest

from tests.install_support import (
    ROOT,
    at_lower_bound,
    clean_env,
    declared_dependencies,
    make_venv,
    pip_install,
)

pytestmark = pytest.mark.slow

# Tests of the rules, the store, sync, the hub and the command line, which need no browser,
# printer decoder or speech model.
CORE_TESTS = ["tests/test_domain.py", "tests/test_checkin.py", "tests/test_slips.py",
              "tests/test_retention.py", "tests/test_sync_leases.py", "tests/test_feeds.py",
              "tests/test_feed_faults.py", "tests/test_feed_incremental.py",
              "tests/test_hub.py", "tests/test_cli.py", "tests/test_printing_layout.py",
              "tests/test_printing_render.py"]


def test_core_tests_pass_at_the_declared_minimum_versions(tmp_path):
    pinned = [at_lower_bound(requirement) for requirement in declared_dependencies()]
    bin_dir = make_venv(tmp_path / "oldest")
    pip_install(bin_dir, "pytest", "hypothesis", "zxing-cpp", *pinned)
    done = subprocess.run(
        [str(bin_dir / "python"), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         *CORE_TESTS], cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"with {pinned}:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}"
