"""The pip path and the conda environment install the same pinned versions."""

import re
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


def test_every_requirement_is_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert PIN.match(line), f"unpinned requirement: {line}"


def test_torch_is_the_cpu_wheel_pin():
    assert pins(ROOT / "requirements.txt")["torch"] == "2.13.0"


def test_installed_versions_match_pins():
    from importlib.metadata import version

    for name, pinned in pins(ROOT / "requirements.txt").items():
        installed = version(name).split("+")[0]
        assert installed == pinned, f"{name}: installed {installed}, pinned {pinned}"
