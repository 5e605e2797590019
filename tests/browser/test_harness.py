"""The browser harness itself: it must see what it is there to see.

A notebook written here (never in notebooks/) has four explorers built on
``unrolled.explorers.base.Explorer``: two sound ones (first control a dropdown,
or a slider at its maximum), one whose second control lost its wiring, and one
whose callback raises once a control moves. Then an empty code cell, a cell
tagged raises-exception, a widget that never renders (closed at once), and a
last cell that raises. The harness must pass the sound explorers (so the
in-place figure update works in this JupyterLab) and report the deaf control,
the broken explorer, the widget and the error cell.
"""
import json

import nbformat

from tests.browser import harness
from tests.browser.conftest import SCREENSHOTS

SETUP = '''\
import numpy as np
import ipywidgets as widgets
from unrolled.explorers.base import Explorer


def compute(a, kind):
    x = np.linspace(0.0, 1.0, 50)
    y = x ** a if kind == "power" else np.sin(3 * a * x)
    return {"x": x, "y": y, "readout": f"a = {a:.2f}, {kind}: mean {y.mean():.3f}"}


def draw(result, fig):
    fig.add_subplot().plot(result["x"], result["y"])
'''

SOUND = '''\
Explorer("dropdown", {"kind": widgets.Dropdown(options=["power", "sine"], description="kind"),
                      "a": widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.25)},
         lambda kind, a: compute(a, kind), draw)
'''

SLIDER = '''\
Explorer("slider", {"a": widgets.FloatSlider(value=3.0, min=0.5, max=3.0, step=0.25),
                    "kind": widgets.Dropdown(options=["power", "sine"], description="kind")},
         compute, draw)
'''

DEAF = '''\
deaf = Explorer("deaf", {"a": widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.25),
                         "kind": widgets.Dropdown(options=["power", "sine"], description="kind")},
                compute, draw)
deaf.controls["kind"].unobserve(deaf._on_change, names="value")  # wiring lost: the dropdown does nothing
deaf
'''

BROKEN = '''\
def broken(a):
    if a != 1.0:
        raise RuntimeError("the callback is broken")
    return compute(a, "power")


Explorer("broken", {"a": widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.25)}, broken, draw)
'''

# An error shown on purpose (tagged raises-exception): not a failure, and Run All goes on.
SHOWN = 'raise ValueError("shown on purpose")'

# A widget closed right after it is displayed: its output never becomes a widget.
CLOSED = "slider = widgets.IntSlider()\ndisplay(slider)\nslider.close()"

RAISES = 'raise ValueError("a deliberate error")'


def write_fixture(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Harness self-test")]
    cells = (SETUP, SOUND, SLIDER, DEAF, BROKEN, "", SHOWN, CLOSED, RAISES)
    nb.cells += [nbformat.v4.new_code_cell(src) for src in cells]
    nb.cells[7].metadata["tags"] = ["raises-exception"]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def test_harness_sees_broken_explorer_and_error(lab):
    write_fixture(lab.server.root / "selftest" / "harness_check.ipynb")
    report = lab.run("selftest/harness_check.ipynb", run_timeout=60, explorer_timeout=4, render_timeout=3,
                     screenshot=SCREENSHOTS / "selftest_harness_check.png")

    assert len(report.explorers) == 4, report.explorers
    dropdown, slider, deaf, broken = report.explorers
    assert dropdown.startswith("ok: explorer 1 (dropdown): choosing 'sine' in a dropdown; 1 more controls moved;"
                               " slowest update "), dropdown
    # the slider starts at its maximum, so the harness moves it down
    assert slider.startswith("ok: explorer 2 (slider): pressing ArrowLeft on a slider; 1 more controls moved;"), slider
    assert deaf == ("explorer 3 (deaf): after choosing 'sine' in a dropdown (control 2), neither the readout"
                    " nor the figure changed within 4 s"), deaf
    assert broken == ("explorer 4 (broken): after pressing ArrowRight on a slider, the callback raised"
                      " RuntimeError: the callback is broken"), broken

    assert len(report.errors) == 2, report.errors
    raised, unrendered = report.errors
    assert raised == "cell 10 (raise ValueError(\"a deliberate error\")): ValueError: a deliberate error", raised
    assert unrendered == "cell 9 (slider = widgets.IntSlider()): 1 widgets displayed, 0 rendered", unrendered
    assert report.console == [], report.console
    # every cell is in the page, however far below the fold (SETTINGS in harness.py)
    assert report.windowing == "none"


def test_lab_runs_with_the_test_settings(lab):
    """The server reads the temporary settings: autosave and news off, no windowing."""
    for plugin, values in harness.SETTINGS.items():
        stored = lab.server.api("GET", f"/lab/api/settings/{plugin}")["settings"]
        assert {k: stored.get(k) for k in values} == values, plugin


def test_kernel_message_reads_both_protocols():
    header = {"msg_type": "debug_reply", "msg_id": "b"}
    parent = {"msg_type": "debug_request", "msg_id": "a"}
    parts = [b"control", json.dumps(header).encode(), json.dumps(parent).encode(), b"{}", b'{"x": 1}']
    offsets, at = [], 8 * (len(parts) + 1)
    for part in parts:
        offsets.append(at)
        at += len(part)
    frame = len(parts).to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets) + b"".join(parts)
    assert harness.kernel_message(frame) == ("control", header, parent, b'{"x": 1}')
    text = json.dumps({"channel": "shell", "header": header, "parent_header": parent, "content": {"x": 1}})
    assert harness.kernel_message(text) == ("shell", header, parent, '{"x": 1}')
    assert harness.kernel_message('{"schema_id": "an event, not a kernel message"}') is None
    assert harness.kernel_message(b"\x05") is None


def test_harness_hears_the_console(lab):
    before = len(lab.watcher.console)
    lab.page.evaluate("() => console.error('harness self-test: a console error')")
    lab.page.wait_for_timeout(200)
    assert [c for c in lab.watcher.console[before:] if "harness self-test" in c] == [
        "harness self-test: a console error"]
