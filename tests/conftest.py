"""Shared test set-up: a non-interactive matplotlib backend for library tests only.

(The notebooks' kernels must not inherit it, so it is set here with
matplotlib.use, not through the MPLBACKEND environment variable.)
"""
import matplotlib

matplotlib.use("Agg")
