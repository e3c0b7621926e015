"""Clean-process grading of the River Valley coursework.

A submission is graded in three steps, each in its own interpreter:

1. ``student_run``: the notebook's code cells run in a subprocess (with a stub for
   otter's ``grader``), and the answer values the question names are written out as
   JSON. Nothing else leaves that process.
2. ``extract``: the student's functions are taken from the notebook's *source* with the
   imports they need (by AST, never by running it); statements that patch builtins,
   numpy, otter or the library are reported as flags, never extracted.
3. ``clean``: a fresh ``python -I`` receives the extracted functions, the answer values
   and the hidden tests, and runs the tests. Calls from the student's functions into
   ``rivervalley_lib`` are checked against the question's allowlist where they happen,
   and recorded so that a test can check the computation itself.

``grade.grade`` puts the three together; ``tools/grade_submissions.py`` grades a folder.
There, each worker keeps a ``grade.Runner``: steps 1 and 3 run in forked children of two
warm servers (``server.py``) that imported the modules and loaded the tests once, so a
notebook costs its own work, not the interpreters' start and imports.
"""
