# Correct implementations in other styles: each must get full marks.

# %% explicit_loops
import math


def sigmoid(z):
    out = torch.empty_like(z)
    flat_in, flat_out = z.reshape(-1), out.view(-1)
    for k in range(flat_in.numel()):
        v = float(flat_in[k])
        if v >= 0:
            flat_out[k] = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v)
            flat_out[k] = e / (1.0 + e)
    return out


def split_lstm_weights(lstm):
    names = dict(lstm.named_parameters())
    suffix = "" if "weight_ih" in names else "_l0"
    H = lstm.hidden_size
    result = {}
    for k, gate in enumerate(["input", "forget", "cell", "output"]):
        lo, hi = k * H, (k + 1) * H
        W_x = names["weight_ih" + suffix][lo:hi].detach().clone()
        W_h = names["weight_hh" + suffix][lo:hi].detach().clone()
        b = (names["bias_ih" + suffix][lo:hi] + names["bias_hh" + suffix][lo:hi]).detach()
        result[gate] = (W_x, W_h, b)
    return result


def _affine(x, h, params):
    W_x, W_h, b = params
    B, H = x.shape[0], W_x.shape[0]
    out = torch.zeros(B, H)
    for r in range(B):
        for u in range(H):
            out[r, u] = torch.dot(W_x[u], x[r]) + torch.dot(W_h[u], h[r]) + b[u]
    return out


def forget_gate(x, h_prev, c_prev, weights):
    return sigmoid(_affine(x, h_prev, weights["forget"])) * c_prev


def learn_gate(x, h_prev, weights):
    return sigmoid(_affine(x, h_prev, weights["input"])) * torch.tanh(_affine(x, h_prev, weights["cell"]))


def remember_gate(forgotten, learned):
    return torch.add(forgotten, learned)


def use_gate(x, h_prev, c_t, weights):
    return sigmoid(_affine(x, h_prev, weights["output"])) * torch.tanh(c_t)


def lstm_cell(x, state, weights):
    h_prev, c_prev = state
    kept = forget_gate(x, h_prev, c_prev, weights)
    new = learn_gate(x, h_prev, weights)
    c_t = remember_gate(kept, new)
    return use_gate(x, h_prev, c_t, weights), c_t


def lstm_forward(x, state, weights):
    B, T = x.shape[0], x.shape[1]
    H = weights["forget"][0].shape[0]
    if state is None:
        h, c = torch.zeros(B, H), torch.zeros(B, H)
    else:
        h, c = state
    output = torch.zeros(B, T, H)
    for t in range(T):
        h, c = lstm_cell(x[:, t, :], (h, c), weights)
        output[:, t, :] = h
    return output, (h, c)


def lstm_param_count(input_size, hidden_size, num_layers=1):
    total = 0
    n = input_size
    for _ in range(num_layers):
        for _gate in range(4):
            total += hidden_size * n + hidden_size * hidden_size + hidden_size + hidden_size
        n = hidden_size
    return total

# %% one_big_matmul
def sigmoid(z):
    return 0.5 * (1.0 + torch.tanh(0.5 * z))


def split_lstm_weights(lstm):
    if isinstance(lstm, nn.LSTMCell):
        w_ih, w_hh, b_ih, b_hh = lstm.weight_ih, lstm.weight_hh, lstm.bias_ih, lstm.bias_hh
    else:
        w_ih, w_hh, b_ih, b_hh = lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0
    H = w_hh.shape[1]
    parts = zip(torch.split(w_ih, H), torch.split(w_hh, H), torch.split(b_ih + b_hh, H))
    with torch.no_grad():
        return {g: tuple(t.detach() for t in p) for g, p in zip(("input", "forget", "cell", "output"), parts)}


def _gate(x, h, weights, name):
    W_x, W_h, b = weights[name]
    return torch.cat([x, h], dim=1) @ torch.cat([W_x, W_h], dim=1).T + b


def forget_gate(x, h_prev, c_prev, weights):
    return c_prev * sigmoid(_gate(x, h_prev, weights, "forget"))


def learn_gate(x, h_prev, weights):
    return sigmoid(_gate(x, h_prev, weights, "input")) * torch.tanh(_gate(x, h_prev, weights, "cell"))


def remember_gate(forgotten, learned):
    return learned + forgotten


def use_gate(x, h_prev, c_t, weights):
    return torch.tanh(c_t) * sigmoid(_gate(x, h_prev, weights, "output"))


def lstm_cell(x, state, weights):
    h_prev, c_prev = state
    order = ("input", "forget", "cell", "output")
    W = torch.cat([torch.cat([weights[g][0], weights[g][1]], dim=1) for g in order])  # (4H, I + H)
    b = torch.cat([weights[g][2] for g in order])
    z = torch.cat([x, h_prev], dim=1) @ W.T + b  # (B, 4H): all four gates at once
    zi, zf, zg, zo = z.chunk(4, dim=1)
    c_t = sigmoid(zf) * c_prev + sigmoid(zi) * torch.tanh(zg)
    return sigmoid(zo) * torch.tanh(c_t), c_t


def lstm_forward(x, state, weights):
    if state is None:
        H = weights["output"][2].shape[0]
        state = (x.new_zeros(x.shape[0], H), x.new_zeros(x.shape[0], H))
    hs = []
    for x_t in x.unbind(1):
        state = lstm_cell(x_t, state, weights)
        hs.append(state[0])
    return torch.stack(hs, 1), tuple(state)


def lstm_param_count(input_size, hidden_size, num_layers=1):
    first = 4 * hidden_size * (input_size + hidden_size + 2)
    rest = 4 * hidden_size * (2 * hidden_size + 2)
    return first + (num_layers - 1) * rest

# %% numpy_inside
def sigmoid(z):
    a = z.detach().cpu().numpy().astype(np.float64)
    e = np.exp(-np.abs(a))
    out = np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return torch.from_numpy(out.astype(np.float32))


def split_lstm_weights(lstm):
    state = {k: v.detach().cpu().numpy() for k, v in lstm.state_dict().items()}
    key = (lambda name: name) if "weight_ih" in state else (lambda name: name + "_l0")
    H = state[key("weight_hh")].shape[1]
    out = {}
    for k, gate in enumerate(("input", "forget", "cell", "output")):
        rows = slice(k * H, (k + 1) * H)
        out[gate] = (torch.tensor(state[key("weight_ih")][rows]), torch.tensor(state[key("weight_hh")][rows]),
                     torch.tensor(state[key("bias_ih")][rows] + state[key("bias_hh")][rows]))
    return out


def _np(t):
    return t.detach().cpu().numpy().astype(np.float64)


def _pre(x, h, params):
    W_x, W_h, b = (_np(p) for p in params)
    return _np(x) @ W_x.T + _np(h) @ W_h.T + b


def _sig(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _t(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float32))


def forget_gate(x, h_prev, c_prev, weights):
    return _t(_sig(_pre(x, h_prev, weights["forget"])) * _np(c_prev))


def learn_gate(x, h_prev, weights):
    return _t(_sig(_pre(x, h_prev, weights["input"])) * np.tanh(_pre(x, h_prev, weights["cell"])))


def remember_gate(forgotten, learned):
    return _t(_np(forgotten) + _np(learned))


def use_gate(x, h_prev, c_t, weights):
    return _t(_sig(_pre(x, h_prev, weights["output"])) * np.tanh(_np(c_t)))


def lstm_cell(x, state, weights):
    h_prev, c_prev = state
    c_t = _sig(_pre(x, h_prev, weights["forget"])) * _np(c_prev) \
        + _sig(_pre(x, h_prev, weights["input"])) * np.tanh(_pre(x, h_prev, weights["cell"]))
    h_t = _sig(_pre(x, h_prev, weights["output"])) * np.tanh(c_t)
    return _t(h_t), _t(c_t)


def lstm_forward(x, state, weights):
    xs = _np(x)
    B, T, _ = xs.shape
    H = weights["input"][0].shape[0]
    h, c = (np.zeros((B, H)), np.zeros((B, H))) if state is None else (_np(state[0]), _np(state[1]))
    out = np.zeros((B, T, H))
    for t in range(T):
        h_t, c_t = lstm_cell(_t(xs[:, t]), (_t(h), _t(c)), weights)
        h, c = _np(h_t), _np(c_t)
        out[:, t] = h
    return _t(out), (_t(h), _t(c))


def lstm_param_count(input_size, hidden_size, num_layers=1):
    sizes = np.array([input_size] + [hidden_size] * (num_layers - 1))
    return int(np.sum(4 * hidden_size * (sizes + hidden_size) + 8 * hidden_size))

# %% torch_sigmoid_in_the_gates
def sigmoid(z):
    out = torch.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + torch.exp(-z[pos]))
    ez = torch.exp(z[~pos])
    out[~pos] = ez / (1 + ez)
    return out


def forget_gate(x, h_prev, c_prev, weights):
    W_x, W_h, b = weights["forget"]
    return torch.sigmoid(torch.addmm(b, x, W_x.t()) + h_prev.mm(W_h.t())) * c_prev


def learn_gate(x, h_prev, weights):
    i = torch.sigmoid(torch.nn.functional.linear(x, weights["input"][0], weights["input"][2])
                      + torch.nn.functional.linear(h_prev, weights["input"][1]))
    g = torch.tanh(torch.nn.functional.linear(x, weights["cell"][0], weights["cell"][2])
                   + torch.nn.functional.linear(h_prev, weights["cell"][1]))
    return i * g


def use_gate(x, h_prev, c_t, weights):
    W_x, W_h, b = weights["output"]
    return torch.sigmoid(torch.einsum("bi,hi->bh", x, W_x) + torch.einsum("bj,hj->bh", h_prev, W_h) + b) \
        * torch.tanh(c_t)

# %% helpers_and_a_scratch_check
import torch.nn.functional as F

exp = torch.exp


def _positive_branch(z: torch.Tensor) -> torch.Tensor:
    return 1.0 / (1.0 + exp(-z.clamp(min=0)))


def _negative_branch(z):
    e = exp(z.clamp(max=0))
    return e / (1.0 + e)


@torch.no_grad()
def sigmoid(z: torch.Tensor) -> torch.Tensor:
    return torch.where(z >= 0, _positive_branch(z), _negative_branch(z))


probe = torch.linspace(-30, 30, 13)
print("largest difference from F.sigmoid:", (sigmoid(probe) - F.sigmoid(probe)).abs().max().item())

# %% logaddexp_in_a_class
class Logistic:
    """sigma(z) = exp(-log(1 + e^-z)), with log(1 + e^-z) computed stably by logaddexp."""

    def __init__(self, dtype=torch.float32):
        self.dtype = dtype

    def __call__(self, z):
        z = torch.as_tensor(z, dtype=self.dtype)
        return torch.exp(-torch.logaddexp(torch.zeros_like(z), -z))


_logistic = Logistic()


def sigmoid(z):
    return _logistic(z)

# %% draft_replaced_in_the_same_cell
def sigmoid(z):
    return torch.sigmoid(z)  # placeholder while I work on the gates


def sigmoid(z):
    a = z.detach().numpy()
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.where(a >= 0, 1 / (1 + np.exp(-a)), np.exp(a) / (1 + np.exp(a)))
    return torch.from_numpy(out.astype(np.float32))
