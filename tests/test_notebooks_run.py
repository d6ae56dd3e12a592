"""Every notebook, with the reference solutions, runs top to bottom in a real kernel:
every check cell passes, every figure is drawn, nothing writes to stderr but warnings.

Run times are printed (``-s``); `make bench` reports them too. Speed is not asserted here.
"""

import json
import shutil
import time

import nbformat
import pytest
from nbclient import NotebookClient

from rnncourse import course


@pytest.mark.parametrize("assignment", course.built())
def test_reference_notebook_runs_top_to_bottom(assignment, tmp_path):
    path = course.notebook("source", assignment)
    nb = nbformat.read(path, as_version=4)
    for f in course.reference_files(assignment):  # a trained model: the project loads it, not retrains
        shutil.copy(f, tmp_path)
    started = time.monotonic()
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    seconds = time.monotonic() - started
    print(f"{assignment}: ran in {seconds:.1f} s")
    (tmp_path / "executed.ipynb").write_text(json.dumps(nb))
    figures = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                  for o in c.get("outputs", []))
    assert figures >= 1, "the notebook draws no figure"
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"cell raised: {out.get('ename')}: {out.get('evalue')}"
            if out.output_type == "stream" and out.name == "stderr":
                assert "Warning" in out.text or "%|" in out.text, f"stderr output: {out.text[:300]}"
    checks = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "").startswith("test_")]
    assert checks and all("✓" in "".join(o.get("text", "") for o in c.outputs) for c in checks), \
        "a visible check cell did not report success"
