import os

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402


@pytest.fixture
def cli():
    """The command-line tool of the same build (BACKPROP_CLI, set by ctest), or build/backprop."""
    path = os.environ.get("BACKPROP_CLI") or os.path.join(
        os.path.dirname(__file__), "..", "..", "build", "backprop")
    if not os.path.exists(path):
        pytest.skip("the command-line tool is not built")
    return path
