"""Show the library's own code inside a notebook.

The library is the single source of truth for every formula: a notebook that
teaches a function displays that function's source with :func:`show` instead
of keeping a second copy that could drift.
"""
import inspect

from IPython.display import Markdown, display


def source(obj) -> str:
    """The source code of a function, class or module, as a string."""
    try:
        return inspect.getsource(obj)
    except TypeError as exc:
        raise TypeError(f"obj: expected a function, class or module, got {type(obj).__name__}") from exc


def show(*objs) -> None:
    """Display the source of each object as a highlighted Python block."""
    for obj in objs:
        display(Markdown(f"```python\n{source(obj).rstrip()}\n```"))
