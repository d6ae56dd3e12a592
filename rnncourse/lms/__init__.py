"""The course and learning-management systems: Canvas in and out, Gradescope's autograder."""
