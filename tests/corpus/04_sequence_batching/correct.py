# Correct implementations in other styles: each must get full marks.

# %% plain_loops
def build_vocab(text):
    chars = []
    for ch in text:
        if ch not in chars:
            chars.append(ch)
    chars.sort()
    int2char, char2int = {}, {}
    for i in range(len(chars)):
        int2char[i] = chars[i]
        char2int[chars[i]] = i
    return int2char, char2int


def encode(text, char2int):
    out = np.empty(len(text), dtype=np.int64)
    for i, ch in enumerate(text):
        out[i] = char2int[ch]
    return out


def decode(ints, int2char):
    s = ""
    for i in ints:
        s += int2char[int(i)]
    return s


def one_hot_encode(arr, n_labels):
    arr = np.asarray(arr)
    flat = arr.reshape(-1)
    out = np.zeros((flat.shape[0], n_labels), dtype=np.float32)
    for row, value in enumerate(flat):
        out[row, value] = 1.0
    return out.reshape(arr.shape + (n_labels,))


def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    rows = [arr[r * n * seq_length:(r + 1) * n * seq_length] for r in range(batch_size)]
    for k in range(n):
        x = np.array([row[k * seq_length:(k + 1) * seq_length] for row in rows])
        y = np.empty_like(x)
        for r, row in enumerate(rows):
            for t in range(seq_length):
                pos = k * seq_length + t + 1
                y[r, t] = row[pos] if pos < len(row) else row[0]
        yield x, y


def train_val_split(data, val_frac=0.1):
    cut = int(len(data) * (1 - val_frac))
    train = data[:cut]
    val = data[cut:]
    return train, val


def sliding_windows(encoded, window):
    X, y = [], []
    for i in range(len(encoded) - window):
        X.append(list(encoded[i:i + window]))
        y.append(encoded[i + window])
    return np.array(X).reshape(-1, window), np.array(y)

# %% numpy_tricks
def build_vocab(text):
    chars = np.unique(np.array(list(text)))
    return {i: str(c) for i, c in enumerate(chars)}, {str(c): i for i, c in enumerate(chars)}


def encode(text, char2int):
    table = np.zeros(0x110000, dtype=np.int64)
    keys = np.array([ord(c) for c in char2int], dtype=np.int64)
    table[keys] = list(char2int.values())
    return table[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)] if text else np.zeros(0, np.int64)


def decode(ints, int2char):
    return "".join(map(int2char.__getitem__, np.asarray(ints, dtype=np.int64).tolist()))


def one_hot_encode(arr, n_labels):
    return np.eye(n_labels, dtype=np.float32)[np.asarray(arr)]


def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    grid = np.asarray(arr)[: n * batch_size * seq_length].reshape(batch_size, -1)
    shifted = np.roll(grid, -1, axis=1)
    for k in range(n):
        cols = slice(k * seq_length, (k + 1) * seq_length)
        yield grid[:, cols], shifted[:, cols]


def train_val_split(data, val_frac=0.1):
    return tuple(np.split(np.asarray(data), [int(len(data) * (1 - val_frac))]))


def sliding_windows(encoded, window):
    encoded = np.asarray(encoded)
    X = np.lib.stride_tricks.sliding_window_view(encoded, window)[:-1]
    return X.copy(), encoded[window:]

# %% torch_inside
import torch


def build_vocab(text):
    chars = sorted({*text})
    return dict(zip(range(len(chars)), chars)), dict(zip(chars, range(len(chars))))


def encode(text, char2int):
    return torch.tensor([char2int[c] for c in text], dtype=torch.long).numpy()


def decode(ints, int2char):
    return "".join(int2char[i] for i in torch.as_tensor(np.asarray(ints), dtype=torch.long).tolist())


def one_hot_encode(arr, n_labels):
    t = torch.as_tensor(np.asarray(arr), dtype=torch.long)
    return torch.nn.functional.one_hot(t, n_labels).float().numpy()


def get_batches(arr, batch_size, seq_length):
    t = torch.as_tensor(np.asarray(arr))
    n = len(t) // (batch_size * seq_length)
    grid = t[: n * batch_size * seq_length].view(batch_size, -1)
    nxt = torch.cat([grid[:, 1:], grid[:, :1]], dim=1)
    for x, y in zip(grid.split(seq_length, dim=1), nxt.split(seq_length, dim=1)):
        yield x.numpy(), y.numpy()


def train_val_split(data, val_frac=0.1):
    split = int(len(data) * (1 - val_frac))
    return data[:split], data[split:]


def sliding_windows(encoded, window):
    t = torch.as_tensor(np.asarray(encoded))
    X = t.unfold(0, window, 1)[:-1]
    return X.numpy(), t[window:].numpy()

# %% classic_try_except
def get_batches(arr, batch_size, seq_length):
    batch_size_total = batch_size * seq_length
    n_batches = len(arr) // batch_size_total
    arr = arr[:n_batches * batch_size_total]
    arr = arr.reshape((batch_size, -1))
    for n in range(0, arr.shape[1], seq_length):
        x = arr[:, n:n + seq_length]
        y = np.zeros_like(x)
        try:
            y[:, :-1], y[:, -1] = x[:, 1:], arr[:, n + seq_length]
        except IndexError:
            y[:, :-1], y[:, -1] = x[:, 1:], arr[:, 0]
        yield x, y

# %% returns_list_of_batches
def get_batches(arr, batch_size, seq_length):
    n = len(arr) // (batch_size * seq_length)
    grid = np.asarray(arr)[: n * batch_size * seq_length].reshape(batch_size, -1)
    ys = np.concatenate([grid[:, 1:], grid[:, :1]], axis=1)
    return [(grid[:, i:i + seq_length], ys[:, i:i + seq_length]) for i in range(0, grid.shape[1], seq_length)]

# %% helper_functions_of_its_own
def _rows(arr, batch_size, seq_length):
    keep = (len(arr) // (batch_size * seq_length)) * batch_size * seq_length
    return np.asarray(arr[:keep]).reshape(batch_size, keep // batch_size)


def _targets(grid):
    return np.hstack([grid[:, 1:], grid[:, [0]]])


def get_batches(arr, batch_size, seq_length):
    grid = _rows(arr, batch_size, seq_length)
    tgt = _targets(grid)
    for start in range(0, grid.shape[1], seq_length):
        yield grid[:, start:start + seq_length], tgt[:, start:start + seq_length]


def sliding_windows(encoded, window):
    idx = np.arange(window)[None, :] + np.arange(len(encoded) - window)[:, None]
    encoded = np.asarray(encoded)
    return encoded[idx], encoded[window:]
