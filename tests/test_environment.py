"""The pip path, the conda environment and the package's metadata pin the same versions; grading
installs nothing the tests alone need."""

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^\s*-?\s*([A-Za-z0-9_.\-\[\]]+)==([^\s#]+)")


def pins(path: Path) -> dict:
    out = {}
    for line in path.read_text().splitlines():
        m = PIN.match(line)
        if m:
            out[m.group(1).lower()] = m.group(2)
    return out


def test_pip_and_conda_pins_agree():
    pip, conda = pins(ROOT / "requirements.txt"), pins(ROOT / "environment.yml")
    assert pip, "requirements.txt pins nothing"
    assert pip == conda, f"pins differ: pip-only {set(pip.items()) - set(conda.items())}, " \
                         f"conda-only {set(conda.items()) - set(pip.items())}"


def declared() -> dict[str, list[str]]:
    """pyproject.toml's requirements: the learner's (key "") and each extra's."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {"": project["dependencies"], **project["optional-dependencies"]}


def pinned(requirements: list[str]) -> dict:
    out = {}
    for line in requirements:
        m = PIN.match(line)
        assert m, f"unpinned requirement in pyproject.toml: {line}"
        out[m.group(1).lower()] = m.group(2)
    return out


def test_every_requirement_is_pinned():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line:
                assert PIN.match(line), f"unpinned requirement in {name}: {line}"


def test_pyproject_declares_the_pinned_environment():
    """The learner's dependencies and the instructor's extra are requirements.txt, pin for pin;
    the dev extra is requirements-dev.txt."""
    groups = {extra: pinned(reqs) for extra, reqs in declared().items()}
    assert set(groups) == {"", "instructor", "dev"}
    assert not set(groups[""]) & set(groups["instructor"]), "declared twice"
    assert {**groups[""], **groups["instructor"]} == pins(ROOT / "requirements.txt")
    assert groups["dev"] == pins(ROOT / "requirements-dev.txt")


def test_torch_is_the_cpu_wheel_pin():
    assert pins(ROOT / "requirements.txt")["torch"] == "2.13.0"
    assert pins(ROOT / "environment.yml")["torch"] == "2.13.0"
    assert pinned(declared()[""])["torch"] == "2.13.0"


def test_installed_versions_match_pins():
    from importlib.metadata import version

    for name, pin in (pins(ROOT / "requirements.txt") | pins(ROOT / "requirements-dev.txt")).items():
        installed = version(name).split("+")[0]
        assert installed == pin, f"{name}: installed {installed}, pinned {pin}"


def make_dry_run(target: str, *variables: str) -> str:
    """Every command ``make target`` would run, its prerequisites all remade (-B), none run (-n)."""
    return subprocess.run(["make", "-n", "-B", target, *variables], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout


def test_autograde_installs_nothing_for_the_browser_tests():
    grading = make_dry_run("autograde", "A=04_sequence_batching")
    assert "bubblewrap" in grading and "requirements.txt" in grading
    for tests_only in ("chromium", "playwright", "requirements-dev.txt"):
        assert tests_only not in grading.lower(), f"make autograde installs {tests_only}"
    testing = make_dry_run("test")
    assert "chromium" in testing and "requirements-dev.txt" in testing
