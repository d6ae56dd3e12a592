# Realistic wrong implementations of 04_sequence_batching.
# Each variant replaces one function of the reference; it must lose points on that
# function, and a grader message must contain the phrase after the colon.

# %% unsorted_vocab -> build_vocab: sorted order
def build_vocab(text):
    chars = list(set(text))
    int2char = dict(enumerate(chars))
    return int2char, {c: i for i, c in int2char.items()}

# %% vocab_first_appearance -> build_vocab: sorted order
def build_vocab(text):
    chars = list(dict.fromkeys(text))
    return dict(enumerate(chars)), {c: i for i, c in enumerate(chars)}

# %% vocab_swapped_return -> build_vocab: not inverses
def build_vocab(text):
    chars = sorted(set(text))
    int2char = dict(enumerate(chars))
    char2int = {c: i for i, c in int2char.items()}
    return char2int, int2char

# %% vocab_starts_at_one -> build_vocab: 0 .. V-1
def build_vocab(text):
    chars = sorted(set(text))
    int2char = {i + 1: c for i, c in enumerate(chars)}
    return int2char, {c: i for i, c in int2char.items()}

# %% vocab_as_lists -> build_vocab: two dicts
def build_vocab(text):
    chars = sorted(set(text))
    return chars, {c: i for i, c in enumerate(chars)}

# %% encode_returns_list -> encode: numpy array
def encode(text, char2int):
    return [char2int[c] for c in text]

# %% encode_int32 -> encode: int64
def encode(text, char2int):
    return np.array([char2int[c] for c in text], dtype=np.int32)

# %% encode_float -> encode: int64
def encode(text, char2int):
    return np.array([char2int[c] for c in text], dtype=float)

# %% encode_skips_spaces -> encode: one integer per character
def encode(text, char2int):
    return np.array([char2int[c] for c in text if c != " "], dtype=np.int64)

# %% decode_returns_list -> decode: should return a str
def decode(ints, int2char):
    return [int2char[int(i)] for i in ints]

# %% decode_joins_with_space -> decode: should give back the encoded text
def decode(ints, int2char):
    return " ".join(int2char[int(i)] for i in ints)

# %% one_hot_float64 -> one_hot_encode: float32
def one_hot_encode(arr, n_labels):
    arr = np.asarray(arr)
    out = np.zeros((arr.size, n_labels))
    out[np.arange(arr.size), arr.ravel()] = 1
    return out.reshape(*arr.shape, n_labels)

# %% one_hot_flat -> one_hot_encode: should have shape
def one_hot_encode(arr, n_labels):
    arr = np.asarray(arr)
    out = np.zeros((arr.size, n_labels), dtype=np.float32)
    out[np.arange(arr.size), arr.ravel()] = 1
    return out

# %% one_hot_size_from_data -> one_hot_encode: n_labels
def one_hot_encode(arr, n_labels):
    arr = np.asarray(arr)
    n = int(arr.max()) + 1
    return np.eye(n, dtype=np.float32)[arr]

# %% one_hot_transposed -> one_hot_encode: should have shape
def one_hot_encode(arr, n_labels):
    arr = np.asarray(arr)
    out = np.zeros((n_labels, arr.size), dtype=np.float32)
    out[arr.ravel(), np.arange(arr.size)] = 1
    return out.reshape(n_labels, *arr.shape)

# %% batches_targets_not_shifted -> get_batches: shifted by one
def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    arr = arr[: n * batch_size * seq_length].reshape((batch_size, -1))
    for i in range(0, arr.shape[1], seq_length):
        x = arr[:, i : i + seq_length]
        yield x, x

# %% batches_interleaved_rows -> get_batches: contiguous
def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    arr = arr[: n * batch_size * seq_length].reshape((-1, batch_size)).T
    for i in range(0, arr.shape[1], seq_length):
        x = arr[:, i : i + seq_length]
        y = np.zeros_like(x)
        y[:, :-1] = x[:, 1:]
        y[:, -1] = arr[:, i + seq_length] if i + seq_length < arr.shape[1] else arr[:, 0]
        yield x, y

# %% batches_remainder_kept -> get_batches: drop the remainder
def get_batches(arr, batch_size, seq_length):
    cols = -(-len(arr) // batch_size)
    arr = np.resize(arr, batch_size * cols).reshape((batch_size, cols))
    for i in range(0, cols, seq_length):
        x = arr[:, i : i + seq_length]
        y = np.zeros_like(x)
        y[:, :-1] = x[:, 1:]
        y[:, -1] = arr[:, (i + x.shape[1]) % cols]
        yield x, y

# %% batches_shift_wrong_direction -> get_batches: shifted by one
def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    arr = arr[: n * batch_size * seq_length].reshape((batch_size, -1))
    for i in range(0, arr.shape[1], seq_length):
        x = arr[:, i : i + seq_length]
        y = np.zeros_like(x)
        y[:, 1:] = x[:, :-1]
        yield x, y

# %% batches_last_target_zero -> get_batches: next character
def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    arr = arr[: n * batch_size * seq_length].reshape((batch_size, -1))
    for i in range(0, arr.shape[1], seq_length):
        x = arr[:, i : i + seq_length]
        y = np.zeros_like(x)
        y[:, :-1] = x[:, 1:]
        yield x, y

# %% batches_no_wrap_at_end -> get_batches: wrap around
def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    arr = arr[: n * batch_size * seq_length].reshape((batch_size, -1))
    for i in range(0, arr.shape[1], seq_length):
        x = arr[:, i : i + seq_length]
        y = np.zeros_like(x)
        y[:, :-1] = x[:, 1:]
        y[:, -1] = arr[:, i + seq_length] if i + seq_length < arr.shape[1] else x[:, -1]
        yield x, y

# %% batches_drop_last_batch -> get_batches: full batches
def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    arr = arr[: n * batch_size * seq_length].reshape((batch_size, -1))
    for i in range(0, arr.shape[1] - seq_length, seq_length):
        x = arr[:, i : i + seq_length]
        yield x, arr[:, i + 1 : i + seq_length + 1]

# %% batches_transposed -> get_batches: shape
def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    arr = arr[: n * batch_size * seq_length].reshape((batch_size, -1))
    for i in range(0, arr.shape[1], seq_length):
        x = arr[:, i : i + seq_length]
        y = np.zeros_like(x)
        y[:, :-1] = x[:, 1:]
        y[:, -1] = arr[:, i + seq_length] if i + seq_length < arr.shape[1] else arr[:, 0]
        yield x.T, y.T

# %% batches_returns_one_pair -> get_batches: full batches
def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    arr = arr[: n * batch_size * seq_length].reshape((batch_size, -1))
    x = arr[:, :seq_length]
    y = arr[:, 1 : seq_length + 1]
    return [(x, y)]

# %% batches_float_one_hot -> get_batches: integer
def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    arr = arr[: n * batch_size * seq_length].reshape((batch_size, -1)).astype(np.float32)
    for i in range(0, arr.shape[1], seq_length):
        x = arr[:, i : i + seq_length]
        y = np.zeros_like(x)
        y[:, :-1] = x[:, 1:]
        y[:, -1] = arr[:, i + seq_length] if i + seq_length < arr.shape[1] else arr[:, 0]
        yield x, y

# %% split_off_by_one -> train_val_split: int(len * (1 - val_frac))
def train_val_split(data, val_frac=0.1):
    split = int(len(data) * (1 - val_frac)) + 1
    return data[:split], data[split:]

# %% split_val_first -> train_val_split: put validation at the end
def train_val_split(data, val_frac=0.1):
    split = int(len(data) * val_frac)
    return data[split:], data[:split]

# %% split_shuffled -> train_val_split: do not shuffle
def train_val_split(data, val_frac=0.1):
    data = np.random.default_rng(0).permutation(data)
    split = int(len(data) * (1 - val_frac))
    return data[:split], data[split:]

# %% split_rounds -> train_val_split: int(len * (1 - val_frac))
def train_val_split(data, val_frac=0.1):
    split = round(len(data) * (1 - val_frac))
    return data[:split], data[split:]

# %% split_default_02 -> train_val_split: default
def train_val_split(data, val_frac=0.2):
    split = int(len(data) * (1 - val_frac))
    return data[:split], data[split:]

# %% windows_one_too_many -> sliding_windows: off-by-one
def sliding_windows(encoded, window):
    n = len(encoded) - window + 1
    X = np.stack([encoded[i : i + window] for i in range(n)])
    y = np.array([encoded[min(i + window, len(encoded) - 1)] for i in range(n)])
    return X, y

# %% windows_target_inside -> sliding_windows: symbol after
def sliding_windows(encoded, window):
    n = len(encoded) - window
    X = np.stack([encoded[i : i + window] for i in range(n)])
    return X, X[:, -1].copy()

# %% windows_one_too_few -> sliding_windows: off-by-one
def sliding_windows(encoded, window):
    n = len(encoded) - window - 1
    X = np.stack([encoded[i : i + window] for i in range(n)])
    return X, encoded[window : window + n]

# %% windows_stride_window -> sliding_windows: off-by-one
def sliding_windows(encoded, window):
    starts = range(0, len(encoded) - window, window)
    X = np.stack([encoded[i : i + window] for i in starts])
    return X, np.array([encoded[i + window] for i in starts])
