"""Chen's vocabulary is unsorted, the windows run one too far, and the split is shuffled."""
# fails: test_build_vocab_sorted, test_sliding_windows_shapes, test_sliding_windows_contents, test_train_val_split_order
import numpy as np


def build_vocab(text):
    chars = list(dict.fromkeys(text))  # order of first appearance, not sorted
    return dict(enumerate(chars)), {c: i for i, c in enumerate(chars)}


def encode(text, char2int):
    return np.array([char2int[c] for c in text], dtype=np.int64)


def decode(ints, int2char):
    return "".join(int2char[int(i)] for i in ints)


def one_hot_encode(arr, n_labels):
    arr = np.asarray(arr)
    return np.eye(n_labels, dtype=np.float32)[arr]


def get_batches(arr, batch_size, seq_length):
    per_batch = batch_size * seq_length
    n = len(arr) // per_batch
    arr = arr[: n * per_batch].reshape((batch_size, -1))
    for start in range(0, arr.shape[1], seq_length):
        x = arr[:, start : start + seq_length]
        y = np.zeros_like(x)
        y[:, :-1] = x[:, 1:]
        try:
            y[:, -1] = arr[:, start + seq_length]
        except IndexError:
            y[:, -1] = arr[:, 0]
        yield x, y


def train_val_split(data, val_frac=0.1):
    rng = np.random.default_rng(0)
    data = rng.permutation(data)
    split = int(len(data) * (1 - val_frac))
    return data[:split], data[split:]


def sliding_windows(encoded, window):
    n = len(encoded) - window + 1
    X = np.stack([encoded[i : i + window] for i in range(n)])
    y = np.append(encoded[window:], encoded[-1])
    return X, y
