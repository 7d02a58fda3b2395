import os

# One BLAS thread, as in production and the benchmarks: set before NumPy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In CI (NNP_REQUIRE_TORCH=1) a PyTorch comparison must run: torch missing is a failure."""
    if os.environ.get("NNP_REQUIRE_TORCH") == "1":
        try:
            import torch  # noqa: F401
        except ImportError:
            raise pytest.UsageError("NNP_REQUIRE_TORCH=1 but torch is not installed") from None
