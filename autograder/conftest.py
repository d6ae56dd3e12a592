"""Hidden tests import the reference implementations from ``solutions/``."""

import sys
from pathlib import Path

COURSE_ROOT = str(Path(__file__).resolve().parents[1])
if COURSE_ROOT not in sys.path:
    sys.path.insert(0, COURSE_ROOT)
