"""Re-execute notebooks in place, top to bottom in a fresh kernel (`make notebooks`).

Outputs and widget state are stored so the notebooks read on GitHub and in a
static export. Volatile metadata is normalised so that a re-run changes the
file only where an output really changed:

* no per-cell timing metadata;
* consecutive stream outputs of one cell merged (the kernel splits printed text
  into messages as timing dictates, so the split differs from run to run);
* widget model ids (random UUIDs on every run) renamed in an order fixed by the
  notebook's structure (see ``widget_order``), references included;
* the kernel's reported Python patch version left as the kernel says it;
* cells tagged ``volatile`` (measurements of this machine: timings and their
  plots) keep their stored outputs when their source is unchanged, since a
  new measurement is noise, not a change; ``--refresh-volatile`` (``make
  notebooks REFRESH=1``) stores new ones. The cells still run and assert their
  claims every time; nbval compares their text unless they are also tagged
  ``nbval-ignore-output``.

The stored outputs are what stock nbval (``pytest --nbval``, no plugin)
expects. One thing differs between the two runs: nbclient, like Jupyter, runs
cells with ``store_history=True``, under which a trailing ``;`` hides a cell's
value; nbval runs them without history and shows it. So a code cell ending
in ``;`` is refused here (write ``_ = ...`` or end a figure with
``plt.show()``).
"""
import argparse
import json
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

# A widget model id: 32 hex digits. Not \b-delimited: references read "IPY_MODEL_<id>".
UUID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def widget_order(nb: dict) -> list[str]:
    """The widget model ids in an order that does not depend on the (random) ids themselves.

    First the widgets the cells display, in cell order, each followed depth-first
    by the models its state refers to (``IPY_MODEL_<id>``: children, layout,
    style); then any model nothing displays, ordered by its content.
    """
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    order: list[str] = []
    seen: set[str] = set()

    def visit(model_id: str) -> None:
        if model_id not in seen:
            seen.add(model_id)
            order.append(model_id)
            walk(state.get(model_id, {}).get("state", {}))

    def walk(value) -> None:
        if isinstance(value, str) and value.startswith("IPY_MODEL_"):
            visit(value[len("IPY_MODEL_"):])
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key in sorted(value):
                walk(value[key])

    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and "model_id" in view:
                visit(view["model_id"])
    masked = {m: UUID.sub("", json.dumps(state[m], sort_keys=True)) for m in state}
    for model_id in sorted(set(state) - seen, key=lambda m: masked[m]):
        visit(model_id)
    return order


def normalise_widget_ids(text: str) -> str:
    """Rename every widget model id to a stable one (1, 2, 3 ... as 32 hex digits).

    ``text`` is the notebook's JSON; the result is the same JSON with the ids
    renamed in :func:`widget_order` (and any other 32-hex-digit id in order of
    appearance), dumped with sorted keys so that the widget state's order does
    not depend on the random ids either. Idempotent.
    """
    mapping: dict[str, str] = {}
    for model_id in widget_order(json.loads(text)):
        mapping.setdefault(model_id, f"{len(mapping) + 1:032x}")
    for match in UUID.finditer(text):
        mapping.setdefault(match.group(0), f"{len(mapping) + 1:032x}")
    renamed = json.loads(UUID.sub(lambda m: mapping[m.group(0)], text))
    return json.dumps(renamed, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def merge_adjacent_streams(nb) -> None:
    """Merge each run of consecutive stream outputs with the same name (stdout, stderr) into one."""
    for cell in nb.cells:
        if "outputs" not in cell:
            continue
        merged = []
        for output in cell.outputs:
            last = merged[-1] if merged else None
            if (output.output_type == "stream" and last is not None and last.output_type == "stream"
                    and last.name == output.name):
                last.text += output.text
            else:
                merged.append(output)
        cell.outputs = merged


def keep_volatile_outputs(nb, stored) -> int:
    """Put back the stored outputs of unchanged cells tagged ``volatile``; return how many."""
    kept = 0
    for cell, old in zip(nb.cells, stored.cells):
        if ("volatile" in cell.metadata.get("tags", []) and cell.cell_type == "code"
                and old.cell_type == "code" and old.source == cell.source and old.get("outputs")):
            cell.outputs = old.outputs
            kept += 1
    return kept


def semicolon_cells(nb) -> list[int]:
    """Indices of the code cells whose last line ends with ``;`` (a comment after it aside)."""
    found = []
    for index, cell in enumerate(nb.cells):
        lines = cell.source.rstrip().splitlines() if cell.cell_type == "code" else []
        if lines and lines[-1].split("#")[0].rstrip().endswith(";"):
            found.append(index)
    return found


def execute(path: Path, timeout: int, refresh_volatile: bool = False) -> float:
    nb = nbformat.read(path, as_version=4)
    silenced = semicolon_cells(nb)
    if silenced:
        raise ValueError(f"{path}: code cell(s) {silenced} end with ';', which hides the value in Jupyter "
                         "but not under stock nbval: assign it (_ = ...) or end a figure with plt.show()")
    stored = nbformat.read(path, as_version=4)
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
    merge_adjacent_streams(nb)
    if not refresh_volatile:
        keep_volatile_outputs(nb, stored)
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(normalise_widget_ids(text))
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--refresh-volatile", action="store_true",
                        help="store new outputs for cells tagged volatile (timings) too")
    args = parser.parse_args()
    for path in args.notebooks:
        print(f"executing {path} ...", flush=True)
        try:
            seconds = execute(path, args.timeout, args.refresh_volatile)
        except ValueError as e:
            print(f"  {e}", file=sys.stderr, flush=True)
            return 1
        print(f"  done in {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
