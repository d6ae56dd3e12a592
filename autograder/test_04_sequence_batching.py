"""Hidden tests for 04_sequence_batching (COURSE_SPEC.md §4.4).

Every test checks one property of the contract on fresh random data and says,
when it fails, which property and the likely mistake behind it.
"""

import numpy as np

from rnncourse.checks.sequence_batching import (
    BATCHES_CONTIGUOUS,
    BATCHES_COUNT,
    BATCHES_INTEGER,
    BATCHES_INTERLEAVED,
    BATCHES_SHAPE,
    BATCHES_YIELD,
    DECODE_EMPTY,
    DECODE_ROUNDTRIP,
    DECODE_STR,
    ENCODE_ARRAY,
    ENCODE_INT64,
    ENCODE_LENGTH,
    ENCODE_VALUES,
    FINAL_WRAP,
    LAST_TARGET,
    ONE_HOT_FLOAT32,
    ONE_HOT_N_LABELS,
    ONE_HOT_SHAPE,
    ONE_HOT_VALUES,
    PAIR,
    SPLIT_DEFAULT,
    SPLIT_ORDER,
    SPLIT_SIZES,
    VOCAB_CODES,
    VOCAB_DICTS,
    VOCAB_KEYS,
    VOCAB_NOT_INVERSE,
    VOCAB_SORTED,
    VOCAB_SWAPPED,
    WINDOW_SHAPES,
    WINDOW_TARGET_INSIDE,
    WINDOW_X,
    WINDOW_Y,
    Y_EQUALS_X,
    Y_SHIFTED,
    Y_SHIFTED_BACK,
)
from rnncourse.compare import same
from rnncourse.grading.hidden import array, contract_tests, expect, graded
from solutions import sequence_batching as ref

ALPHABET = list("the quick brown fox, JUMPS over 12 lazy dogs!\n")


def rng(seed=404):
    """A fresh generator per use: every test sees the same data in any order, in any process."""
    return np.random.default_rng(seed)


def random_text(n, seed=404):
    return "".join(rng(seed + n).choice(ALPHABET, size=n))


def tuple_of_two(value, what):
    expect(isinstance(value, (tuple, list)) and len(value) == 2, PAIR, what, type(value).__name__)
    return value


# --- build_vocab -------------------------------------------------------------------------
def vocab(learner, text):
    """The learner's (int2char, char2int), after the checks every build_vocab test needs."""
    int2char, char2int = tuple_of_two(learner.build_vocab(text), "build_vocab")
    expect(isinstance(int2char, dict) and isinstance(char2int, dict),
           VOCAB_DICTS, type(int2char).__name__, type(char2int).__name__)
    expect(not (all(isinstance(k, str) for k in int2char) and all(isinstance(k, int) for k in char2int)),
           VOCAB_SWAPPED)
    return int2char, char2int


@graded("build_vocab")
def test_build_vocab_dicts_are_inverse(learner):
    "returns two dicts that undo each other and cover every character"
    text = random_text(300)
    int2char, char2int = vocab(learner, text)
    expect(set(char2int) == set(text), VOCAB_KEYS, len(set(text)), len(char2int))
    expect(all(int2char.get(i) == ch for ch, i in char2int.items()), VOCAB_NOT_INVERSE)


@graded("build_vocab")
def test_build_vocab_codes_start_at_zero(learner):
    "numbers the characters 0, 1, ..., V-1"
    text = random_text(200)
    int2char, _ = vocab(learner, text)
    expect(sorted(int2char) == list(range(len(set(text)))), VOCAB_CODES, len(set(text)), sorted(int2char)[:5])


@graded("build_vocab")
def test_build_vocab_sorted(learner):
    "numbers characters in sorted order, so every run gives the same encoding"
    text = random_text(400)
    int2char, _ = vocab(learner, text)
    want, _ = ref.build_vocab(text)
    expect(int2char == want, VOCAB_SORTED)


# --- encode / decode ---------------------------------------------------------------------
@graded("encode")
def test_encode_values(learner):
    "encodes each character with its code from char2int"
    text = random_text(150)
    _, char2int = ref.build_vocab(text + "".join(ALPHABET))
    out = array(learner.encode(text, char2int), "encode's result")
    want = ref.encode(text, char2int)
    expect(out.shape == want.shape, ENCODE_LENGTH, want.shape, out.shape)
    expect(same(out, want), ENCODE_VALUES, int(np.argmax(out != want)) if out.shape == want.shape else 0)


@graded("encode")
def test_encode_numpy_int64(learner):
    "returns a numpy array of dtype int64"
    _, char2int = ref.build_vocab("abcde")
    out = learner.encode("badcab", char2int)
    expect(isinstance(out, np.ndarray), ENCODE_ARRAY, type(out).__name__)
    expect(out.dtype == np.int64, ENCODE_INT64, out.dtype)


@graded("decode")
def test_decode_roundtrip(learner):
    "turns codes back into the original string, from a numpy array or a list"
    text = random_text(120)
    int2char, char2int = ref.build_vocab(text)
    codes = ref.encode(text, char2int)
    for given, kind in ((codes, "a numpy array"), ([int(c) for c in codes], "a list")):
        out = learner.decode(given, int2char)
        expect(isinstance(out, str), DECODE_STR, type(out).__name__)
        expect(out == text, DECODE_ROUNDTRIP, kind)


@graded("decode")
def test_decode_empty(learner):
    "decodes an empty sequence to the empty string"
    out = learner.decode([], {0: "a"})
    expect(out == "", DECODE_EMPTY, out)


# --- one_hot_encode ----------------------------------------------------------------------
@graded("one_hot_encode")
def test_one_hot_shape(learner):
    "keeps the input's shape and adds a last axis of size n_labels"
    for shape, n in (((7,), 5), ((3, 4), 9), ((2, 3, 2), 4)):
        arr = rng().integers(0, n, size=shape)
        out = array(learner.one_hot_encode(arr, n), "one_hot_encode's result")
        expect(out.shape == (*shape, n), ONE_HOT_SHAPE, shape, n, (*shape, n), out.shape)


@graded("one_hot_encode")
def test_one_hot_float32(learner):
    "returns float32"
    out = array(learner.one_hot_encode(np.array([0, 2, 1]), 3), "one_hot_encode's result")
    expect(out.dtype == np.float32, ONE_HOT_FLOAT32, out.dtype)


@graded("one_hot_encode")
def test_one_hot_values(learner):
    "puts a single 1 at each value's index"
    arr = rng().integers(0, 6, size=(4, 5))
    out = array(learner.one_hot_encode(arr, 6), "one_hot_encode's result")
    want = ref.one_hot_encode(arr, 6)
    expect(out.shape == want.shape, "shape {} expected, got {}", want.shape, out.shape)
    expect(same(out, want), ONE_HOT_VALUES)


@graded("one_hot_encode")
def test_one_hot_uses_n_labels(learner):
    "uses n_labels, not the largest value seen, for the last axis"
    out = array(learner.one_hot_encode(np.array([0, 1, 1]), 10), "one_hot_encode's result")
    expect(out.shape[-1:] == (10,), ONE_HOT_N_LABELS, 10, "0 and 1", out.shape)


# --- get_batches -------------------------------------------------------------------------
def batches(learner, arr, batch_size, seq_length):
    out = learner.call("get_batches", arr, batch_size, seq_length, materialize=True, max_items=5000)
    expect(isinstance(out, (list, tuple)), BATCHES_YIELD, type(out).__name__)
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
        expect(len(got) == n, BATCHES_COUNT, length, b, s, n, len(got))
        for x, y in got:
            expect(x.shape == (b, s) and y.shape == (b, s), BATCHES_SHAPE, (b, s), x.shape, y.shape)


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
    if not same(rows, want):
        columnwise = arr.reshape(-1, b).T
        expect(False, BATCHES_CONTIGUOUS, BATCHES_INTERLEAVED if same(rows, columnwise) else "")


@graded("get_batches", weight=2)
def test_get_batches_targets_shifted(learner):
    "y is x shifted one character to the left"
    arr = rng().integers(0, 30, size=500)
    for x, y in batches(learner, arr, 4, 10):
        expect(not same(x, y), Y_EQUALS_X)
        expect(not same(y[:, 1:], x[:, :-1]), Y_SHIFTED_BACK)
        expect(same(y[:, :-1], x[:, 1:]), Y_SHIFTED)


@graded("get_batches")
def test_get_batches_last_target_is_next_character(learner):
    "the last target of each row is the row's next character"
    arr = np.arange(1000)
    got = batches(learner, arr, 8, 12)
    want = expected_batches(arr, 8, 12)
    expect(len(got) == len(want), "expected {} batches, got {}", len(want), len(got))
    for (_, y), (_, wy) in list(zip(got, want))[:-1]:
        expect(same(y[:, -1], wy[:, -1]), LAST_TARGET, y[:, -1][:4].tolist(), wy[:, -1][:4].tolist())


@graded("get_batches")
def test_get_batches_final_batch_wraps(learner):
    "in the final batch, the last target of each row is the row's first character"
    for length, b, s in CASES:
        arr = rng().integers(0, 40, size=length)
        got = batches(learner, arr, b, s)
        want = expected_batches(arr, b, s)
        expect(len(got) == len(want), "expected {} batches, got {}", len(want), len(got))
        expect(same(got[-1][1], want[-1][1]), FINAL_WRAP, length, b, s,
               got[-1][1][:, -1].tolist(), want[-1][1][:, -1].tolist())


@graded("get_batches")
def test_get_batches_integer_dtype(learner):
    "keeps integer codes (x and y are integer arrays)"
    arr = rng().integers(0, 20, size=120).astype(np.int64)
    for x, y in batches(learner, arr, 2, 6):
        expect(np.issubdtype(x.dtype, np.integer) and np.issubdtype(y.dtype, np.integer),
               BATCHES_INTEGER, x.dtype, y.dtype)


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
               SPLIT_SIZES, length, frac, split, length - split, len(train), len(val))


@graded("train_val_split")
def test_train_val_split_order(learner):
    "keeps order: train is the head of the text, val the tail"
    data = rng().integers(0, 80, size=500)
    train, val = tuple_of_two(learner.train_val_split(data, 0.2), "train_val_split")
    train, val = array(train, "train"), array(val, "val")
    expect(same(np.concatenate([train, val]), data) if train.ndim == val.ndim == 1 else False, SPLIT_ORDER)


@graded("train_val_split")
def test_train_val_split_default(learner):
    "val_frac defaults to 0.1"
    train, val = tuple_of_two(learner.call("train_val_split", np.arange(100)), "train_val_split")
    expect(len(train) == 90 and len(val) == 10, SPLIT_DEFAULT, 100, 90, 10, len(train), len(val))


# --- sliding_windows ---------------------------------------------------------------------
@graded("sliding_windows")
def test_sliding_windows_shapes(learner):
    "returns X of shape (len - window, window) and y of shape (len - window,)"
    for length, window in ((50, 3), (12, 11), (30, 1)):
        enc = rng().integers(0, 9, size=length)
        X, y = tuple_of_two(learner.sliding_windows(enc, window), "sliding_windows")
        X, y = array(X, "X"), array(y, "y")
        n = length - window
        expect(X.shape == (n, window) and y.shape == (n,), WINDOW_SHAPES, length, window, length, window,
               n, (n, window), (n,), X.shape, y.shape)


@graded("sliding_windows")
def test_sliding_windows_contents(learner):
    "X[i] = encoded[i:i+window] and y[i] = encoded[i+window], the next symbol"
    enc = rng().integers(0, 50, size=80)
    X, y = tuple_of_two(learner.sliding_windows(enc, 4), "sliding_windows")
    X, y = array(X, "X"), array(y, "y")
    wX, wy = ref.sliding_windows(enc, 4)
    expect(same(X, wX), WINDOW_X)
    expect(not (y.shape == wy.shape and same(y, X[:, -1])), WINDOW_TARGET_INSIDE)
    expect(same(y, wy), WINDOW_Y)


# functions whose visible check is their whole contract (rnncourse.checks.contract) and which have
# no test above: that check, on the grader's own inputs
contract_tests("04_sequence_batching", globals(), seed=4_409)
