"""The project's training runs on a learner's machine (``rnncourse.helpers.anna_karnna``): the progress lines
a learner sees in the notebook and in the terminal of ``jupyter nbconvert --execute``, and the
number of threads chosen for a shared machine."""

import json
import os
import re
import subprocess
import sys
import time

import nbformat

from rnncourse.helpers.anna_karnna import Progress, busy_cores, training_threads, usable_cores

LINE = r"step {step}/4 \({pct}%\) \[{bar}\] \| [\d,]+ chars/s \| loss {loss} \| {rest}"


def test_progress_prints_steps_speed_loss_and_time_left_to_stdout_and_fd_2(capfd):
    progress = Progress(total_steps=4, chars_per_step=3200, every=0)
    for step, loss in enumerate([2.5, 2.0, 1.5, 1.0], start=1):
        progress.update(step, loss, val_loss=1.9 if step == 2 else None)
    out, err = capfd.readouterr()
    lines = out.splitlines()
    assert re.fullmatch(LINE.format(step=1, pct=25, bar="#" * 5 + "-" * 15, loss="2.500", rest=r"\d+ s left"), lines[0]), lines[0]
    assert re.fullmatch(LINE.format(step=2, pct=50, bar="#" * 10 + "-" * 10, loss="2.000", rest=r"val 1\.900 \| \d+ s left"), lines[1])
    assert re.fullmatch(LINE.format(step=4, pct=100, bar="#" * 20, loss="1.000", rest=r"val 1\.900 \| done in \d+ s"), lines[3])
    # print() goes to the notebook, not to the terminal a kernel runs in: the lines go there too
    assert err.splitlines() == lines


def test_progress_lines_come_at_intervals_and_at_the_last_step(capfd):
    progress = Progress(total_steps=50, chars_per_step=100, every=3600)
    for step in range(1, 51):
        progress.update(step, 2.0 if step <= 25 else 1.0)
    lines = capfd.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("step 50/50 (100%)")
    assert "loss 1.500" in lines[0], "the loss of a line is the mean since the line before"


def test_progress_is_live_in_the_terminal_of_nbconvert(tmp_path):
    """Under ``jupyter nbconvert --execute`` cell output is only saved: the lines must reach the
    terminal as they come, once, and the saved notebook must hold them once, as output."""
    code = "from rnncourse.helpers.anna_karnna import Progress\nProgress(2, 100, every=0).update(2, 1.25)"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), tmp_path / "run.ipynb")
    # ipykernel forwards file descriptors into the notebook only outside pytest: run it as a learner would
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    proc = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                           "--output", "done.ipynb", "run.ipynb"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    terminal = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.startswith("step ")]
    assert len(terminal) == 1 and terminal[0].startswith("step 2/2 (100%)"), proc.stderr[-2000:]
    outputs = json.loads((tmp_path / "done.ipynb").read_text())["cells"][0]["outputs"]
    assert [(o["name"], "".join(o["text"]).count("step 2/2")) for o in outputs] == [("stdout", 1)]


def test_a_busy_machine_trains_on_one_thread():
    """With a CPU-bound process on every usable core, the project trains on one thread: more
    threads would wait on cores other programs hold."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(usable_cores())]
    try:
        time.sleep(0.5)
        assert busy_cores() >= usable_cores() - 0.5
        assert training_threads() == 1
    finally:
        for proc in spinners:
            proc.kill()
            proc.wait()
    assert 1 <= training_threads() <= max(1, min(4, usable_cores() - 1))  # a core left to the rest
