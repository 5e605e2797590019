"""Re-execute notebooks in place, top to bottom in a fresh kernel (`make notebooks`).

Outputs and widget state are stored so the notebooks read on GitHub and in a
static export. Volatile metadata is normalised so that a re-run changes the
file only where an output really changed:

* no per-cell timing metadata;
* widget model ids (random UUIDs on every run) renamed in order of appearance;
* the kernel's reported Python patch version left as the kernel says it.
"""
import argparse
import json
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

UUID = re.compile(r"\b[0-9a-f]{32}\b")


def normalise_widget_ids(text: str) -> str:
    """Map every widget model id to a stable id that depends only on its order."""
    mapping: dict[str, str] = {}
    for match in UUID.finditer(text):
        mapping.setdefault(match.group(0), f"{len(mapping) + 1:032x}")
    return UUID.sub(lambda m: mapping[m.group(0)], text)


def execute(path: Path, timeout: int) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=True,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(normalise_widget_ids(text))
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args()
    for path in args.notebooks:
        print(f"executing {path} ...", flush=True)
        seconds = execute(path, args.timeout)
        print(f"  done in {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
