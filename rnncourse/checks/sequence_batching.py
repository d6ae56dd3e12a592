"""Visible checks for 04_sequence_batching: small worked examples you can verify by hand."""

import numpy as np

from rnncourse.checks import check, passed
from rnncourse.compare import same

TEXT = "hello world"

# The named mistakes, in the words both sides use: the visible checks here (the learner's
# machine, public inputs) and the hidden tests (autograder/test_04_sequence_batching.py, the
# grader's inputs) import these, so that the self-check and the grade name a mistake alike.
# Each is a format string; the arguments are the case at hand.
PAIR = "{} should return a pair (two values), got {}"
VOCAB_DICTS = "build_vocab should return (int2char, char2int) as two dicts, got {} and {}"
VOCAB_SWAPPED = ("the two dicts are returned in the wrong order (they are not inverses of the expected "
                 "pair): return (int2char, char2int), integer keys first")
VOCAB_KEYS = ("char2int should have one key per distinct character of the text "
              "({} distinct characters, got {} keys)")
VOCAB_NOT_INVERSE = "int2char and char2int are not inverses: int2char[char2int[c]] should be c"
VOCAB_CODES = ("the codes should be 0 .. V-1 with V = {} characters; they are the indices used for "
               "one-hot vectors and embedding rows (got {} ...)")
VOCAB_SORTED = ("the characters should be numbered in sorted order (sorted(set(text))): "
                "the order of a set changes between Python runs, so a model saved in one "
                "session would read garbage in the next")
ENCODE_LENGTH = "encode should return one integer per character: shape {} expected, got {}"
ENCODE_VALUES = "encode gave codes that differ from char2int (first difference at position {})"
ENCODE_ARRAY = "encode should return a numpy array (np.array(..., dtype=np.int64)), got a {}"
ENCODE_INT64 = ("encode should return dtype int64 (PyTorch's embedding and cross-entropy want "
                "int64 indices), got {}")
DECODE_STR = "decode should return a str, got a {} (join the characters: ''.join(...))"
DECODE_ROUNDTRIP = "decode({}) should give back the encoded text"
DECODE_EMPTY = "decode of no codes should be '', got {!r}"
ONE_HOT_SHAPE = ("for an input of shape {} and n_labels={}, the result should have shape {}, "
                 "got {} (reshape to (*arr.shape, n_labels) at the end)")
ONE_HOT_FLOAT32 = ("one_hot_encode should return float32, got {}: PyTorch's layers use float32 and a "
                   "float64 input makes them raise (and doubles the memory)")
ONE_HOT_VALUES = "the 1s are not at the right places: out[..., k] should be 1 exactly where arr == k"
ONE_HOT_N_LABELS = ("the last axis should have n_labels = {} entries even when the input only contains "
                    "{} (got {}); do not infer the size from arr.max()")
BATCHES_YIELD = "get_batches should yield (x, y) batches (use `yield` inside a loop), got a {}"
BATCHES_COUNT = ("for len(arr)={}, batch_size={}, seq_length={} there are {} full batches; got {} (keep "
                 "only the characters that fill whole batches: drop the remainder)")
BATCHES_SHAPE = ("each x and y should have shape (batch_size, seq_length) = {}, got x {} and y {}")
BATCHES_CONTIGUOUS = ("row r of x, read across the batches, should be one contiguous stretch of "
                      "the text (the text reshaped to (batch_size, -1)){}")
BATCHES_INTERLEAVED = (" (the text was reshaped to (-1, batch_size), which interleaves the rows; "
                       "reshape to (batch_size, -1))")
Y_EQUALS_X = ("y equals x: the targets must be the inputs shifted by one character (predict the next "
              "character, not the current one)")
Y_SHIFTED_BACK = ("y is shifted by one in the wrong direction: y[:, t] is the character before x[:, t]; "
                  "the target is the character after it")
Y_SHIFTED = ("y should be x shifted by one to the left (y[:, :-1] == x[:, 1:]): each target is the "
             "character that follows the input at the same position")
LAST_TARGET = ("the last target of each row should be the row's next character, the one right after the "
               "batch in that row (the first character of the row's next batch), got {} instead of {}")
FINAL_WRAP = ("in the final batch a row has no next character: its last target should be the row's "
              "first character (wrap around); for len(arr)={}, batch_size={}, seq_length={} got {} "
              "instead of {}")
BATCHES_INTEGER = "x and y should be integer arrays (character codes), got {} and {}"
SPLIT_SIZES = ("for len(data)={} and val_frac={}, train should have int(len * (1 - val_frac)) = {} "
               "items and val {}; got {} and {}")
SPLIT_ORDER = ("train followed by val should be the data, unchanged: do not shuffle a text (its "
               "characters only make sense in order), and put validation at the end")
SPLIT_DEFAULT = "with the default val_frac, {} items should split into {} and {}, got {} and {}"
WINDOW_SHAPES = ("for {} symbols and window={}, there are n = {} - {} = {} windows: X should be {} and "
                 "y {}, got {} and {} (an off-by-one in the range?)")
WINDOW_X = "X[i] should be encoded[i:i+window], the window starting at i"
WINDOW_TARGET_INSIDE = ("y[i] is the last symbol inside the window; it should be the symbol after "
                        "it, encoded[i + window]")
WINDOW_Y = "y[i] should be encoded[i + window], the symbol that follows window i"


def _pair(value, what):
    check(isinstance(value, (tuple, list)) and len(value) == 2, PAIR, what, type(value).__name__)
    return value


def check_build_vocab(build_vocab):
    int2char, char2int = _pair(build_vocab(TEXT), "build_vocab")
    check(isinstance(int2char, dict) and isinstance(char2int, dict),
          VOCAB_DICTS, type(int2char).__name__, type(char2int).__name__)
    check(not (all(isinstance(k, str) for k in int2char) and all(isinstance(k, int) for k in char2int)),
          VOCAB_SWAPPED)
    check(set(char2int) == set(TEXT), VOCAB_KEYS + "; for {!r} got keys {}",
          len(set(TEXT)), len(char2int), TEXT, sorted(char2int, key=repr))
    check(all(int2char.get(i) == c for c, i in char2int.items()), VOCAB_NOT_INVERSE)
    check(sorted(int2char) == list(range(len(set(TEXT)))), VOCAB_CODES, len(set(TEXT)), sorted(int2char)[:5])
    check(int2char == dict(enumerate(sorted(set(TEXT)))),
          VOCAB_SORTED + ": for {!r}, ' ' -> 0, 'd' -> 1, 'e' -> 2, ...; got {}", TEXT, int2char)
    passed("build_vocab")


def check_encode(encode):
    char2int = {" ": 0, "d": 1, "e": 2, "h": 3, "l": 4, "o": 5, "r": 6, "w": 7}
    out = encode(TEXT, char2int)
    check(isinstance(out, np.ndarray), ENCODE_ARRAY, type(out).__name__)
    check(out.dtype == np.int64, ENCODE_INT64, out.dtype)
    want = np.array([3, 2, 4, 4, 5, 0, 7, 5, 6, 4, 1])
    check(out.shape == want.shape, ENCODE_LENGTH + " for {!r} ({} characters)", want.shape, out.shape,
          TEXT, len(TEXT))
    check(same(out, want), ENCODE_VALUES + ": encode({!r}) should be {}; got {}",
          int(np.argmax(out != want)), TEXT, want.tolist(), out.tolist())
    passed("encode")


def check_decode(decode):
    int2char = {0: " ", 1: "d", 2: "e", 3: "h", 4: "l", 5: "o", 6: "r", 7: "w"}
    for given, kind in ((np.array([7, 5, 6, 4, 1]), "a numpy array"), ([7, 5, 6, 4, 1], "a list")):
        out = decode(given, int2char)
        check(isinstance(out, str), DECODE_STR, type(out).__name__)
        check(out == "world", DECODE_ROUNDTRIP + ": decode([7, 5, 6, 4, 1]) should be 'world', got {!r}",
              kind, out)
    out = decode([], int2char)
    check(out == "", DECODE_EMPTY, out)
    passed("decode")


def check_one_hot_encode(one_hot_encode):
    arr = np.array([[0, 2], [1, 0]])
    out = one_hot_encode(arr, 3)
    check(isinstance(out, np.ndarray), "one_hot_encode should return a numpy array, got {}",
          type(out).__name__)
    check(out.shape == (2, 2, 3), ONE_HOT_SHAPE, (2, 2), 3, (2, 2, 3), out.shape)
    check(out.dtype == np.float32, ONE_HOT_FLOAT32, out.dtype)
    want = np.array([[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [1, 0, 0]]], dtype=np.float32)
    check(same(out, want), ONE_HOT_VALUES + ": for [[0, 2], [1, 0]] expected\n{}\ngot\n{}", want, out)
    out = np.asarray(one_hot_encode(np.array([1]), 5))
    check(out.shape[-1:] == (5,), ONE_HOT_N_LABELS, 5, "1", out.shape)
    check(out.shape == (1, 5), ONE_HOT_SHAPE, (1,), 5, (1, 5), out.shape)
    passed("one_hot_encode")


def check_get_batches(get_batches):
    arr = np.arange(26)  # 26 characters: 2 rows x 3 steps x 4 batches = 24 kept, 2 dropped
    got = get_batches(arr, 2, 3)
    check(hasattr(got, "__iter__") and not isinstance(got, (np.ndarray, str, dict)), BATCHES_YIELD,
          type(got).__name__)
    got = [_pair(item, "each batch of get_batches") for item in got]
    check(len(got) == 4, BATCHES_COUNT + ": 26 // (2 * 3) = 4", 26, 2, 3, 4, len(got))
    for x, y in got:
        check(np.shape(x) == (2, 3) and np.shape(y) == (2, 3), BATCHES_SHAPE, (2, 3), np.shape(x), np.shape(y))
    for x, y in got:
        x, y = np.asarray(x), np.asarray(y)
        check(np.issubdtype(x.dtype, np.integer) and np.issubdtype(y.dtype, np.integer),
              BATCHES_INTEGER, x.dtype, y.dtype)
    rows = np.concatenate([np.asarray(x) for x, _ in got], axis=1)
    if not same(rows, arr[:24].reshape(2, -1)):
        hint = BATCHES_INTERLEAVED if same(rows, arr[:24].reshape(-1, 2).T) else ""
        check(False, BATCHES_CONTIGUOUS + ": the first x should be [[0, 1, 2], [12, 13, 14]] (rows 0..11 "
              "and 12..23), got {}", hint, np.asarray(got[0][0]).tolist())
    for x, y in got:
        x, y = np.asarray(x), np.asarray(y)
        check(not same(x, y), Y_EQUALS_X)
        check(not same(y[:, 1:], x[:, :-1]), Y_SHIFTED_BACK + "; the first y is {}", np.asarray(got[0][1]).tolist())
        check(same(y[:, :-1], x[:, 1:]), Y_SHIFTED + "; the first x is {}, the first y {}",
              np.asarray(got[0][0]).tolist(), np.asarray(got[0][1]).tolist())
    want_last = [[3, 15], [6, 18], [9, 21]]
    for k, (_, y) in enumerate(got[:-1]):
        check(same(np.asarray(y)[:, -1], want_last[k]), LAST_TARGET + " in batch {} (the first y should be "
              "[[1, 2, 3], [13, 14, 15]])", np.asarray(y)[:, -1].tolist(), want_last[k], k)
    y = np.asarray(got[-1][1])
    check(same(y, [[10, 11, 0], [22, 23, 12]]), FINAL_WRAP + ": the last y should be [[10, 11, 0], "
          "[22, 23, 12]], got {}", 26, 2, 3, y[:, -1].tolist(), [0, 12], y.tolist())
    passed("get_batches")


def check_train_val_split(train_val_split):
    for length, frac in ((20, 0.25), (10, 0.25)):
        train, val = _pair(train_val_split(np.arange(length), frac), "train_val_split")
        split = int(length * (1 - frac))
        check(len(train) == split and len(val) == length - split, SPLIT_SIZES, length, frac, split,
              length - split, len(train), len(val))
        check(same(np.concatenate([np.asarray(train), np.asarray(val)]), np.arange(length)),
              SPLIT_ORDER + ": for np.arange({}) train should be 0..{} and val {}..{}; got {} and {}",
              length, split - 1, split, length - 1, list(train), list(val))
    train, val = _pair(train_val_split(np.arange(10)), "train_val_split")
    check(len(train) == 9 and len(val) == 1, SPLIT_DEFAULT + " (val_frac=0.1)", 10, 9, 1, len(train), len(val))
    passed("train_val_split")


def check_sliding_windows(sliding_windows):
    encoded = np.array([5, 6, 7, 8, 9])
    X, y = _pair(sliding_windows(encoded, 2), "sliding_windows")
    check(np.shape(X) == (3, 2) and np.shape(y) == (3,), WINDOW_SHAPES, 5, 2, 5, 2, 3, (3, 2), (3,),
          np.shape(X), np.shape(y))
    check(same(X, [[5, 6], [6, 7], [7, 8]]), WINDOW_X + ": X should be [[5, 6], [6, 7], [7, 8]]; got {}",
          np.asarray(X).tolist())
    check(not same(y, np.asarray(X)[:, -1]), WINDOW_TARGET_INSIDE + "; got y = {}", np.asarray(y).tolist())
    check(same(y, [7, 8, 9]), WINDOW_Y + ": y should be [7, 8, 9]; got {}", np.asarray(y).tolist())
    passed("sliding_windows")


CHECKS = {
    "build_vocab": check_build_vocab,
    "encode": check_encode,
    "decode": check_decode,
    "one_hot_encode": check_one_hot_encode,
    "get_batches": check_get_batches,
    "train_val_split": check_train_val_split,
    "sliding_windows": check_sliding_windows,
}
