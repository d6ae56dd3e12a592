"""Hidden tests for 04_sequence_batching (COURSE_SPEC.md §4.4).

Every test checks one property of the contract on fresh random data and says,
when it fails, which property and the likely mistake behind it.
"""

import numpy as np

from rnncourse.grading.hidden import array, expect, graded
from solutions import sequence_batching as ref

ALPHABET = list("the quick brown fox, JUMPS over 12 lazy dogs!\n")


def rng(seed=404):
    """A fresh generator per use: every test sees the same data in any order, in any process."""
    return np.random.default_rng(seed)


def random_text(n, seed=404):
    return "".join(rng(seed + n).choice(ALPHABET, size=n))


def tuple_of_two(value, what):
    expect(isinstance(value, (tuple, list)) and len(value) == 2,
           "{} should return a pair (two values), got {}", what, type(value).__name__)
    return value


# --- build_vocab -------------------------------------------------------------------------
def vocab(learner, text):
    """The learner's (int2char, char2int), after the checks every build_vocab test needs."""
    int2char, char2int = tuple_of_two(learner.build_vocab(text), "build_vocab")
    expect(isinstance(int2char, dict) and isinstance(char2int, dict),
           "build_vocab should return (int2char, char2int) as two dicts, got {} and {}",
           type(int2char).__name__, type(char2int).__name__)
    expect(not (all(isinstance(k, str) for k in int2char) and all(isinstance(k, int) for k in char2int)),
           "the two dicts are returned in the wrong order (they are not inverses of the expected "
           "pair): return (int2char, char2int), integer keys first")
    return int2char, char2int


@graded("build_vocab")
def test_build_vocab_dicts_are_inverse(learner):
    "returns two dicts that undo each other and cover every character"
    text = random_text(300)
    int2char, char2int = vocab(learner, text)
    expect(set(char2int) == set(text),
           "char2int should have one key per distinct character of the text "
           "({} distinct characters, got {} keys)", len(set(text)), len(char2int))
    expect(all(int2char.get(i) == ch for ch, i in char2int.items()),
           "int2char and char2int are not inverses: int2char[char2int[c]] should be c")


@graded("build_vocab")
def test_build_vocab_codes_start_at_zero(learner):
    "numbers the characters 0, 1, ..., V-1"
    text = random_text(200)
    int2char, _ = vocab(learner, text)
    expect(sorted(int2char) == list(range(len(set(text)))),
           "the codes should be 0 .. V-1 with V = {} characters; they are the indices used for "
           "one-hot vectors and embedding rows (got {} ...)", len(set(text)), sorted(int2char)[:5])


@graded("build_vocab")
def test_build_vocab_sorted(learner):
    "numbers characters in sorted order, so every run gives the same encoding"
    text = random_text(400)
    int2char, _ = vocab(learner, text)
    want, _ = ref.build_vocab(text)
    expect(int2char == want,
           "the characters should be numbered in sorted order (sorted(set(text))): "
           "the order of a set changes between Python runs, so a model saved in one "
           "session would read garbage in the next")


# --- encode / decode ---------------------------------------------------------------------
@graded("encode")
def test_encode_values(learner):
    "encodes each character with its code from char2int"
    text = random_text(150)
    _, char2int = ref.build_vocab(text + "".join(ALPHABET))
    out = array(learner.encode(text, char2int), "encode's result")
    want = ref.encode(text, char2int)
    expect(out.shape == want.shape, "encode should return one integer per character: "
           "shape {} expected, got {}", want.shape, out.shape)
    expect(np.array_equal(out, want), "encode gave codes that differ from char2int "
           "(first difference at position {})", int(np.argmax(out != want)) if out.shape == want.shape else 0)


@graded("encode")
def test_encode_numpy_int64(learner):
    "returns a numpy array of dtype int64"
    _, char2int = ref.build_vocab("abcde")
    out = learner.encode("badcab", char2int)
    expect(isinstance(out, np.ndarray),
           "encode should return a numpy array (np.array(..., dtype=np.int64)), got a {}",
           type(out).__name__)
    expect(out.dtype == np.int64,
           "encode should return dtype int64 (PyTorch's embedding and cross-entropy want "
           "int64 indices), got {}", out.dtype)


@graded("decode")
def test_decode_roundtrip(learner):
    "turns codes back into the original string, from a numpy array or a list"
    text = random_text(120)
    int2char, char2int = ref.build_vocab(text)
    codes = ref.encode(text, char2int)
    for given, kind in ((codes, "a numpy array"), ([int(c) for c in codes], "a list")):
        out = learner.decode(given, int2char)
        expect(isinstance(out, str), "decode should return a str, got a {} (join the characters: "
               "''.join(...))", type(out).__name__)
        expect(out == text, "decode({}) should give back the encoded text", kind)


@graded("decode")
def test_decode_empty(learner):
    "decodes an empty sequence to the empty string"
    out = learner.decode([], {0: "a"})
    expect(out == "", "decode of no codes should be '', got {!r}", out)


# --- one_hot_encode ----------------------------------------------------------------------
@graded("one_hot_encode")
def test_one_hot_shape(learner):
    "keeps the input's shape and adds a last axis of size n_labels"
    for shape, n in (((7,), 5), ((3, 4), 9), ((2, 3, 2), 4)):
        arr = rng().integers(0, n, size=shape)
        out = array(learner.one_hot_encode(arr, n), "one_hot_encode's result")
        expect(out.shape == (*shape, n),
               "for an input of shape {} and n_labels={}, the result should have shape {}, "
               "got {} (reshape to (*arr.shape, n_labels) at the end)", shape, n, (*shape, n), out.shape)


@graded("one_hot_encode")
def test_one_hot_float32(learner):
    "returns float32"
    out = array(learner.one_hot_encode(np.array([0, 2, 1]), 3), "one_hot_encode's result")
    expect(out.dtype == np.float32,
           "one_hot_encode should return float32, got {}: PyTorch's layers use float32 and a "
           "float64 input makes them raise (and doubles the memory)", out.dtype)


@graded("one_hot_encode")
def test_one_hot_values(learner):
    "puts a single 1 at each value's index"
    arr = rng().integers(0, 6, size=(4, 5))
    out = array(learner.one_hot_encode(arr, 6), "one_hot_encode's result")
    want = ref.one_hot_encode(arr, 6)
    expect(out.shape == want.shape, "shape {} expected, got {}", want.shape, out.shape)
    expect(np.array_equal(out, want), "the 1s are not at the right places: out[..., k] should be 1 "
           "exactly where arr == k")


@graded("one_hot_encode")
def test_one_hot_uses_n_labels(learner):
    "uses n_labels, not the largest value seen, for the last axis"
    out = array(learner.one_hot_encode(np.array([0, 1, 1]), 10), "one_hot_encode's result")
    expect(out.shape[-1:] == (10,), "the last axis should have n_labels = 10 entries even when the "
           "input only contains 0 and 1 (got {}); do not infer the size from arr.max()", out.shape)


# --- get_batches -------------------------------------------------------------------------
def batches(learner, arr, batch_size, seq_length):
    out = learner.call("get_batches", arr, batch_size, seq_length, materialize=True, max_items=5000)
    expect(isinstance(out, (list, tuple)),
           "get_batches should yield (x, y) batches (use `yield` inside a loop), got a {}",
           type(out).__name__)
    pairs = []
    for item in out:
        x, y = tuple_of_two(item, "each batch of get_batches")
        pairs.append((array(x, "x"), array(y, "y")))
    return pairs


def expected_batches(arr, batch_size, seq_length):
    return list(ref.get_batches(arr, batch_size, seq_length))


CASES = [(103, 4, 5), (240, 3, 8), (90, 2, 9), (1000, 8, 12)]  # the third divides exactly


@graded("get_batches", weight=2)
def test_get_batches_count_and_shape(learner):
    "yields n = len(arr) // (batch_size * seq_length) batches of shape (batch_size, seq_length)"
    for length, b, s in CASES:
        arr = rng().integers(0, 50, size=length)
        got = batches(learner, arr, b, s)
        n = length // (b * s)
        expect(len(got) == n, "for len(arr)={}, batch_size={}, seq_length={} there are {} full "
               "batches; got {} (keep only the characters that fill whole batches: drop the "
               "remainder)", length, b, s, n, len(got))
        for x, y in got:
            expect(x.shape == (b, s) and y.shape == (b, s), "each x and y should have shape "
                   "(batch_size, seq_length) = {}, got x {} and y {}", (b, s), x.shape, y.shape)


@graded("get_batches", weight=2)
def test_get_batches_rows_are_contiguous(learner):
    "x's rows are contiguous streams: row r walks through its own slice of the text"
    arr = np.arange(240)
    b, s = 3, 8
    got = batches(learner, arr, b, s)
    expect(len(got) == 10, "expected 10 batches, got {}", len(got))
    rows = np.concatenate([x for x, _ in got], axis=1)
    want = arr.reshape(b, -1)
    expect(rows.shape == want.shape, "x should have shape {} in every batch", (b, s))
    if not np.array_equal(rows, want):
        columnwise = arr.reshape(-1, b).T
        hint = (" (the text was reshaped to (-1, batch_size), which interleaves the rows; "
                "reshape to (batch_size, -1))") if np.array_equal(rows, columnwise) else ""
        expect(False, "row r of x, read across the batches, should be one contiguous stretch of "
               "the text (the text reshaped to (batch_size, -1)){}", hint)


@graded("get_batches", weight=2)
def test_get_batches_targets_shifted(learner):
    "y is x shifted one character to the left"
    arr = rng().integers(0, 30, size=500)
    for x, y in batches(learner, arr, 4, 10):
        expect(not np.array_equal(x, y), "y equals x: the targets must be the inputs shifted by one "
               "character (predict the next character, not the current one)")
        expect(not np.array_equal(y[:, 1:], x[:, :-1]), "y is shifted by one in the wrong direction: "
               "y[:, t] is the character before x[:, t]; the target is the character after it")
        expect(np.array_equal(y[:, :-1], x[:, 1:]), "y should be x shifted by one to the left "
               "(y[:, :-1] == x[:, 1:]): each target is the character that follows the input at "
               "the same position")


@graded("get_batches")
def test_get_batches_last_target_is_next_character(learner):
    "the last target of each row is the row's next character"
    arr = np.arange(1000)
    got = batches(learner, arr, 8, 12)
    want = expected_batches(arr, 8, 12)
    expect(len(got) == len(want), "expected {} batches, got {}", len(want), len(got))
    for (_, y), (_, wy) in list(zip(got, want))[:-1]:
        expect(np.array_equal(y[:, -1], wy[:, -1]), "the last target of each row should be the "
               "character right after the batch in that row (the first character of the row's next "
               "batch), got {} instead of {}", y[:, -1][:4].tolist(), wy[:, -1][:4].tolist())


@graded("get_batches")
def test_get_batches_final_batch_wraps(learner):
    "in the final batch, the last target of each row is the row's first character"
    for length, b, s in CASES:
        arr = rng().integers(0, 40, size=length)
        got = batches(learner, arr, b, s)
        want = expected_batches(arr, b, s)
        expect(len(got) == len(want), "expected {} batches, got {}", len(want), len(got))
        expect(np.array_equal(got[-1][1], want[-1][1]), "in the final batch a row has no next "
               "character: its last target should be the row's first character (wrap around); for "
               "len(arr)={}, batch_size={}, seq_length={} got {} instead of {}", length, b, s,
               got[-1][1][:, -1].tolist(), want[-1][1][:, -1].tolist())


@graded("get_batches")
def test_get_batches_integer_dtype(learner):
    "keeps integer codes (x and y are integer arrays)"
    arr = rng().integers(0, 20, size=120).astype(np.int64)
    for x, y in batches(learner, arr, 2, 6):
        expect(np.issubdtype(x.dtype, np.integer) and np.issubdtype(y.dtype, np.integer),
               "x and y should be integer arrays (character codes), got {} and {}", x.dtype, y.dtype)


# --- train_val_split ---------------------------------------------------------------------
@graded("train_val_split")
def test_train_val_split_sizes(learner):
    "splits at int(len(data) * (1 - val_frac))"
    for length, frac in ((1000, 0.1), (37, 0.25), (999, 0.3)):
        data = np.arange(length)
        train, val = (array(v, "train/val") for v in tuple_of_two(learner.train_val_split(data, frac),
                                                                 "train_val_split"))
        split = int(length * (1 - frac))
        expect(len(train) == split and len(val) == length - split,
               "for len(data)={} and val_frac={}, train should have int(len * (1 - val_frac)) = {} "
               "items and val {}; got {} and {}", length, frac, split, length - split, len(train), len(val))


@graded("train_val_split")
def test_train_val_split_order(learner):
    "keeps order: train is the head of the text, val the tail"
    data = rng().integers(0, 80, size=500)
    train, val = tuple_of_two(learner.train_val_split(data, 0.2), "train_val_split")
    train, val = array(train, "train"), array(val, "val")
    expect(np.array_equal(np.concatenate([train, val]), data) if train.ndim == val.ndim == 1 else False,
           "train followed by val should be the data, unchanged: do not shuffle a text (its "
           "characters only make sense in order), and put validation at the end")


@graded("train_val_split")
def test_train_val_split_default(learner):
    "val_frac defaults to 0.1"
    train, val = tuple_of_two(learner.call("train_val_split", np.arange(100)), "train_val_split")
    expect(len(train) == 90 and len(val) == 10,
           "with the default val_frac, 100 items should split into 90 and 10, got {} and {}",
           len(train), len(val))


# --- sliding_windows ---------------------------------------------------------------------
@graded("sliding_windows")
def test_sliding_windows_shapes(learner):
    "returns X of shape (len - window, window) and y of shape (len - window,)"
    for length, window in ((50, 3), (12, 11), (30, 1)):
        enc = rng().integers(0, 9, size=length)
        X, y = tuple_of_two(learner.sliding_windows(enc, window), "sliding_windows")
        X, y = array(X, "X"), array(y, "y")
        n = length - window
        expect(X.shape == (n, window) and y.shape == (n,),
               "for {} symbols and window={}, there are n = {} - {} = {} windows: X should be {} and "
               "y {}, got {} and {} (an off-by-one in the range?)", length, window, length, window,
               n, (n, window), (n,), X.shape, y.shape)


@graded("sliding_windows")
def test_sliding_windows_contents(learner):
    "X[i] = encoded[i:i+window] and y[i] = encoded[i+window], the next symbol"
    enc = rng().integers(0, 50, size=80)
    X, y = tuple_of_two(learner.sliding_windows(enc, 4), "sliding_windows")
    X, y = array(X, "X"), array(y, "y")
    wX, wy = ref.sliding_windows(enc, 4)
    expect(X.shape == wX.shape and np.array_equal(X, wX),
           "X[i] should be encoded[i:i+window], the window starting at i")
    if y.shape == wy.shape and np.array_equal(y, X[:, -1]):
        expect(False, "y[i] is the last symbol inside the window; it should be the symbol after "
               "it, encoded[i + window]")
    expect(y.shape == wy.shape and np.array_equal(y, wy),
           "y[i] should be encoded[i + window], the symbol that follows window i")

