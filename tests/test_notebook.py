"""The teacher's notebook runs, top to bottom, so it never rots.

docs/notebooks/mark1-teacher.ipynb is executed with nbclient on a kernel that is this very
Python (the virtualenv the tests run in, with the simulator installed), not whatever "python3"
kernel the computer may have registered. Any cell that raises fails the test, naming the
cell; the notebook's own ``assert`` lines state what a class should see.
"""

import json
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "notebooks" / "mark1-teacher.ipynb"


@pytest.fixture
def kernel_of_this_python(tmp_path, monkeypatch) -> str:
    """A kernel spec, found first on JUPYTER_PATH, that starts this interpreter's ipykernel."""
    spec = tmp_path / "jupyter" / "kernels" / "mark1-tests"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "mark1 tests", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "mark1-tests"


def test_the_teachers_notebook_runs(tmp_path, kernel_of_this_python):
    nbformat = pytest.importorskip("nbformat")  # the test extra has all three
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    work = tmp_path / "work"  # the notebook's working folder: nothing lands in the checkout
    work.mkdir()
    client = nbclient.NotebookClient(nb, kernel_name=kernel_of_this_python, timeout=300,
                                     resources={"metadata": {"path": str(work)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        pytest.fail(f"a cell of {NOTEBOOK.name} failed:\n{exc}", pytrace=False)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)  # every cell ran
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    pictures = [o for o in outputs if "image/png" in o.get("data", {})]
    # the demo's curve, the cards (twice), the learning curve and the panel
    assert len(pictures) == 5
    text = "".join(o.get("text", "") for o in outputs)
    assert "left mark: the machine says LEFT" in text and "best: {" in text
