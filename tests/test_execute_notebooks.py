"""tools/execute_notebooks.py: a re-run must not change a notebook whose outputs did not change.

Widget model ids are random on every run; the stored notebook must come out the
same whatever ids the kernel picked, with every reference still pointing at a model.
"""
import importlib.util
import json
import random
import re
from pathlib import Path

TOOL = Path(__file__).resolve().parent.parent / "tools" / "execute_notebooks.py"
spec = importlib.util.spec_from_file_location("execute_notebooks", TOOL)
execute_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(execute_notebooks)


def run_once(seed: int) -> str:
    """A notebook as nbclient stores it after one run: two explorers, fresh random ids, sorted keys."""
    rng = random.Random(seed)
    new = lambda: f"{rng.getrandbits(128):032x}"  # noqa: E731
    state, cells = {}, []
    for title in ("first", "second"):
        layout, slider, label, box = new(), new(), new(), new()
        state[layout] = {"model_name": "LayoutModel", "state": {}}
        state[slider] = {"model_name": "FloatSliderModel",
                         "state": {"layout": f"IPY_MODEL_{layout}", "value": 1.0}}
        state[label] = {"model_name": "HTMLModel",
                        "state": {"value": f"<b>{title}</b>", "layout": f"IPY_MODEL_{layout}"}}
        state[box] = {"model_name": "VBoxModel",
                      "state": {"children": [f"IPY_MODEL_{label}", f"IPY_MODEL_{slider}"]}}
        cells.append({"cell_type": "code", "metadata": {}, "source": title, "execution_count": 1, "outputs": [
            {"output_type": "display_data", "metadata": {},
             "data": {"text/plain": "VBox(...)",
                      "application/vnd.jupyter.widget-view+json": {"model_id": box, "version_major": 2}}}]})
    orphan = new()
    state[orphan] = {"model_name": "LayoutModel", "state": {"width": "10px"}}
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {"state": state}}}}
    return json.dumps(nb, indent=1, sort_keys=True) + "\n"


def test_two_runs_with_different_random_ids_store_the_same_file():
    first = execute_notebooks.normalise_widget_ids(run_once(1))
    assert execute_notebooks.normalise_widget_ids(run_once(2)) == first
    assert execute_notebooks.normalise_widget_ids(first) == first  # idempotent


def test_references_still_point_at_models_and_ids_follow_the_cells():
    nb = json.loads(execute_notebooks.normalise_widget_ids(run_once(3)))
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert len(state) == 9
    refs = re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(state))
    assert refs and set(refs) <= set(state)
    first_box = nb["cells"][0]["outputs"][0]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert first_box == f"{1:032x}"
    assert state[first_box]["model_name"] == "VBoxModel"
    assert state[f"{9:032x}"]["state"] == {"width": "10px"}  # the model nothing displays comes last


def test_text_without_widgets_is_only_reformatted():
    empty = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(empty, indent=1, sort_keys=True) + "\n"
    assert execute_notebooks.normalise_widget_ids(text) == text


def test_consecutive_streams_are_merged_and_order_is_kept():
    import nbformat

    def stream(name, text):
        return nbformat.v4.new_output("stream", name=name, text=text)

    figure = nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"})
    cell = nbformat.v4.new_code_cell("...", outputs=[stream("stdout", "a\n"), stream("stdout", "b\n"), figure,
                                                     stream("stdout", "c\n"), stream("stderr", "w\n"),
                                                     stream("stderr", "x\n")])
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("text")])
    execute_notebooks.merge_adjacent_streams(nb)
    outputs = nb.cells[0].outputs
    assert [(o.output_type, o.get("name"), o.get("text")) for o in outputs] == [
        ("stream", "stdout", "a\nb\n"), ("display_data", None, None),
        ("stream", "stdout", "c\n"), ("stream", "stderr", "w\nx\n")]


def test_volatile_cells_keep_their_stored_measurement_unless_their_source_changed():
    import nbformat

    def notebook(sources_outputs):
        nb = nbformat.v4.new_notebook()
        for source, text, tags in sources_outputs:
            cell = nbformat.v4.new_code_cell(source, metadata={"tags": tags})
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
            nb.cells.append(cell)
        return nb

    stored = notebook([("t = time()", "0.31 s\n", ["volatile"]), ("x = 1", "old\n", []),
                       ("t2 = time()", "0.52 s\n", ["volatile"])])
    fresh = notebook([("t = time()", "0.29 s\n", ["volatile"]), ("x = 1", "new\n", []),
                      ("t2 = time() * 2", "1.01 s\n", ["volatile"])])
    assert execute_notebooks.keep_volatile_outputs(fresh, stored) == 1
    texts = [cell.outputs[0].text for cell in fresh.cells]
    assert texts == ["0.31 s\n", "new\n", "1.01 s\n"]   # kept; ordinary cell refreshed; edited cell refreshed


def small_notebook(path: Path, sources: list[str]) -> Path:
    cells = [{"cell_type": "code", "id": f"cell-{i}", "metadata": {}, "source": s, "execution_count": None,
              "outputs": []} for i, s in enumerate(sources)]
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
    path.write_text(json.dumps(nb))
    return path


def test_what_the_tool_stores_passes_stock_nbval(tmp_path):
    import subprocess
    import sys

    path = small_notebook(tmp_path / "stored.ipynb", [
        "import matplotlib.pyplot as plt\nx = 2 + 2\nprint('x =', x)",
        "x * 10",
        "_ = plt.plot([0, 1], [x, 0])\nplt.show()",
        "for i in range(3):\n    print(i)",
    ])
    execute_notebooks.execute(path, timeout=120)
    stored = json.loads(path.read_text())
    assert stored["cells"][1]["outputs"][0]["data"]["text/plain"] == "40"
    result = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
                             "-q", str(path)], capture_output=True, text=True, check=False, timeout=180)
    assert result.returncode == 0 and "4 passed" in result.stdout, result.stdout[-2000:]


def test_a_trailing_semicolon_is_refused(tmp_path):
    import pytest

    path = small_notebook(tmp_path / "semicolon.ipynb", ["x = 1", "x + 1;  # hidden in Jupyter only"])
    before = path.read_text()
    with pytest.raises(ValueError, match=r"cell\(s\) \[1\] end with ';'"):
        execute_notebooks.execute(path, timeout=60)
    assert path.read_text() == before
