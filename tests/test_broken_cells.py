"""A cell that stops at an error breaks what it should define: the learner is told which cell
and why, in the notebook's check cells (a real kernel), and a failed check shows its message
once, without the course's own frames. The grade and the terminal self-check are tried on the
corpus variants of 05 (``predict_cell_syntax_error``, ``import_fails_in_predict_cell``)."""

import nbformat
from nbclient import NotebookClient

from rnncourse.broken_cells import defines, undefined_name


def test_defines_reads_definitions_from_text_that_does_not_parse():
    assert defines("def encode(text, char2int)\n    return 1", "encode")
    assert defines("import numpy as np", "np") and defines("from torch import nn, optim", "nn")
    assert defines("import torch", "torch") and defines("x: int = 3", "x")
    assert not defines("def encode_all(t):\n    pass", "encode") and not defines("x == 3", "x")
    assert undefined_name("name 'np' is not defined") == "np" and undefined_name("boom") is None


def run_cells(tmp_path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return nb.cells


def text_of(cell) -> str:
    parts = []
    for out in cell.outputs:
        parts.append(out.get("text", "") if out.output_type == "stream" else "\n".join(out.get("traceback", [])))
    return "\n".join(parts)


def test_notebook_check_cells_name_the_broken_cell_and_show_a_failed_check_once(tmp_path):
    cells = run_cells(
        tmp_path,
        "from rnncourse.checks.sequence_batching import check_encode\n"
        "from rnncourse.checks import selfcheck",
        "import numpy_typo as np\n\ndef encode(text, char2int):\n    return np.array([char2int[c] for c in text])",
        "check_encode(encode)",
        "selfcheck('04_sequence_batching', globals())",
        "def encode(text, char2int):\n    return [char2int[c] for c in text]",
        "check_encode(encode)",
    )
    why = "the cell run as [2], which defines `encode`, stopped at ModuleNotFoundError"
    assert why in text_of(cells[2]), text_of(cells[2])
    assert "line 1: `import numpy_typo as np`" in text_of(cells[2])
    assert why in text_of(cells[3]), text_of(cells[3])
    failed = text_of(cells[5])
    assert failed.count("encode should return a numpy array") == 1, failed
    assert "rnncourse" not in failed and "Check failed" in failed
