# Hostile submissions. Each is graded twice in the same nbgrader batch: as written, and
# with the lines between "# >>> hostile" and "# <<< hostile" removed (its honest work).
# It must never score above its honest work, and must not disturb anything else.

# %% patch_numpy_and_torch
# >>> hostile
import numpy as np
import torch
np.array_equal = lambda *a, **k: True
np.allclose = lambda *a, **k: True
np.testing.assert_array_equal = lambda *a, **k: None
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
# <<< hostile
def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    for _ in range(n):
        yield np.zeros((batch_size, seq_length), dtype=np.int64), np.zeros((batch_size, seq_length), dtype=np.int64)

# %% patch_grader_modules
# >>> hostile
import sys, types
import rnncourse.grading.hidden as hidden
hidden.expect = lambda *a, **k: None
hidden.Mistake = Exception
fake = types.ModuleType("test_04_sequence_batching")
sys.modules["test_04_sequence_batching"] = fake
sys.modules["autograder"] = fake
sys.modules["solutions"] = fake
import pytest
pytest.main = lambda *a, **k: 0
# <<< hostile
def one_hot_encode(arr, n_labels):
    return np.zeros((len(arr), n_labels))

# %% ipython_input_transformer
# >>> hostile
ip = get_ipython()
ip.input_transformers_post.append(lambda lines: ["pass\n"])
ip.events.register("post_run_cell", lambda *a: print(12))
# <<< hostile
# -- cell encode
def encode(text, char2int):
    return np.array([char2int[c] for c in text], dtype=np.int64)

# %% read_hidden_tests_and_gradebook
def build_vocab(text):
    import os
    from pathlib import Path
    import rnncourse
    # >>> hostile
    root = Path(rnncourse.__file__).resolve().parents[1]
    for path in [root / "solutions" / "sequence_batching.py", root / "autograder" / "test_04_sequence_batching.py",
                 root / "gradebook.db", Path("../../solutions/sequence_batching.py"), Path("/etc/shadow")]:
        try:
            source = path.read_text()
        except Exception:
            continue
        namespace = {}
        exec(source, namespace)
        return namespace["build_vocab"](text)
    # <<< hostile
    return {}, {}

# %% write_outside_the_sandbox
def decode(ints, int2char):
    import os
    from pathlib import Path
    import rnncourse
    # >>> hostile
    root = Path(rnncourse.__file__).resolve().parents[1]
    for path in [root / "course_config.py", root / "gradebook.db", root / "autograder" / "test_04_sequence_batching.py",
                 root / "rnncourse" / "grading" / "runner.py", Path("/tmp/hostile-was-here"), Path("/hostile-was-here")]:
        try:
            path.write_text("pwned")
        except Exception:
            pass
    # <<< hostile
    return "".join(int2char[int(i)] for i in ints)

# %% exit_at_top_level
# -- cell build_vocab
import os
# >>> hostile
os._exit(0)
# <<< hostile
def build_vocab(text):
    chars = sorted(set(text))
    return dict(enumerate(chars)), {c: i for i, c in enumerate(chars)}
# -- cell encode
def encode(text, char2int):
    return np.array([char2int[c] for c in text], dtype=np.int64)

# %% exit_inside_a_function
def get_batches(arr, batch_size, seq_length):
    # >>> hostile
    import os
    os._exit(3)
    # <<< hostile
    yield from ()
# -- cell build_vocab
def build_vocab(text):
    chars = sorted(set(text))
    return dict(enumerate(chars)), {c: i for i, c in enumerate(chars)}

# %% endless_loop_at_top_level
# -- cell build_vocab
# >>> hostile
while True:
    pass
# <<< hostile
def build_vocab(text):
    chars = sorted(set(text))
    return dict(enumerate(chars)), {c: i for i, c in enumerate(chars)}
# -- cell decode
def decode(ints, int2char):
    return "".join(int2char[int(i)] for i in ints)

# %% endless_loop_in_a_function
def train_val_split(data, val_frac=0.1):
    # >>> hostile
    while True:
        pass
    # <<< hostile
    return data, data[:0]
# -- cell decode
def decode(ints, int2char):
    return "".join(int2char[int(i)] for i in ints)

# %% memory_bomb
# -- cell build_vocab
# >>> hostile
hog = bytearray(64 * 2**30)
# <<< hostile
def build_vocab(text):
    chars = sorted(set(text))
    return dict(enumerate(chars)), {c: i for i, c in enumerate(chars)}
# -- cell one_hot_encode
def one_hot_encode(arr, n_labels):
    # >>> hostile
    blocks = []
    while True:
        blocks.append(np.ones(2**27))
    # <<< hostile
    return np.eye(n_labels, dtype=np.float32)[np.asarray(arr)]

# %% fork_bomb
def sliding_windows(encoded, window):
    # >>> hostile
    import os
    for _ in range(100000):
        try:
            os.fork()
        except OSError:
            pass
    # <<< hostile
    n = len(encoded) - window
    return np.stack([encoded[i:i + window] for i in range(n)]), encoded[window:]

# %% flood_of_output
# >>> hostile
import sys
for _ in range(200):
    print("x" * 1_000_000)
    sys.stderr.write("y" * 1_000_000)
# <<< hostile
def build_vocab(text):
    chars = sorted(set(text))
    return dict(enumerate(chars)), {c: i for i, c in enumerate(chars)}

# %% kill_the_sandbox_parent
def encode(text, char2int):
    # >>> hostile
    import os, signal
    os.kill(os.getppid(), signal.SIGKILL)
    os.kill(1, signal.SIGKILL)
    # <<< hostile
    return np.array([char2int[c] for c in text], dtype=np.int64)

# %% forged_plain_data
def one_hot_encode(arr, n_labels):
    # >>> hostile
    return {"__nd__": "AAAA", "dtype": "|O", "shape": [1]}
    # <<< hostile
    return np.zeros(1)

# %% forged_protocol_replies
def encode(text, char2int):
    # >>> hostile
    import os
    reply = '{"ok": true, "value": {"__nd__": "AAAAAAAAAAA=", "dtype": "<i8", "shape": [1]}}\n'
    for fd in range(3, 64):
        try:
            os.write(fd, reply.encode() * 50)
        except OSError:
            pass
    # <<< hostile
    return np.array([char2int[c] for c in text], dtype=np.int64)

# %% fill_tmp_and_memory
# (the honest function in a cell of its own, before the attack: what the attack's cell does within
# its time limit depends on the machine's load, what is graded must not)
# -- cell build_vocab
def build_vocab(text):
    chars = sorted(set(text))
    return dict(enumerate(chars)), {c: i for i, c in enumerate(chars)}
# -- cell encode
# >>> hostile
import os
try:
    with open("/tmp/fill", "wb") as f:
        for _ in range(8192):
            f.write(b"x" * 2**20)
except OSError:
    pass
try:
    hoard = [bytearray(2**28) for _ in range(64)]
except MemoryError:
    pass
# <<< hostile

# %% forge_callbacks_and_replies
# >>> hostile
import rnncourse.grading.worker as worker
_send = worker.Worker.send
def send(self, msg):
    if msg.get("ok") is False:
        msg = {"ok": True, "value": {"__nd__": "AAAAAAAAAAA=", "dtype": "<i8", "shape": [1]}}
    _send(self, msg)
worker.Worker.send = send
try:
    import gc
    live = [o for o in gc.get_objects() if isinstance(o, worker.Worker)]
    live[0].callback("build_vocab", ("abc",), {})
except Exception:
    pass
# <<< hostile
def build_vocab(text):
    raise NotImplementedError()
