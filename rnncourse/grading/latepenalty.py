"""The course's late-work rule, for nbgrader's ``AssignLatePenalties``.

nbgrader's own plugin takes nothing off late work unless told to (``penalty_method = "none"``);
the course takes ``PerDayPenalty.percent_per_day`` percent (10 by default) of a notebook's score
for each day, or part of a day, it came in after the due date. Change it in ``course_config.py``:

    c.PerDayPenalty.percent_per_day = 20      # or 0: no penalty
    # late work scores 0, nbgrader's own rule:
    c.AssignLatePenalties.plugin_class = "nbgrader.plugins.LateSubmissionPlugin"
    c.LateSubmissionPlugin.penalty_method = "zero"

nbgrader knows a submission's time from ``timestamp.txt`` in its folder and the due date from
the gradebook (``nbgrader db assignment add A --duedate=...``, or ``make collect ... DUEDATE=``).
"""

from __future__ import annotations

import math

from nbgrader.plugins import BasePlugin
from traitlets import Float

DAY = 24 * 60 * 60


class PerDayPenalty(BasePlugin):
    percent_per_day = Float(10.0, help="Percent of the notebook's score taken off per day (or part "
                                       "of a day) late").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float:
        days = math.ceil(total_seconds_late / DAY)
        return score * min(1.0, days * self.percent_per_day / 100)
