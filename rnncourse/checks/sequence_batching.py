"""Visible checks for 04_sequence_batching: small worked examples you can verify by hand."""

import numpy as np

from rnncourse.checks import check, passed

TEXT = "hello world"


def check_build_vocab(build_vocab):
    result = build_vocab(TEXT)
    check(isinstance(result, tuple) and len(result) == 2,
          "build_vocab should return a pair (int2char, char2int), got {}", type(result).__name__)
    int2char, char2int = result
    check(isinstance(int2char, dict) and isinstance(char2int, dict),
          "both int2char and char2int should be dicts, got {} and {}",
          type(int2char).__name__, type(char2int).__name__)
    check(set(char2int) == set(TEXT),
          "char2int should have a key for each of the {} distinct characters of {!r}; got keys {}",
          len(set(TEXT)), TEXT, sorted(char2int))
    check(sorted(int2char) == list(range(len(set(TEXT)))),
          "int2char's keys should be 0 .. {}; got {}", len(set(TEXT)) - 1, sorted(int2char))
    check(all(int2char[i] == c for c, i in char2int.items()),
          "int2char[char2int[c]] should give back c: are the two dicts in the order (int2char, char2int)?")
    check(int2char == dict(enumerate(sorted(set(TEXT)))),
          "characters should be numbered in sorted order: for {!r}, ' ' -> 0, 'd' -> 1, 'e' -> 2, ...; "
          "got {}. (A set has no fixed order: sort it.)", TEXT, int2char)
    passed("build_vocab")


def check_encode(encode):
    char2int = {" ": 0, "d": 1, "e": 2, "h": 3, "l": 4, "o": 5, "r": 6, "w": 7}
    out = encode("hello", char2int)
    check(isinstance(out, np.ndarray), "encode should return a numpy array, got {}", type(out).__name__)
    check(out.dtype == np.int64, "encode should return dtype int64, got {}", out.dtype)
    check(out.tolist() == [3, 2, 4, 4, 5], "encode('hello') should be [3, 2, 4, 4, 5]; got {}", out.tolist())
    passed("encode")


def check_decode(decode):
    int2char = {0: " ", 1: "d", 2: "e", 3: "h", 4: "l", 5: "o", 6: "r", 7: "w"}
    out = decode(np.array([7, 5, 6, 4, 1]), int2char)
    check(isinstance(out, str), "decode should return a str, got {}: join the characters", type(out).__name__)
    check(out == "world", "decode([7, 5, 6, 4, 1]) should be 'world', got {!r}", out)
    check(decode([3, 2], int2char) == "he", "decode should also accept a list of ints")
    passed("decode")


def check_one_hot_encode(one_hot_encode):
    out = one_hot_encode(np.array([[0, 2], [1, 0]]), 3)
    check(isinstance(out, np.ndarray), "one_hot_encode should return a numpy array, got {}",
          type(out).__name__)
    check(out.shape == (2, 2, 3), "an input of shape (2, 2) with n_labels=3 should give shape (2, 2, 3); "
          "got {}", out.shape)
    check(out.dtype == np.float32, "one_hot_encode should return float32 (what PyTorch layers expect), "
          "got {}", out.dtype)
    want = np.array([[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [1, 0, 0]]], dtype=np.float32)
    check(np.array_equal(out, want), "the 1s are in the wrong places: for [[0, 2], [1, 0]] expected\n{}\n"
          "got\n{}", want, out)
    check(one_hot_encode(np.array([1]), 5).shape == (1, 5),
          "the last axis should have n_labels entries, even if the input uses fewer values")
    passed("one_hot_encode")


def check_get_batches(get_batches):
    arr = np.arange(26)  # 26 characters: 2 rows x 3 steps x 4 batches = 24 kept, 2 dropped
    got = list(get_batches(arr, 2, 3))
    check(len(got) == 4, "with 26 characters, batch_size=2 and seq_length=3 there are 26 // 6 = 4 "
          "full batches; got {}. Drop the characters that do not fill a whole batch.", len(got))
    x, y = got[0]
    check(np.shape(x) == (2, 3) and np.shape(y) == (2, 3),
          "x and y should have shape (batch_size, seq_length) = (2, 3); got {} and {}",
          np.shape(x), np.shape(y))
    check(np.array_equal(x, [[0, 1, 2], [12, 13, 14]]),
          "the first x should be [[0, 1, 2], [12, 13, 14]]: the 24 kept characters are cut into 2 "
          "contiguous rows (0..11 and 12..23); got {}", np.asarray(x).tolist())
    check(not np.array_equal(x, y), "y equals x: the targets are the inputs shifted by one")
    check(np.array_equal(y, [[1, 2, 3], [13, 14, 15]]),
          "the first y should be [[1, 2, 3], [13, 14, 15]]: each target is the next character, "
          "and the last one comes from the row's next batch; got {}", np.asarray(y).tolist())
    x, y = got[-1]
    check(np.array_equal(y, [[10, 11, 0], [22, 23, 12]]),
          "the last y should be [[10, 11, 0], [22, 23, 12]]: a row's final target wraps around to "
          "the row's first character; got {}", np.asarray(y).tolist())
    passed("get_batches")


def check_train_val_split(train_val_split):
    train, val = train_val_split(np.arange(20), 0.25)
    check(len(train) == 15 and len(val) == 5, "20 items with val_frac=0.25 should split 15 / 5; got "
          "{} / {}", len(train), len(val))
    check(list(train) == list(range(15)) and list(val) == list(range(15, 20)),
          "train should be the first 15 items and val the last 5, in order")
    train, val = train_val_split(np.arange(10))
    check(len(val) == 1, "val_frac should default to 0.1 (10 items -> 9 / 1); got {} / {}",
          len(train), len(val))
    passed("train_val_split")


def check_sliding_windows(sliding_windows):
    X, y = sliding_windows(np.array([5, 6, 7, 8, 9]), 2)
    check(np.shape(X) == (3, 2) and np.shape(y) == (3,),
          "5 symbols and window=2 give 5 - 2 = 3 windows: X should be (3, 2) and y (3,); got {} and {}",
          np.shape(X), np.shape(y))
    check(np.array_equal(X, [[5, 6], [6, 7], [7, 8]]), "X should be [[5, 6], [6, 7], [7, 8]]; got {}",
          np.asarray(X).tolist())
    check(np.array_equal(y, [7, 8, 9]), "y should be [7, 8, 9], the symbol after each window; got {}",
          np.asarray(y).tolist())
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
