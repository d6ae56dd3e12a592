"""Boris wrote everything, but forgot to shift the targets and let NumPy pick float64."""
# fails: test_one_hot_float32, test_get_batches_targets_shifted, test_get_batches_last_target_is_next_character, test_get_batches_final_batch_wraps
import numpy as np


def build_vocab(text):
    chars = sorted(set(text))
    return dict(enumerate(chars)), {c: i for i, c in enumerate(chars)}


def encode(text, char2int):
    return np.array([char2int[c] for c in text], dtype=np.int64)


def decode(ints, int2char):
    return "".join(int2char[int(i)] for i in ints)


def one_hot_encode(arr, n_labels):
    arr = np.asarray(arr)
    out = np.zeros((arr.size, n_labels))
    out[np.arange(arr.size), arr.ravel()] = 1
    return out.reshape(*arr.shape, n_labels)


def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    arr = arr[: n * batch_size * seq_length].reshape(batch_size, -1)
    for i in range(0, arr.shape[1], seq_length):
        x = arr[:, i : i + seq_length]
        yield x, x.copy()


def train_val_split(data, val_frac=0.1):
    split = int(len(data) * (1 - val_frac))
    return data[:split], data[split:]


def sliding_windows(encoded, window):
    n = len(encoded) - window
    X = np.stack([encoded[i : i + window] for i in range(n)])
    return X, encoded[window:]
