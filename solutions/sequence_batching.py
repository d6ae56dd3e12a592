"""Reference implementations for 04_sequence_batching (COURSE_SPEC.md §4.4)."""

import numpy as np


def build_vocab(text):
    """Map characters to integers and back.

    Args:
        text: str, the corpus.
    Returns:
        (int2char, char2int): dicts. The characters are numbered in sorted order,
        so the same text gives the same encoding on every run.
    """
    ### BEGIN SOLUTION
    chars = sorted(set(text))
    int2char = dict(enumerate(chars))
    char2int = {ch: i for i, ch in int2char.items()}
    return int2char, char2int
    ### END SOLUTION


def encode(text, char2int):
    """Encode a string as integers.

    Args:
        text: str of length N.
        char2int: dict from character to integer.
    Returns:
        np.ndarray of shape (N,) and dtype int64.
    """
    ### BEGIN SOLUTION
    return np.array([char2int[ch] for ch in text], dtype=np.int64)
    ### END SOLUTION


def decode(ints, int2char):
    """Decode integers back into a string.

    Args:
        ints: a sequence (list or 1-D array) of N integers.
        int2char: dict from integer to character.
    Returns:
        str of length N.
    """
    ### BEGIN SOLUTION
    return "".join(int2char[int(i)] for i in ints)
    ### END SOLUTION


def one_hot_encode(arr, n_labels):
    """One-hot encode an integer array.

    Args:
        arr: integer array of any shape S, values in [0, n_labels).
        n_labels: int, the size of the vocabulary.
    Returns:
        float32 array of shape (*S, n_labels): 1.0 at each value's index, 0.0 elsewhere.
    """
    ### BEGIN SOLUTION
    arr = np.asarray(arr)
    one_hot = np.zeros((arr.size, n_labels), dtype=np.float32)
    one_hot[np.arange(arr.size), arr.ravel()] = 1.0
    return one_hot.reshape(*arr.shape, n_labels)
    ### END SOLUTION


def get_batches(arr, batch_size, seq_length):
    """Yield mini-batches of inputs and targets from an encoded text.

    Args:
        arr: 1-D integer array, the encoded text.
        batch_size: int, number of sequences (rows) per batch.
        seq_length: int, number of characters per sequence.
    Yields:
        (x, y): integer arrays of shape (batch_size, seq_length). ``y`` is ``x``
        shifted by one character: y[:, :-1] == x[:, 1:], and the last target of each
        row is the row's next character (in the final batch, the row's first).
    """
    ### BEGIN SOLUTION
    chars_per_batch = batch_size * seq_length
    n_batches = len(arr) // chars_per_batch
    arr = np.asarray(arr)[: n_batches * chars_per_batch].reshape((batch_size, -1))
    for n in range(0, arr.shape[1], seq_length):
        x = arr[:, n : n + seq_length]
        y = np.zeros_like(x)
        y[:, :-1] = x[:, 1:]
        if n + seq_length < arr.shape[1]:
            y[:, -1] = arr[:, n + seq_length]
        else:
            y[:, -1] = arr[:, 0]
        yield x, y
    ### END SOLUTION


def train_val_split(data, val_frac=0.1):
    """Split a sequence into a training head and a validation tail.

    Args:
        data: a 1-D array (or any sliceable sequence).
        val_frac: float, the fraction kept for validation.
    Returns:
        (train, val): data[:split] and data[split:], split = int(len(data) * (1 - val_frac)).
    """
    ### BEGIN SOLUTION
    split = int(len(data) * (1 - val_frac))
    return data[:split], data[split:]
    ### END SOLUTION


def sliding_windows(encoded, window):
    """Every run of ``window`` symbols, paired with the symbol that follows it.

    Args:
        encoded: 1-D integer array of length L.
        window: int, the number of symbols the model sees.
    Returns:
        (X, y): X of shape (n, window) with X[i] = encoded[i:i+window], and y of
        shape (n,) with y[i] = encoded[i+window], where n = L - window.
    """
    ### BEGIN SOLUTION
    encoded = np.asarray(encoded)
    n = len(encoded) - window
    X = np.stack([encoded[i : i + window] for i in range(n)]) if n > 0 else np.zeros((0, window), encoded.dtype)
    y = encoded[window : window + n].copy()
    return X, y
    ### END SOLUTION
