"""Anya did the encoding part carefully and ran out of time before batching."""
# fails: (every test of the functions left blank)
import numpy as np


def build_vocab(text):
    chars = sorted(set(text))
    int2char = {i: ch for i, ch in enumerate(chars)}
    char2int = {ch: i for i, ch in int2char.items()}
    return int2char, char2int


def encode(text, char2int):
    return np.array([char2int[c] for c in text], dtype=np.int64)


def decode(ints, int2char):
    return "".join(int2char[int(i)] for i in ints)


def one_hot_encode(arr, n_labels):
    arr = np.asarray(arr)
    return np.eye(n_labels, dtype=np.float32)[arr]
