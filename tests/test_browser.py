"""The learner's and the instructor's view in a real browser: JupyterLab and formgrader,
driven by Playwright in Debian's headless Chromium. Screenshots are saved under
build/test-artifacts/browser/ for people to look at."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from rnncourse import course, demo, submissions
from rnncourse.build import definitions

A = "02_lstm_gates"
FUNCTION = "sigmoid"  # the graded cell the learner fills in
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = course.ROOT / "build" / "test-artifacts" / "browser"
TOKEN = "course-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Chromium is missing: `make install` installs it (apt chromium)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


class Lab:
    """A JupyterLab server on a free local port, serving ``root``."""

    def __init__(self, root: Path):
        self.root, self.port = root, free_port()
        bindir = str(Path(sys.executable).parent)
        settings = root / ".lab-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
        env = {**os.environ, "PATH": bindir + os.pathsep + os.environ["PATH"],
               "JUPYTER_CONFIG_DIR": str(root / ".jupyter-config"),
               "JUPYTERLAB_SETTINGS_DIR": str(root / ".lab-settings")}
        self.log = open(root / "lab.log", "w")
        self.proc = subprocess.Popen(
            [os.path.join(bindir, "jupyter"), "lab", "--no-browser", "--allow-root", f"--port={self.port}",
             "--ip=127.0.0.1", f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/status?token={TOKEN}", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("JupyterLab did not start: " + (root / "lab.log").read_text()[-2000:])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture
def learner_lab(tmp_path):
    shutil.copytree(course.ROOT / "release", tmp_path / "release")
    lab = Lab(tmp_path / "release")
    yield lab
    lab.stop()


def open_notebook(page, lab: Lab, relpath: str):
    page.goto(f"{lab.url}/lab/tree/{relpath}?token={TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.locator(".jp-StatusBar-Widget:has-text('Idle')").first.wait_for(timeout=90_000)


def cell_with(page, text: str):
    return page.locator(".jp-Notebook .jp-Cell", has=page.locator(f".jp-InputArea:has-text({json.dumps(text)})"))


def run_cell(page, cell):
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Escape")  # command mode: Shift+Enter runs the selected cell
    page.keyboard.press("Shift+Enter")


def wait_idle(page, timeout=120_000):
    """Until no cell is queued or running (their prompts show [*])."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]"
        ".some(p => p.innerText.includes('*'))", timeout=timeout)


def reference_source(function: str) -> str:
    """The reference answer as a learner would type it (without the solution markers)."""
    code = definitions(course.ROOT / "solutions" / f"{course.ASSIGNMENTS[A]}.py")[function]
    return "\n".join(ln for ln in code.splitlines() if "### " not in ln)


def test_learner_fills_a_graded_cell_and_runs_the_self_check(browser, learner_lab):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    open_notebook(page, learner_lab, f"{A}/{A}.ipynb")

    # nbgrader's JupyterLab extension is active: its menu and the notebook's Validate button
    assert page.locator(".jp-Notebook-toolbar, .jp-NotebookPanel-toolbar").get_by_text("Validate").count() >= 1
    page.locator(".lm-MenuBar-itemLabel:text-is('Nbgrader')").click()
    assert page.locator(".lm-Menu-itemLabel:text-is('Assignment List')").count() == 1
    page.keyboard.press("Escape")

    # fill the graded cell as a learner pastes an answer
    cell = cell_with(page, f"def {FUNCTION}(").first
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(reference_source(FUNCTION))

    # run everything down to the figure that uses it: setup, the diagram, the function, its check
    figure_cell = cell_with(page, f"plot_squashers({FUNCTION})").first
    figure_cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Escape")
    page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
    page.locator(".lm-Menu-itemLabel:text-is('Run All Above Selected Cell')").click()
    wait_idle(page)
    run_cell(page, figure_cell)
    wait_idle(page)
    check_cell = cell_with(page, f"check_{FUNCTION}({FUNCTION})").first
    assert "✓" in check_cell.locator(".jp-OutputArea").inner_text()

    # the notebook's own self-check, at the end
    last = cell_with(page, f'selfcheck("{A}", globals())').first
    last.scroll_into_view_if_needed()
    run_cell(page, last)
    page.wait_for_function(
        "(cell) => cell.querySelector('.jp-OutputArea') && cell.querySelector('.jp-OutputArea').innerText.includes('functions pass')",
        arg=last.element_handle(), timeout=120_000)
    report = last.locator(".jp-OutputArea").inner_text()
    line = next(ln for ln in report.splitlines() if FUNCTION in ln)
    assert "✓" in line and "passed" in line, report
    assert "1 of" in report and "split_lstm_weights" in report  # the others are still to do
    page.screenshot(path=str(ARTIFACTS / "learner-selfcheck.png"))

    figure_cell.scroll_into_view_if_needed()
    assert figure_cell.locator(".jp-OutputArea img").count() >= 1, "the figure was not drawn"
    page.screenshot(path=str(ARTIFACTS / "learner-figure.png"))
    diagram = page.locator(".jp-Notebook .jp-Cell .jp-OutputArea img").first
    diagram.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "learner-diagram.png"))
    page.close()


def test_a_broken_notebook_says_so_and_is_left_alone(browser, learner_lab):
    broken = learner_lab.root / A / "broken.ipynb"
    text = (learner_lab.root / A / f"{A}.ipynb").read_text()[:3000]
    broken.write_text(text)
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.goto(f"{learner_lab.url}/lab/tree/{A}/broken.ipynb?token={TOKEN}")
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=90_000)
    message = dialog.inner_text()
    assert "Unreadable Notebook" in message or "File Load Error" in message, message
    page.screenshot(path=str(ARTIFACTS / "broken-notebook.png"))
    dialog.locator("button").last.click()
    time.sleep(2)
    assert broken.read_text() == text, "JupyterLab changed the learner's file"
    page.close()


@pytest.fixture
def graded_course(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(course.ROOT / "nbgrader_config.py", root)
    shutil.copy(course.ROOT / "course_config.py", root)
    shutil.copytree(course.ROOT / "source" / A, root / "source" / A)
    demo.nbgrader(root, "generate_assignment", A, "--force", "--log-level=WARN")
    nb = submissions.make(A)
    for cell in nb["cells"]:  # the learner's written answers
        if cell["cell_type"] == "markdown" and cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["source"] = "The forget gate's bias starts near 1 so the cell keeps its memory at first."
    submissions.write(nb, root / "submitted" / "ada" / A / f"{A}.ipynb")
    demo.nbgrader(root, "autograde", A, "--force", "--log-level=WARN")
    lab = Lab(root)
    yield root, lab
    lab.stop()


def test_instructor_sees_a_written_answer_in_formgrader(browser, graded_course):
    from nbgrader.api import Gradebook

    root, lab = graded_course
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="rnn-course") as gb:
        notebook_id = gb.find_submission_notebook(A, A, "ada").id
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{lab.url}/formgrader/manage_assignments?token={TOKEN}")
    page.wait_for_selector(f"text={A}", timeout=90_000)
    page.screenshot(path=str(ARTIFACTS / "formgrader-assignments.png"))
    page.goto(f"{lab.url}/formgrader/submissions/{notebook_id}/?token={TOKEN}")
    page.wait_for_selector("text=forget gate's bias", timeout=90_000)
    page.wait_for_selector("input.score", timeout=30_000)
    assert page.locator("input.score").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "formgrader-written-answer.png"), full_page=False)
    page.close()
