"""Canvas in and out: a class's work from Canvas's "Download submissions" into nbgrader, and
nbgrader's scores back as a CSV Canvas's gradebook imports.

    python -m rnncourse.lms.canvas collect ASSIGNMENT ZIP [--roster GRADEBOOK.csv]
                                   [--duedate WHEN] [--force] [--root .]
    python -m rnncourse.lms.canvas export ASSIGNMENT [--roster GRADEBOOK.csv]
                                   [--column "NAME (ID)"] [--out build/canvas/ASSIGNMENT.csv] [--root .]

**collect** copies ZIP to ``downloaded/<a>/archive/`` and runs nbgrader's own ``zip_collect``,
with the two plugins below (set in ``course_config.py``), so that each learner's work lands in
``submitted/<student>/<a>/`` as nbgrader expects.

* Canvas names each file ``NAME_[late_]USERID_FILEID_FILENAME``: NAME the learner's sortable name,
  lowercased, punctuation dropped; ``late_`` when Canvas counted the submission late; USERID the
  learner's Canvas id; FILEID Canvas's id of the upload. A file uploaded again under the same name
  gets ``-N`` before its extension (``04_sequence_batching-1.ipynb``): only the newest of each name
  is kept (highest N, then highest FILEID).
* What is collected: the assignment's notebook and the files it carries (05's ``anna_karnna.pt``,
  see ``course.SUBMISSION_FILES``), beside each other. A learner without a file of that name but
  with another of its kind (``my_work.ipynb``) has their newest such file collected under the
  right name, and the report names them. Other files stay in ``downloaded/<a>/extracted/``.
* Student ids: with ``--roster`` (Canvas's gradebook export: Student, ID, SIS User ID, SIS Login
  ID, Section, ...), a learner's nbgrader id is their SIS Login ID when it is a plain name
  (letters, digits, ``. _ @ + -``), else their Canvas ID; the roster's students are put into the
  gradebook with their names. Files of a Canvas id not on the roster are reported and not
  collected. Without a roster the Canvas ID is the student id.
* Lateness: Canvas's download says *whether* a submission was late, not when. With a due date
  (the gradebook's, or ``--duedate``, which also sets the gradebook's) each collected submission
  gets a ``timestamp.txt``: the due date itself when on time, one second after it when late. So
  nbgrader's ``AssignLatePenalties`` sees late work as late by the least possible amount (the
  course's rule, ``rnncourse.grading.latepenalty``: one day's penalty). Without a due date no
  timestamp is written and late work is not penalized (the report says so).
* The download is learner data. ``CanvasExtractor`` unpacks it instead of nbgrader's extractor
  (which reads each entry whole into memory with no size limit, keeps the archive's file modes
  and unpacks archives found inside the download): only plain file names
  (no paths, no hidden files), no links or special files, no encrypted entries, each file capped
  by kind (``grading.files.cap``), the whole download capped (``max_total_mb``), and an entry that
  inflates more than ``MAX_RATIO`` times is refused as a zip bomb; what is refused is named in the
  report. Files are created new (never through a link) in ``downloaded/<a>/extracted/``.

The report (also in ``downloaded/<a>/canvas_report.json``): learners collected, resubmissions
dropped, renamed files, unknown Canvas ids, late submissions, refused and ignored files.

**export** writes ``Student, ID, SIS User ID, SIS Login ID, Section`` and one assignment column
with each learner's score from the gradebook (after the late penalty, never below 0), rounded to
two decimals. Canvas matches an assignment column by its header ``Name (canvas id)``: give it with
``--column``, or let it be found in the roster's header (the column whose name reads like the
assignment's, e.g. ``04 Sequence batching (123456)``); a header without an id makes Canvas create a
new assignment. With a roster every roster learner has a row (blank, which Canvas leaves as it
is, when the gradebook holds no grade for them); without one, each graded learner has a row
with their student id as Canvas ID (digits) or SIS Login ID.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import stat
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from nbgrader.plugins import ExtractorPlugin, FileNameCollectorPlugin
from traitlets import Integer, Unicode

from rnncourse import course, nbgrader_run
from rnncourse.grading.files import MB, cap, problem

CANVAS_NAME = re.compile(r"^(?P<name>[^_]*)_(?P<late>late_)?(?P<user>\d{1,20})_(?P<upload>\d{1,20})_(?P<file>.+)$")
RESUBMITTED = re.compile(r"^(?P<stem>.+)-(?P<n>\d{1,6})(?P<ext>\.[^.]+)?$")  # Canvas's "-N" on a name uploaded again
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")  # a student id is a folder name
CANVAS_ID = re.compile(r"^\d{1,20}$")
ASSIGNMENT_COLUMN = re.compile(r"^(?P<name>.*\S)\s*\((?P<id>\d+)\)$")
ROSTER_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MAX_RATIO = 100  # notebooks deflate about 5-10 times; a file inflating 100 times more is a bomb
MAX_ENTRIES = 20000
REPORT = "canvas_report.json"


class UnsafeArchive(ValueError):
    """A download refused as a whole; the message says why."""


# ---- the roster (Canvas's gradebook export) ----

@dataclass
class Learner:
    student_id: str  # nbgrader's
    row: dict  # the roster's row, as Canvas wrote it

    @property
    def names(self) -> tuple[str, str]:
        """(first, last) from Canvas's "Last, First"."""
        last, _, first = self.row.get("Student", "").partition(",")
        return first.strip(), last.strip()


def read_roster(path: Path) -> tuple[list[str], dict[str, Learner]]:
    """The roster's header and Canvas ID -> learner; rows without a Canvas ID ("Points Possible")
    are skipped."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        missing = [c for c in ("Student", "ID", "SIS Login ID") if c not in header]
        if missing:
            raise SystemExit(f"{path} is not Canvas's gradebook export: no column {', '.join(missing)}")
        learners = {}
        for row in reader:
            canvas_id = (row.get("ID") or "").strip()
            if CANVAS_ID.match(canvas_id):
                login = (row.get("SIS Login ID") or "").strip()
                learners[canvas_id] = Learner(login if SAFE_ID.match(login) else canvas_id, row)
    return header, learners


# ---- the download's files ----

@dataclass
class Upload:
    path: Path
    user: str  # Canvas user id
    late: bool
    upload: int  # Canvas's id of the uploaded file
    name: str  # the learner's file name, Canvas's "-N" taken off
    version: int  # that N; 0 for the first upload of the name

    @property
    def newness(self) -> tuple[int, int]:
        return self.version, self.upload


def parse(path: Path) -> Upload | None:
    m = CANVAS_NAME.match(path.name)
    if not m:
        return None
    name, version = m["file"], 0
    r = RESUBMITTED.match(name)
    if r:
        name, version = r["stem"] + (r["ext"] or ""), int(r["n"])
    return Upload(path, m["user"], bool(m["late"]), int(m["upload"]), name, version)


@dataclass
class Report:
    learners: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # older uploads of a name
    renamed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # Canvas ids not on the roster, with their files
    ignored: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    duedate: str = ""


def newest_per_name(uploads: list[Upload], report: Report) -> dict[str, Upload]:
    newest: dict[str, Upload] = {}
    for u in sorted(uploads, key=lambda u: u.newness):
        if u.name in newest:
            report.dropped.append(newest[u.name].path.name)
        newest[u.name] = u
    return newest


def choose(uploads: list[Upload], assignment: str, student: str, report: Report) -> dict[str, Upload]:
    """Collected file name -> upload, for one learner: the expected names, else the newest file
    of the same kind under the expected name."""
    newest = newest_per_name(uploads, report)
    expected = [f"{assignment}.ipynb", *course.SUBMISSION_FILES.get(assignment, [])]
    chosen = {name: newest.pop(name) for name in expected if name in newest}
    for name in expected:
        if name in chosen:
            continue
        kind = [u for u in newest.values() if Path(u.name).suffix == Path(name).suffix]
        if kind:
            u = max(kind, key=lambda u: u.upload)
            chosen[name] = newest.pop(u.name)
            report.renamed.append(f"{student}: {u.name} collected as {name}")
    report.ignored += [u.path.name for u in newest.values()]
    return chosen


def plan(folder: Path, assignment: str, roster: dict[str, Learner] | None,
         duedate: datetime | None, report: Report) -> dict[Path, dict]:
    """Extracted file -> what nbgrader's zip_collect wants of it (student_id, file_id, timestamp)."""
    by_user: dict[str, list[Upload]] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink()):
        upload = parse(path)
        if upload is None:
            report.ignored.append(path.name)
        else:
            by_user.setdefault(upload.user, []).append(upload)
    out = {}
    for user, uploads in sorted(by_user.items()):
        if roster is not None and user not in roster:
            report.unknown.append(f"Canvas id {user}: " + ", ".join(u.path.name for u in uploads))
            continue
        student = roster[user].student_id if roster is not None else user
        chosen = choose(uploads, assignment, student, report)
        if not chosen:
            continue
        late = any(u.late for u in chosen.values())
        report.learners.append(student)
        if late:
            report.late.append(student)
        stamp = (duedate + timedelta(seconds=1) if late else duedate) if duedate else None
        for name, u in chosen.items():
            out[u.path] = {"student_id": student, "file_id": name,
                           "timestamp": stamp.isoformat(" ") if stamp else None}
    return out


# ---- the download, unpacked safely ----

def entry_problem(info: zipfile.ZipInfo) -> str | None:
    """Why an entry of the download is not unpacked, or None."""
    name = info.filename
    mode = info.external_attr >> 16
    if info.is_dir():
        return "is a folder"
    if (not name or name != os.path.basename(name) or "\\" in name or name.startswith(".")
            or any(ord(c) < 32 for c in name) or len(name.encode()) > 255):
        return "is not a plain file name (a path, or a hidden file)"
    if stat.S_ISLNK(mode):
        return "is a link"
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        return "is not a regular file"
    if info.flag_bits & 0x1:
        return "is encrypted"
    limit = cap(Path(name))
    if info.file_size > MB and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return (f"is a zip bomb ({info.compress_size / 1024:.0f} KB would inflate to "
                f"{info.file_size / MB:.0f} MB)")
    if info.file_size > limit:
        return f"would unpack to {info.file_size / MB:.1f} MB, over the {limit / MB:.0f} MB allowed for it"
    return None


def write_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> str | None:
    """Unpack one checked entry into a new file; why it failed, or None."""
    limit = min(info.file_size, cap(dest))
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    written = 0
    try:
        with os.fdopen(fd, "wb") as out, zf.open(info) as src:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    raise zipfile.BadZipFile("it holds more than its header says")
                out.write(chunk)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
        dest.unlink(missing_ok=True)
        return f"could not be unpacked ({exc})"
    return None


def safe_unzip(archive: Path, dest: Path, max_total: int) -> list[str]:
    """Unpack the download's acceptable files into ``dest``; the refused ones, each with why.
    A download too large as a whole is refused before anything is written."""
    refused = []
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise UnsafeArchive(f"{archive.name} holds {len(infos)} files, over the {MAX_ENTRIES} allowed")
            accepted, seen = [], set()
            for info in infos:
                why = entry_problem(info) or ("appears twice" if info.filename in seen else None)
                seen.add(info.filename)
                if why:
                    refused.append(f"{info.filename!r}: {why}")
                else:
                    accepted.append(info)
            total = sum(i.file_size for i in accepted)
            if total > max_total:
                raise UnsafeArchive(f"{archive.name} would unpack to {total / MB:.0f} MB, over the "
                                    f"{max_total / MB:.0f} MB allowed (CanvasExtractor.max_total_mb)")
            for info in accepted:
                why = write_entry(zf, info, dest / info.filename)
                if why:
                    refused.append(f"{info.filename!r}: {why}")
    except zipfile.BadZipFile as exc:
        raise UnsafeArchive(f"{archive.name} is not a readable zip ({exc})") from None
    return refused


# ---- nbgrader's zip_collect plugins ----

def extracted(app) -> Path:
    """``downloaded/<a>/extracted``, as nbgrader's ZipCollectApp lays it out."""
    return Path(app._format_collect_path(app.extracted_directory))


def report_path(app) -> Path:
    return extracted(app).parent / REPORT


def save_report(path: Path, report: Report) -> None:
    path.write_text(json.dumps(report.__dict__, indent=1) + "\n")


def load_report(path: Path) -> Report:
    return Report(**json.loads(path.read_text())) if path.is_file() else Report()


class CanvasExtractor(ExtractorPlugin):
    """Unpacks the zips in ``downloaded/<a>/archive/`` safely (see the module's docstring)."""

    max_total_mb = Integer(4096, help="Most megabytes one download may unpack to").tag(config=True)

    def extract(self, archive_path: str, extracted_path: str) -> None:
        report = Report()
        for archive in sorted(Path(archive_path).iterdir()):
            why = problem(archive, max_bytes=self.max_total_mb * MB)
            if why or archive.suffix.lower() != ".zip":
                report.refused.append(f"{archive.name}: {why or 'is not a zip'}")
                continue
            try:
                report.refused += safe_unzip(archive, Path(extracted_path), self.max_total_mb * MB)
            except UnsafeArchive as exc:
                report.refused.append(str(exc))
        for line in report.refused:
            self.log.warning("REFUSED %s", line)
        save_report(report_path(self.parent), report)


class CanvasCollector(FileNameCollectorPlugin):
    """Reads Canvas's file names; which files are collected, and as what, is decided once for the
    whole download (resubmissions, renamed notebooks, the roster)."""

    roster = Unicode("", help="Canvas's gradebook export (CSV), to map Canvas ids to student ids").tag(config=True)
    duedate = Unicode("", help="The assignment's due date, set in the gradebook (e.g. "
                               "'2025-03-01 23:59:00 Europe/Berlin'; UTC when no zone)").tag(config=True)
    _plan = None

    def collect(self, submitted_file: str) -> dict | None:
        if self._plan is None:
            self._plan = self.make_plan()
        return self._plan.get(Path(submitted_file))

    def make_plan(self) -> dict[Path, dict]:
        app = self.parent
        folder = extracted(app)
        assignment = app.coursedir.assignment_id
        roster = read_roster(Path(self.roster))[1] if self.roster else None
        duedate = gradebook_setup(app.coursedir, assignment, roster, self.duedate)
        path = report_path(app)
        report = load_report(path)
        report.duedate = duedate.isoformat(" ") if duedate else ""
        out = plan(folder, assignment, roster, duedate, report)
        save_report(path, report)
        for line in describe(report, assignment):
            self.log.warning(line)
        return out


def gradebook_setup(coursedir, assignment: str, roster: dict[str, Learner] | None, duedate: str) -> datetime | None:
    """The roster's learners into the gradebook, ``duedate`` as the assignment's; its due date."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.utils import parse_utc

    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for learner in (roster or {}).values():
            first, last = learner.names
            gb.update_or_create_student(learner.student_id, first_name=first, last_name=last)
        if duedate:
            return gb.update_or_create_assignment(assignment, duedate=parse_utc(duedate)).duedate
        try:
            return gb.find_assignment(assignment).duedate
        except MissingEntry:
            return None


def describe(report: Report, assignment: str) -> list[str]:
    """The report in a few lines."""
    lines = [f"collected {len(report.learners)} learner(s) into submitted/*/{assignment}/"]
    if report.late:
        when = (f"stamped 1 s after the due date {report.duedate} UTC" if report.duedate
                else "NOT penalized: no due date in the gradebook (give --duedate)")
        lines.append(f"late ({when}): {', '.join(report.late)}")
    for title, items in (("resubmissions: kept the newest, dropped", report.dropped),
                         ("renamed (tell the learner)", report.renamed),
                         ("not on the roster, not collected", report.unknown),
                         ("REFUSED", report.refused),
                         ("ignored (not part of the assignment)", report.ignored)):
        if items:
            lines.append(f"{title}:")
            lines += [f"  {item}" for item in items]
    return lines


# ---- the commands ----

def known_assignment(assignment: str) -> str:
    if assignment not in course.ASSIGNMENTS:
        raise SystemExit(f"unknown assignment {assignment!r}: one of {', '.join(course.ASSIGNMENTS)}")
    return assignment


def collect(args) -> int:
    root = args.root.resolve()
    assignment = known_assignment(args.assignment)
    why = problem(args.zip, max_bytes=1 << 40)
    if why or not args.zip.is_file():
        raise SystemExit(f"{args.zip}: {why or 'is not a file'}")
    folder = root / "downloaded" / assignment
    (folder / "archive").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.zip, folder / "archive" / "canvas.zip")
    (folder / REPORT).unlink(missing_ok=True)
    options = [f"--CanvasCollector.roster={args.roster.resolve()}" if args.roster else "",
               f"--CanvasCollector.duedate={args.duedate}" if args.duedate else "",
               "--force" if args.force else ""]
    nbgrader_run.nbgrader(root, "zip_collect", assignment, "--log-level=ERROR", *filter(None, options))
    report = load_report(folder / REPORT)
    print("\n".join(describe(report, assignment)))
    return 0 if report.learners else 1


def db_url(root: Path) -> str:
    """The course's gradebook, its sqlite path taken from the course root."""
    from rnncourse.grading.classgrade import load_config

    url = load_config(root).CourseDirectory.db_url
    relative = url.startswith("sqlite:///") and not url.startswith("sqlite:////")
    return f"sqlite:///{root / url.removeprefix('sqlite:///')}" if relative else url


def gradebook_scores(root: Path, assignment: str) -> dict[str, tuple[float, str, str]]:
    """student id -> (score after the late penalty, first name, last name)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url(root)) as gb:
        return {s.student.id: (max(0.0, s.score - s.late_submission_penalty), s.student.first_name or "",
                               s.student.last_name or "") for s in gb.assignment_submissions(assignment)}


def points(score: float) -> str:
    """Two decimals at most, no float noise: 9.3334 -> '9.33', 10.0 -> '10'."""
    return f"{round(score, 2):.2f}".rstrip("0").rstrip(".")


def words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("_", " ")))


def roster_column(header: list[str], assignment: str) -> str | None:
    """The roster's column ``Name (id)`` whose name reads like the assignment's."""
    found = [c for c in header if (m := ASSIGNMENT_COLUMN.match(c)) and words(m["name"]) == words(assignment)]
    return found[0] if len(found) == 1 else None


def export(args) -> int:
    root = args.root.resolve()
    assignment = known_assignment(args.assignment)
    header, roster = read_roster(args.roster) if args.roster else ([], None)
    column = args.column or roster_column(header, assignment)
    if column is None:
        if roster is not None:
            raise SystemExit(f"no column of {args.roster} reads like {assignment}: give it with --column "
                             "'NAME (CANVAS ID)'")
        column = assignment
        print(f"note: the column {column!r} has no Canvas id: Canvas makes a new assignment of it "
              "(give --column 'NAME (CANVAS ID)' to fill an existing one)")
    scores = gradebook_scores(root, assignment)
    if roster is not None:
        rows = [[*(learner.row.get(c, "") for c in ROSTER_COLUMNS),
                 points(scores[learner.student_id][0]) if learner.student_id in scores else ""]
                for learner in roster.values()]
        on_roster = {learner.student_id for learner in roster.values()}
        strangers = sorted(set(scores) - on_roster)
    else:
        rows = [[f"{last}, {first}" if last else student, student if CANVAS_ID.match(student) else "", "",
                 "" if CANVAS_ID.match(student) else student, "", points(score)]
                for student, (score, first, last) in sorted(scores.items())]
        strangers = []
    out = (args.out or root / "build" / "canvas" / f"{assignment}.csv").resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*ROSTER_COLUMNS, column])
        writer.writerows(rows)
    graded = sum(1 for row in rows if row[-1] != "")
    print(f"wrote {out}: {graded} score(s) in column {column!r}, {len(rows) - graded} left blank")
    if strangers:
        print(f"graded but not on the roster, not exported: {', '.join(strangers)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.lms.canvas",
                                     description="Canvas in (collect) and out (export).")
    commands = parser.add_subparsers(dest="command", required=True)
    c = commands.add_parser("collect", help="Canvas's submissions download -> submitted/")
    c.add_argument("assignment")
    c.add_argument("zip", type=Path)
    c.add_argument("--roster", type=Path, help="Canvas's gradebook export (CSV)")
    c.add_argument("--duedate", help="the due date, also set in the gradebook "
                                     "('2025-03-01 23:59:00 Europe/Berlin'; UTC when no zone)")
    c.add_argument("--force", action="store_true", help="replace what an earlier collect left")
    c.add_argument("--root", type=Path, default=Path("."))
    e = commands.add_parser("export", help="the gradebook's scores -> a CSV for Canvas's gradebook import")
    e.add_argument("assignment")
    e.add_argument("--roster", type=Path, help="Canvas's gradebook export (CSV)")
    e.add_argument("--column", help="the Canvas column, 'NAME (CANVAS ASSIGNMENT ID)'")
    e.add_argument("--out", type=Path, help="default: build/canvas/ASSIGNMENT.csv")
    e.add_argument("--root", type=Path, default=Path("."))
    args = parser.parse_args(argv)
    return collect(args) if args.command == "collect" else export(args)


if __name__ == "__main__":
    sys.exit(main())
