"""nbgrader configuration of the course.

nbgrader reads ``nbgrader_config.py`` from the folder it runs in; that file is a
two-line shim that loads this one. The course root is the repository root: put
submissions in ``submitted/<student>/<assignment>/`` and run
``nbgrader autograde <assignment>`` here.

Autograding never runs a learner's notebook in nbgrader's own kernel. The
``SandboxGrade`` preprocessor runs the learner's code in a sandbox and scores it
with the hidden tests in ``autograder/`` (see ``rnncourse/grading``).
"""

from rnncourse.grading.nbgrader_plugin import guard_copies

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads the file)

# nbgrader copies a submission's files with shutil.copy, which follows links: refuse links and
# special files instead (`make autograde` names them first, with rnncourse.grading.intake).
guard_copies()

# On a JupyterHub, release_assignment and collect meet the learners' fetch and submit in nbgrader's
# exchange, under this course id; the exchange is nbgrader's default folder,
# /usr/local/share/nbgrader/exchange, which must exist, writable by everyone, and be the same
# folder on every learner's server. Learners' servers need the course id too (and any other
# exchange folder, c.Exchange.root, here and there alike): their own nbgrader_config.py, e.g.
# /etc/jupyter/nbgrader_config.py, holds c.CourseDirectory.course_id = "rnn-course".
c.CourseDirectory.course_id = "rnn-course"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# Checkpoints (*.pt) travel with the notebook: the project grades the learner's trained model,
# which autograde copies from submitted/ to autograded/ with the notebook (the grader reads it
# there). The result record kept beside each autograded notebook (*.record.json) stays with the course.
IGNORE = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.record.json"]
c.CourseDirectory.ignore = IGNORE
# generate_feedback copies every file of autograded/ that the ignore list lets through into
# feedback/ beside the HTML page; a learner's own checkpoint (megabytes) is no feedback. The
# section under GenerateFeedbackApp reaches only that command's course directory, not autograde's.
# (formgrader's "Generate Feedback" button shares one course directory with its autograde: it
# still copies checkpoints.)
c.GenerateFeedbackApp.CourseDirectory.ignore = IGNORE + ["*.pt"]

# The release holds no solutions and no hidden tests (hidden tests live in autograder/).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.LockCells.lock_grade_cells = True
c.LockCells.lock_readonly_cells = True

# A learner who deletes a test cell gets it back (scored by the hidden tests anyway).
c.OverwriteCells.add_missing_cells = True

# What a learner can edit in a cell's nbgrader metadata is replaced by the course's own first,
# so duplicated or orphaned test cells, missing grade ids or changed points never break grading.
c.Autograde.sanitize_preprocessors = [
    "rnncourse.grading.nbgrader_plugin.RestoreCourseMetadata",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Scoring: the learner's code runs sandboxed; the hidden tests score it in a trusted process.
c.Autograde.autograde_preprocessors = [
    "rnncourse.grading.nbgrader_plugin.SandboxGrade",
    "nbgrader.preprocessors.IgnorePattern",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.SandboxGrade.timeout = 900  # seconds for one submission, all hidden tests together
c.SandboxGrade.cell_timeout = 120  # a notebook cell running longer is skipped, the rest still graded
c.SandboxGrade.call_timeout = 60  # one call of a learner's function
# Late work (a submission's timestamp.txt after the gradebook's due date): nbgrader's default
# takes nothing off; the course takes 10% of the notebook's score per day or part of a day late.
# Set percent_per_day, or see rnncourse/grading/latepenalty.py for nbgrader's "late scores 0".
c.AssignLatePenalties.plugin_class = "rnncourse.grading.latepenalty.PerDayPenalty"
c.PerDayPenalty.percent_per_day = 10
# A PyTorch or NumPy warning on stderr must never zero a correct answer.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(Warning|warnings\.warn)"
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# Kernel used when notebooks are executed by nbgrader (validate) or by the course tools.
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True

# Canvas's "Download submissions" zip -> submitted/ (`make collect`, rnncourse/lms/canvas.py):
# nbgrader's zip_collect reads these two options (ZipCollectApp.*_plugin in nbgrader 0.9.6;
# its default collector has no file-name pattern and collects nothing). The download is
# unpacked by the course's extractor: nbgrader's own reads each entry whole into memory with no
# size limit, keeps the archive's file modes and unpacks archives found inside it.
c.ZipCollectApp.extractor_plugin = "rnncourse.lms.canvas.CanvasExtractor"
c.ZipCollectApp.collector_plugin = "rnncourse.lms.canvas.CanvasCollector"
