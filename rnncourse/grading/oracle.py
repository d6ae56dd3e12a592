"""The grader's side of a stand-in model (``standins.CharRNNStandIn``).

A hidden test that needs a working model for the learner's ``train``, ``predict`` or
``sample`` makes one here (the reference, with weights it chose), lends the learner's
code a stand-in with the same weights, and answers each of the stand-in's passes:

    oracle = ModelOracle(reference_net)
    net = learner.standin("charrnn", "train", tokens=..., n_hidden=..., n_layers=...,
                          state=oracle.state())
    learner.call("train", net, data, ..., serve=oracle.serve)

Forward passes are computed with the weights the stand-in sends (the learner's optimiser
moves them); backward passes with the graph kept here. The learner's process sees values
only. What the stand-in asks (``log``) is what the learner's process says it did: good
for naming a mistake, never for a score.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch

MAX_LOG = 400


class ModelOracle:
    def __init__(self, net: torch.nn.Module, key: str = "charrnn", keep: int = 32, seed: int = 0):
        self.net, self.key, self.keep = net, key, keep
        self.shapes = {n: tuple(p.shape) for n, p in net.named_parameters()}
        self.passes: OrderedDict[int, tuple] = OrderedDict()
        self.count = 0
        self.log: list[dict] = []
        self.generator = torch.Generator().manual_seed(seed)  # dropout masks in training mode

    @property
    def serve(self) -> dict:
        return {f"{self.key}.forward": self.forward, f"{self.key}.backward": self.backward}

    def state(self) -> dict:
        """The weights the stand-in starts from (the trusted model's own)."""
        return {k: v.detach().clone() for k, v in self.net.state_dict().items()}

    # -- the stand-in's questions ------------------------------------------------------------
    def forward(self, tensors, params, training, grad):
        x, h, c = (torch.as_tensor(np.asarray(t), dtype=torch.float32) for t in tensors)
        n_chars, n_layers, n_hidden = len(self.net.chars), self.net.n_layers, self.net.n_hidden
        if x.dim() != 3 or x.shape[2] != n_chars:
            raise ValueError(f"x should be (batch, seq, {n_chars})")
        for t in (h, c):
            if tuple(t.shape) != (n_layers, x.shape[0], n_hidden):
                raise ValueError("the hidden state does not fit the batch")
        if set(params) != set(self.shapes) or any(tuple(np.shape(params[n])) != s for n, s in self.shapes.items()):
            raise ValueError("the weights do not fit the model")
        grad = bool(grad)
        with torch.enable_grad() if grad else torch.no_grad():
            inputs = [t.clone().requires_grad_(grad) for t in (x, h, c)]
            weights = {n: torch.as_tensor(np.asarray(params[n]), dtype=torch.float32).clone().requires_grad_(grad)
                       for n in sorted(self.shapes)}
            self.net.train(bool(training))
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(int(torch.randint(0, 2 ** 31, (1,), generator=self.generator)))
                out, (h_n, c_n) = torch.func.functional_call(self.net, weights, (inputs[0], tuple(inputs[1:])))
        self.count += 1
        if len(self.log) < MAX_LOG:
            self.log.append({"pass": self.count, "x": x, "h": h, "c": c, "training": bool(training),
                             "grad": grad, "params": {n: w.detach().clone() for n, w in weights.items()}})
        if grad:
            self.passes[self.count] = (inputs + [weights[n] for n in sorted(self.shapes)], [out, h_n, c_n])
            while len(self.passes) > self.keep:
                self.passes.popitem(last=False)
        return [out.detach(), h_n.detach(), c_n.detach(), self.count]

    def backward(self, pass_id, grads):
        if pass_id not in self.passes:
            raise KeyError("this pass's graph is gone")
        inputs, outputs = self.passes[pass_id]
        grad_outputs = []
        for g, o in zip(grads, outputs):
            g = torch.zeros_like(o) if g is None else torch.as_tensor(np.asarray(g), dtype=torch.float32)
            if g.shape != o.shape:
                raise ValueError("a gradient does not fit its output")
            grad_outputs.append(g)
        if len(self.log) < MAX_LOG:
            self.log.append({"backward": int(pass_id)})
        found = torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph=True, allow_unused=True)
        found = [None if g is None else g.detach() for g in found]
        return [found[0], found[1], found[2], found[3:]]

    # -- what the log says (for messages only) ---------------------------------------------
    def forwards(self, grad: bool | None = None) -> list[dict]:
        return [e for e in self.log if "x" in e and (grad is None or e["grad"] == grad)]

    def backwards(self) -> int:
        return sum(1 for e in self.log if "backward" in e)
