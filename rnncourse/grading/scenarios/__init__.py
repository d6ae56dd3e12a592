"""Drivers that run inside the sandbox, on a learner's objects, for hidden tests.

A hidden test calls ``learner.scenario("<module>.<function>", **params)``; the worker
runs ``rnncourse.grading.scenarios.<module>.<function>(namespace, handles, **params)``
and sends back its return value as plain data. A driver is for what cannot be done
call by call from outside: a training loop over the learner's model, say. It returns
plain data (weights, losses, samples) that the trusted side checks or recomputes.

``learner.scenario`` keeps the keywords ``seed``, ``timeout`` and ``label`` for itself
(seeding every generator, the time limit, the function named in messages): give a
driver's own parameters other names.

Drivers are not secret (the learner's process can read them); what the grade depends
on is decided on the trusted side.
"""
