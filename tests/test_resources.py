"""tools/resources.py: the per-student table in docs/jupyterhub.md (its pure parts)."""
import importlib.util
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "resources.py"
SPEC = importlib.util.spec_from_file_location("resources", TOOL)
resources = importlib.util.module_from_spec(SPEC)
sys.modules["resources"] = resources
SPEC.loader.exec_module(resources)

ROWS = [{"notebook": "00_a.ipynb", "wall_s": 1.0, "cpu_s": 2.4, "peak_mib": 150.2},
        {"notebook": "01_b.ipynb", "wall_s": 9.0, "cpu_s": 20.6, "peak_mib": 310.7}]


def test_table_sums_cpu_takes_the_largest_kernel_and_adds_the_server():
    text = resources.table(ROWS, server_mib=100.0)
    assert "| 00_a.ipynb | 2 s | 150 MiB |" in text
    assert "| **whole series** | 23 s | 311 MiB (largest kernel) |" in text
    assert "about 411 MiB per student at the peak" in text        # 310.7 + 100
    assert "all ten kernels running holds about 561 MiB" in text   # 150.2 + 310.7 + 100


def test_update_docs_replaces_only_the_marked_block(tmp_path):
    docs = tmp_path / "guide.md"
    docs.write_text(f"before\n{resources.BEGIN}\nold\n{resources.END}\nafter\n")
    resources.update_docs("new table", docs)
    assert docs.read_text() == f"before\n{resources.BEGIN}\nnew table\n{resources.END}\nafter\n"
    docs.write_text("no markers\n")
    with pytest.raises(SystemExit, match="no"):
        resources.update_docs("x", docs)
