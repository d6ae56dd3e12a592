"""Drivers for 05_anna_karnna: plumbing only.

The hidden tests lend the learner's functions a stand-in model (``standins.py``) whose
passes the grader computes, call the learner's code, and judge its outputs on the trusted
side against the reference with the weights the grader chose. These drivers only save round
trips: they call a learner's function many times in one request, or hand back the bytes a
learner's ``save_checkpoint`` wrote. Nothing they return is believed; it is judged.
"""

from __future__ import annotations

MAX_CHECKPOINT = 8 * 1024 * 1024  # a checkpoint of the small model a check saves is a few kB


def repeat(ns, handles, function, args, kwargs=None, times=1):
    """``[function(*args, **kwargs) for each of times]``: the learner's outputs, in order."""
    fn = ns[function]
    return [fn(*args, **dict(kwargs or {})) for _ in range(int(times))]


def saved_bytes(ns, handles, net):
    """The bytes ``save_checkpoint(net, path)`` wrote, for a fresh path in the sandbox's /tmp."""
    import os
    import tempfile

    import numpy as np

    path = os.path.join(tempfile.mkdtemp(), "anna_karnna.pt")
    ns["save_checkpoint"](net, path)
    with open(path, "rb") as f:
        data = f.read(MAX_CHECKPOINT + 1)
    return np.frombuffer(data, dtype=np.uint8).copy()
