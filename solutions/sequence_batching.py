"""Reference implementations for 04_sequence_batching (COURSE_SPEC.md §4.4)."""

import numpy as np

#: # Solution walkthrough — 04 Sequence batching
#:
#: For instructors to release with feedback, after the deadline. The reference code is
#: `solutions/sequence_batching.py`; each function is explained line by line: what the line
#: does, and why it is written that way.


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
    #: `set(text)` keeps each distinct character once. A set has no defined order (and string
    #: hashing is randomised per process), so we **sort**: the encoding becomes a function of the
    #: text alone, identical in every session. A model trained today can be sampled tomorrow.
    int2char = dict(enumerate(chars))
    #: `enumerate` numbers the characters from 0, so codes are `0 .. V-1`: exactly the row
    #: indices of a one-hot matrix or an embedding table.
    char2int = {ch: i for i, ch in int2char.items()}
    return int2char, char2int
    #: The inverse mapping, built from `int2char` so the two can never disagree. The order of
    #: the pair, `(int2char, char2int)`, is part of the contract.
    ### END SOLUTION

#: Common mistakes: `list(set(text))` (unsorted, changes between runs), numbering from 1,
#: returning the pair in the other order.


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
    #: One code per character, in order. `int64` because PyTorch indexes with `long`
    #: (`nn.Embedding`, `nn.CrossEntropyLoss` targets); a NumPy array because batching slices
    #: and reshapes it. A `KeyError` here means the text has a character the vocabulary lacks.
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
    #: `int(i)` turns NumPy integers into Python ints (they hash the same, but this keeps the
    #: lookup explicit and works for tensors' items too). `"".join` builds the string in one
    #: pass; joining with a space would insert characters that were never there.
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
    #: One row per element of `arr`, whatever its shape; `float32` because that is PyTorch's
    #: default floating type (a `float64` input makes `nn.LSTM` raise a dtype error).
    #: The width is `n_labels`, never `arr.max() + 1`: a batch need not contain every symbol.
    one_hot[np.arange(arr.size), arr.ravel()] = 1.0
    #: Fancy indexing: row `k` gets its 1 in column `arr.ravel()[k]`, all rows at once.
    return one_hot.reshape(*arr.shape, n_labels)
    #: Restore the input's shape and add the label axis last: `(B, T)` becomes `(B, T, V)`,
    #: the batch-first input of an LSTM.
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
    #: A batch holds `B·T` characters; keep only whole batches (the remainder, fewer than `B·T`
    #: characters, is dropped) and cut the kept text into `B` **contiguous rows**. Reshaping to
    #: `(B, -1)` (not `(-1, B)`) is what makes row `r` one unbroken stretch of the novel, so the
    #: hidden state at the end of one batch is the right start for the next batch's row `r`.
    for n in range(0, arr.shape[1], seq_length):
        x = arr[:, n : n + seq_length]
    #: Walk along the rows `T` columns at a time; each `x` is `(B, T)`.
        y = np.zeros_like(x)
        y[:, :-1] = x[:, 1:]
    #: Targets are the inputs shifted one step left: at every position the model predicts the
    #: next character.
        if n + seq_length < arr.shape[1]:
            y[:, -1] = arr[:, n + seq_length]
        else:
            y[:, -1] = arr[:, 0]
        yield x, y
    #: The last target of each row is the first character of that row's next batch; in the
    #: final batch there is none, and by the classic convention we wrap to the row's first
    #: character (one slightly wrong target per row per epoch). `yield` makes this a generator:
    #: batches are produced on demand, and an epoch is one pass of `for x, y in get_batches(...)`.
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
    #: `int` truncates, which fixes the split point exactly as the contract states. The
    #: validation set is the **tail**: text is not shuffled, because characters only make sense
    #: in sequence and a random split would test on passages the model has nearly seen.
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
    #: The last window must still have a next symbol, so there are `L - window` windows, not
    #: `L - window + 1`.
    X = np.stack([encoded[i : i + window] for i in range(n)]) if n > 0 else np.zeros((0, window), encoded.dtype)
    y = encoded[window : window + n].copy()
    return X, y
    #: Row `i` of `X` is the window starting at `i`; `y[i]` is the symbol right after it,
    #: `encoded[i + window]` (not the window's own last symbol). `np.lib.stride_tricks.sliding_window_view`
    #: does the same without a Python loop.
    ### END SOLUTION
