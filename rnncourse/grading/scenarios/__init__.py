"""Plumbing that runs inside the sandbox, on a learner's objects, for hidden tests.

A hidden test calls ``learner.scenario("<module>.<function>", **params)``; the worker
runs ``rnncourse.grading.scenarios.<module>.<function>(namespace, handles, **params)``
and sends back its return value as plain data. A driver is for what cannot be done call
by call from outside: a training loop over the learner's model, say.

Drivers run in the learner's process, so they are the learner's: a top-level cell can
replace them. They only build inputs from what the test sent and call the learner's code;
the test judges what comes back (a model's weights against a replay on the trusted side,
outputs against the reference). No driver reports a fact about the learner's code that
the grade relies on.

``learner.scenario`` keeps the keywords ``seed``, ``timeout``, ``label`` and ``serve`` for
itself (seeding every generator, the time limit, the function named in messages, the
stand-ins lent): give a driver's own parameters other names.
"""
