"""The example notebook executes without error (with fewer trials than the study), so that it cannot rot."""
import os

import nbformat
from nbclient import NotebookClient

from conftest import SOURCE_DIR

NOTEBOOK = SOURCE_DIR / "experiments" / "decision" / "psychometric.ipynb"


def test_decision_notebook_executes(monkeypatch):
    monkeypatch.setenv("NB_NOTEBOOK_TRIALS", "5000")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, where a cell fails
    outputs = "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)
    assert "checks passed" in outputs
    run_cell = next(cell for cell in notebook.cells if "nb.run(" in cell.source)
    kinds = [key for o in run_cell.outputs for key in o.get("data", {})]
    assert "application/vnd.jupyter.widget-view+json" in kinds, "the run shows a progress bar in the notebook"
    assert any("image/png" in o.get("data", {}) for cell in notebook.cells for o in cell.get("outputs", []))
