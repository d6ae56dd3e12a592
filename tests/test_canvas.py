"""Canvas in and out with the real nbgrader: a Canvas "Download submissions" zip collected into
submitted/ by nbgrader's zip_collect (the course's plugins), graded with the late penalty, and
the scores exported for Canvas's gradebook import."""

import csv
import json
import stat
import zipfile

import pytest
from conftest import make_course_root

from rnncourse import submissions
from rnncourse.grading.files import MB
from rnncourse.lms import canvas
from rnncourse.nbgrader_run import nbgrader

A = "04_sequence_batching"
COLUMN = "04 Sequence batching (123456)"
DUE = "2030-01-15 23:59:00"
ROSTER = [
    ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", COLUMN, "Assignments Current Score"],
    ["    Points Possible", "", "", "", "", "10", ""],
    ["Karenina, Anna", "12345", "S1", "akarenina", "RNN 1", "", ""],
    ["Vronsky, Alexei", "23456", "S2", "avronsky", "RNN 1", "", ""],
    ["Shcherbatskaya, Kitty", "34567", "S3", "", "RNN 2", "", ""],
    ["Oblonsky, Stepan", "45678", "S4", "../../stiva", "RNN 2", "", ""],  # not a usable id
]


def notebook(base: str, assignment: str = A) -> bytes:
    return json.dumps(submissions.make(assignment, None, base=base)).encode()


def write_csv(path, rows):
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_zip(path, entries):
    """``entries``: name -> bytes, or a ZipInfo -> bytes for crafted entries."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def link_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def bomb_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = make_course_root(tmp_path_factory.mktemp("canvas") / "course")
    nbgrader(root, "generate_assignment", A, "--force")
    return root


def test_collect_grade_export(course, tmp_path, capsys):
    root = course
    reference, blank = notebook("reference"), notebook("blank")
    download = write_zip(tmp_path / "submissions.zip", [
        ("kareninaanna_12345_67890_04_sequence_batching.ipynb", blank),
        ("kareninaanna_12345_67999_04_sequence_batching-1.ipynb", reference),  # the newer upload
        ("kareninaanna_12345_67891_notes.txt", b"my notes"),
        ("vronskyalexei_late_23456_78901_04_sequence_batching.ipynb", reference),
        ("shcherbatskayakitty_34567_79000_my_work.ipynb", blank),
        (link_entry("shcherbatskayakitty_34567_79001_04_sequence_batching-3.ipynb"), "/etc/passwd"),
        ("levinkonstantin_99999_80000_04_sequence_batching.ipynb", reference),
        ("../escape.txt", b"out"),
        (bomb_entry("vronskyalexei_late_23456_78902_data.txt"), b"\0" * (20 * MB)),
    ])
    roster = write_csv(tmp_path / "roster.csv", ROSTER)

    assert canvas.main(["collect", A, str(download), "--roster", str(roster), "--duedate", DUE,
                        "--root", str(root)]) == 0
    report = capsys.readouterr().out
    submitted = root / "submitted"
    assert sorted(p.parent.name for p in submitted.glob(f"*/{A}")) == ["34567", "akarenina", "avronsky"]
    for student in ("34567", "akarenina", "avronsky"):
        assert sorted(p.name for p in (submitted / student / A).iterdir()) == [f"{A}.ipynb", "timestamp.txt"]
    assert (submitted / "akarenina" / A / f"{A}.ipynb").read_bytes() == reference  # the -1 upload
    assert (submitted / "34567" / A / f"{A}.ipynb").read_bytes() == blank  # my_work.ipynb
    stamp = {s: (submitted / s / A / "timestamp.txt").read_text() for s in ("akarenina", "avronsky")}
    assert stamp == {"akarenina": DUE, "avronsky": "2030-01-15 23:59:01"}
    extracted = root / "downloaded" / A / "extracted"
    assert not list(root.parent.rglob("escape.txt"))
    assert not any(p.is_symlink() or p.stat().st_size > MB for p in extracted.iterdir())
    assert "collected 3 learner(s)" in report
    assert "kareninaanna_12345_67890_04_sequence_batching.ipynb" in report.split("dropped:")[1]
    assert "34567: my_work.ipynb collected as 04_sequence_batching.ipynb" in report
    assert "Canvas id 99999: levinkonstantin_99999_80000" in report
    assert "late (stamped 1 s after the due date" in report and "avronsky" in report.split("late (")[1]
    assert "'../escape.txt': is not a plain file name" in report
    assert "_data.txt': is a zip bomb" in report and "-3.ipynb': is a link" in report

    from nbgrader.api import Gradebook

    with Gradebook(canvas.db_url(root)) as gb:
        stiva = gb.find_student("45678")
        assert (stiva.first_name, stiva.last_name) == ("Stepan", "Oblonsky")
        assert gb.find_assignment(A).duedate.isoformat(" ") == DUE

    nbgrader(root, "autograde", A, "--force", "--student", "avronsky")  # the late one; grading is slow
    with Gradebook(canvas.db_url(root)) as gb:
        late = gb.find_submission(A, "avronsky")
        raw, penalty = late.score, late.late_submission_penalty
    assert raw > 0 and penalty == pytest.approx(0.1 * raw)  # one day late: 10%

    assert canvas.main(["export", A, "--roster", str(roster), "--root", str(root)]) == 0
    with open(root / "build" / "canvas" / f"{A}.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", COLUMN]
    scores = {row[1]: row[-1] for row in rows[1:]}
    assert scores == {"12345": "", "23456": canvas.points(raw - penalty), "34567": "", "45678": ""}
    assert scores["23456"] == f"{0.9 * raw:.2f}".rstrip("0").rstrip(".")
    assert all(len(s.partition(".")[2]) <= 2 for s in scores.values())


def test_checkpoint_lands_beside_its_notebook(course, tmp_path, capsys):
    """05's trained model travels with the notebook; the newest upload of it is kept. No roster:
    Canvas ids are the student ids; no due date: late work is collected and said unpenalized."""
    root = course
    nb = notebook("blank", "05_anna_karnna")
    download = write_zip(tmp_path / "submissions.zip", [
        ("kareninaanna_12345_67890_05_anna_karnna.ipynb", nb),
        ("kareninaanna_12345_67891_anna_karnna.pt", b"older model"),
        ("kareninaanna_12345_67892_anna_karnna-1.pt", b"newer model"),
        ("vronskyalexei_late_23456_78901_05_anna_karnna.ipynb", nb),
    ])
    assert canvas.main(["collect", "05_anna_karnna", str(download), "--root", str(root)]) == 0
    folder = root / "submitted" / "12345" / "05_anna_karnna"
    assert sorted(p.name for p in folder.iterdir()) == ["05_anna_karnna.ipynb", "anna_karnna.pt"]
    assert (folder / "anna_karnna.pt").read_bytes() == b"newer model"
    assert not (root / "submitted" / "23456" / "05_anna_karnna" / "timestamp.txt").exists()
    assert "NOT penalized: no due date" in capsys.readouterr().out


def test_a_download_too_large_is_refused_whole(tmp_path):
    download = write_zip(tmp_path / "big.zip", [(f"a_1_{i}_x.ipynb", b"{}" * 1000) for i in range(3)])
    (tmp_path / "out").mkdir()
    with pytest.raises(canvas.UnsafeArchive, match="over the"):
        canvas.safe_unzip(download, tmp_path / "out", max_total=5000)
    assert not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("name", ["/etc/x.ipynb", "a/b.ipynb", ".hidden", "c\\d.ipynb", "dir/"])
def test_entries_with_paths_are_refused(name):
    assert canvas.entry_problem(zipfile.ZipInfo(name))


def test_points_have_no_float_noise():
    assert [canvas.points(x) for x in (9.333400000000001, 10.0, 6.300000000000001, 0.0)] == \
        ["9.33", "10", "6.3", "0"]
