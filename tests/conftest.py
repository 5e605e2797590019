"""Shared test set-up: a non-interactive matplotlib backend for library tests only.

(The notebooks' kernels must not inherit it, so it is set here with
matplotlib.use, not through the MPLBACKEND environment variable.)
"""
import matplotlib

matplotlib.use("Agg")

# Hypothesis: the same examples on every run (reproducible CI), no example
# database, and its caches outside the working tree (tests write nothing there).
import os  # noqa: E402
import tempfile  # noqa: E402

os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "unrolled-hypothesis"))

from hypothesis import settings  # noqa: E402

settings.register_profile("unrolled", derandomize=True, database=None, deadline=None)
settings.load_profile("unrolled")
