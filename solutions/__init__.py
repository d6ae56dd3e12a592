"""Reference implementations of the course's graded functions (instructors only).

Each module is the single source of truth for one assignment's solution cells:
``make release`` copies every graded function from here into the solution cell of
``source/<assignment>/<assignment>.ipynb`` whose ``grade_id`` is the function's name.
"""
