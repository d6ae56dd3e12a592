# Realistic wrong implementations of 02_lstm_gates.
# Each variant replaces one function of the reference; it must lose points on that
# function, and a grader message must contain the phrase after the colon.

# %% sigmoid_is_tanh -> sigmoid: computes tanh
def sigmoid(z):
    return torch.tanh(z)

# %% sigmoid_sign_flipped -> sigmoid: sign of z flipped
def sigmoid(z):
    e = torch.exp(-torch.abs(z))
    return torch.where(z >= 0, e / (1 + e), 1 / (1 + e))

# %% sigmoid_exp_ratio_overflows -> sigmoid: overflows
def sigmoid(z):
    return torch.exp(z) / (1 + torch.exp(z))

# %% sigmoid_math_loop_raises -> sigmoid: overflows
import math


def sigmoid(z):
    flat = [1.0 / (1.0 + math.exp(-v)) for v in z.reshape(-1).tolist()]
    return torch.tensor(flat, dtype=torch.float32).reshape(z.shape)

# %% sigmoid_calls_torch -> sigmoid: torch.sigmoid
def sigmoid(z):
    return torch.sigmoid(z)

# %% sigmoid_functional -> sigmoid: library sigmoid
import torch.nn.functional as F


def sigmoid(z):
    return F.sigmoid(z)

# %% sigmoid_alias_expit -> sigmoid: library sigmoid
_logistic = torch.special.expit


def sigmoid(z):
    return _logistic(z)

# %% sigmoid_aten_by_string -> sigmoid: cannot follow
def sigmoid(z):
    return getattr(torch.ops.aten, "sig" + "moid")(z)

# %% sigmoid_method_by_string -> sigmoid: cannot follow
from operator import methodcaller


def sigmoid(z):
    return methodcaller("sig" + "moid")(z)

# %% sigmoid_through_a_helper -> sigmoid: library sigmoid
def _squash(t):
    return t.sigmoid()


def _stable(z):
    return _squash(z.float())


def sigmoid(z):
    return _stable(z)

# %% sigmoid_imported_under_another_name -> sigmoid: library sigmoid
from torch.special import expit as squash


def sigmoid(z):
    return squash(z)

# %% sigmoid_softmax_of_two -> sigmoid: library sigmoid
def sigmoid(z):
    return torch.softmax(torch.stack([z, torch.zeros_like(z)]), dim=0)[0]

# %% sigmoid_float64 -> sigmoid: float32
def sigmoid(z):
    z = z.double()
    e = torch.exp(-torch.abs(z))
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))

# %% split_order_ifog -> split_lstm_weights: gate order
def split_lstm_weights(lstm):
    suffix = "_l0" if isinstance(lstm, nn.LSTM) else ""
    w_ih = getattr(lstm, "weight_ih" + suffix).detach()
    w_hh = getattr(lstm, "weight_hh" + suffix).detach()
    b = (getattr(lstm, "bias_ih" + suffix) + getattr(lstm, "bias_hh" + suffix)).detach()
    names = ("input", "forget", "output", "cell")
    return {n: p for n, p in zip(names, zip(w_ih.chunk(4), w_hh.chunk(4), b.chunk(4)))}

# %% split_order_figo -> split_lstm_weights: gate order
def split_lstm_weights(lstm):
    suffix = "_l0" if isinstance(lstm, nn.LSTM) else ""
    w_ih = getattr(lstm, "weight_ih" + suffix).detach()
    w_hh = getattr(lstm, "weight_hh" + suffix).detach()
    b = (getattr(lstm, "bias_ih" + suffix) + getattr(lstm, "bias_hh" + suffix)).detach()
    names = ("forget", "input", "cell", "output")
    return {n: p for n, p in zip(names, zip(w_ih.chunk(4), w_hh.chunk(4), b.chunk(4)))}

# %% split_only_bias_ih -> split_lstm_weights: one bias left out
def split_lstm_weights(lstm):
    suffix = "_l0" if isinstance(lstm, nn.LSTM) else ""
    w_ih = getattr(lstm, "weight_ih" + suffix).detach()
    w_hh = getattr(lstm, "weight_hh" + suffix).detach()
    b = getattr(lstm, "bias_ih" + suffix).detach()
    names = ("input", "forget", "cell", "output")
    return {n: p for n, p in zip(names, zip(w_ih.chunk(4), w_hh.chunk(4), b.chunk(4)))}

# %% split_only_bias_hh -> split_lstm_weights: one bias left out
def split_lstm_weights(lstm):
    suffix = "_l0" if isinstance(lstm, nn.LSTM) else ""
    w_ih = getattr(lstm, "weight_ih" + suffix).detach()
    w_hh = getattr(lstm, "weight_hh" + suffix).detach()
    b = getattr(lstm, "bias_hh" + suffix).detach()
    names = ("input", "forget", "cell", "output")
    return {n: p for n, p in zip(names, zip(w_ih.chunk(4), w_hh.chunk(4), b.chunk(4)))}

# %% split_wx_wh_swapped -> split_lstm_weights: swapped
def split_lstm_weights(lstm):
    suffix = "_l0" if isinstance(lstm, nn.LSTM) else ""
    w_ih = getattr(lstm, "weight_ih" + suffix).detach()
    w_hh = getattr(lstm, "weight_hh" + suffix).detach()
    b = (getattr(lstm, "bias_ih" + suffix) + getattr(lstm, "bias_hh" + suffix)).detach()
    names = ("input", "forget", "cell", "output")
    return {n: p for n, p in zip(names, zip(w_hh.chunk(4), w_ih.chunk(4), b.chunk(4)))}

# %% split_lstmcell_names_only -> split_lstm_weights: weight_ih_l0
def split_lstm_weights(lstm):
    H = lstm.hidden_size
    b = (lstm.bias_ih + lstm.bias_hh).detach()
    out = {}
    for k, name in enumerate(("input", "forget", "cell", "output")):
        rows = slice(k * H, (k + 1) * H)
        out[name] = (lstm.weight_ih[rows].detach(), lstm.weight_hh[rows].detach(), b[rows])
    return out

# %% split_chunk_columns -> split_lstm_weights: dim 0
def split_lstm_weights(lstm):
    suffix = "_l0" if isinstance(lstm, nn.LSTM) else ""
    w_ih = getattr(lstm, "weight_ih" + suffix).detach()
    w_hh = getattr(lstm, "weight_hh" + suffix).detach()
    b = (getattr(lstm, "bias_ih" + suffix) + getattr(lstm, "bias_hh" + suffix)).detach()
    names = ("input", "forget", "cell", "output")
    return {n: p for n, p in zip(names, zip(w_ih.chunk(4, dim=1), w_hh.chunk(4, dim=1), b.chunk(4)))}

# %% split_transposed -> split_lstm_weights: transposed
def split_lstm_weights(lstm):
    suffix = "_l0" if isinstance(lstm, nn.LSTM) else ""
    w_ih = getattr(lstm, "weight_ih" + suffix).detach()
    w_hh = getattr(lstm, "weight_hh" + suffix).detach()
    b = (getattr(lstm, "bias_ih" + suffix) + getattr(lstm, "bias_hh" + suffix)).detach()
    names = ("input", "forget", "cell", "output")
    return {n: (wx.T, wh.T, bb) for n, wx, wh, bb in zip(names, w_ih.chunk(4), w_hh.chunk(4), b.chunk(4))}

# %% forget_on_h_prev -> forget_gate: acts on the long-term memory
def forget_gate(x, h_prev, c_prev, weights):
    W_x, W_h, b = weights["forget"]
    return sigmoid(x @ W_x.T + h_prev @ W_h.T + b) * h_prev

# %% forget_returns_f -> forget_gate: returns f_t itself
def forget_gate(x, h_prev, c_prev, weights):
    W_x, W_h, b = weights["forget"]
    return sigmoid(x @ W_x.T + h_prev @ W_h.T + b)

# %% forget_uses_tanh -> forget_gate: uses tanh
def forget_gate(x, h_prev, c_prev, weights):
    W_x, W_h, b = weights["forget"]
    return torch.tanh(x @ W_x.T + h_prev @ W_h.T + b) * c_prev

# %% forget_no_bias -> forget_gate: bias b_f is left out
def forget_gate(x, h_prev, c_prev, weights):
    W_x, W_h, _ = weights["forget"]
    return sigmoid(x @ W_x.T + h_prev @ W_h.T) * c_prev

# %% forget_input_weights -> forget_gate: weights['input']
def forget_gate(x, h_prev, c_prev, weights):
    W_x, W_h, b = weights["input"]
    return sigmoid(x @ W_x.T + h_prev @ W_h.T + b) * c_prev

# %% forget_one_minus -> forget_gate: (1 - f_t)
def forget_gate(x, h_prev, c_prev, weights):
    W_x, W_h, b = weights["forget"]
    return (1 - sigmoid(x @ W_x.T + h_prev @ W_h.T + b)) * c_prev

# %% learn_squashers_swapped -> learn_gate: sigmoid and tanh are swapped
def learn_gate(x, h_prev, weights):
    W_xi, W_hi, b_i = weights["input"]
    W_xg, W_hg, b_g = weights["cell"]
    return torch.tanh(x @ W_xi.T + h_prev @ W_hi.T + b_i) * sigmoid(x @ W_xg.T + h_prev @ W_hg.T + b_g)

# %% learn_tanh_for_i -> learn_gate: uses tanh for i_t
def learn_gate(x, h_prev, weights):
    W_xi, W_hi, b_i = weights["input"]
    W_xg, W_hg, b_g = weights["cell"]
    return torch.tanh(x @ W_xi.T + h_prev @ W_hi.T + b_i) * torch.tanh(x @ W_xg.T + h_prev @ W_hg.T + b_g)

# %% learn_sigmoid_for_g -> learn_gate: sigmoid for g_t
def learn_gate(x, h_prev, weights):
    W_xi, W_hi, b_i = weights["input"]
    W_xg, W_hg, b_g = weights["cell"]
    return sigmoid(x @ W_xi.T + h_prev @ W_hi.T + b_i) * sigmoid(x @ W_xg.T + h_prev @ W_hg.T + b_g)

# %% learn_weights_swapped -> learn_gate: weights['cell']
def learn_gate(x, h_prev, weights):
    W_xi, W_hi, b_i = weights["cell"]
    W_xg, W_hg, b_g = weights["input"]
    return sigmoid(x @ W_xi.T + h_prev @ W_hi.T + b_i) * torch.tanh(x @ W_xg.T + h_prev @ W_hg.T + b_g)

# %% learn_adds -> learn_gate: adds i_t and g_t
def learn_gate(x, h_prev, weights):
    W_xi, W_hi, b_i = weights["input"]
    W_xg, W_hg, b_g = weights["cell"]
    return sigmoid(x @ W_xi.T + h_prev @ W_hi.T + b_i) + torch.tanh(x @ W_xg.T + h_prev @ W_hg.T + b_g)

# %% learn_no_biases -> learn_gate: leaves out the biases
def learn_gate(x, h_prev, weights):
    W_xi, W_hi, _ = weights["input"]
    W_xg, W_hg, _ = weights["cell"]
    return sigmoid(x @ W_xi.T + h_prev @ W_hi.T) * torch.tanh(x @ W_xg.T + h_prev @ W_hg.T)

# %% remember_multiplies -> remember_gate: multiplies
def remember_gate(forgotten, learned):
    return forgotten * learned

# %% remember_tanh -> remember_gate: tanh
def remember_gate(forgotten, learned):
    return torch.tanh(forgotten + learned)

# %% remember_returns_pair -> remember_gate: one tensor
def remember_gate(forgotten, learned):
    return forgotten + learned, learned

# %% use_no_tanh -> use_gate: no tanh on c_t
def use_gate(x, h_prev, c_t, weights):
    W_x, W_h, b = weights["output"]
    return sigmoid(x @ W_x.T + h_prev @ W_h.T + b) * c_t

# %% use_sigmoid_on_c -> use_gate: squashes c_t with sigmoid
def use_gate(x, h_prev, c_t, weights):
    W_x, W_h, b = weights["output"]
    return sigmoid(x @ W_x.T + h_prev @ W_h.T + b) * sigmoid(c_t)

# %% use_forget_weights -> use_gate: weights['forget']
def use_gate(x, h_prev, c_t, weights):
    W_x, W_h, b = weights["forget"]
    return sigmoid(x @ W_x.T + h_prev @ W_h.T + b) * torch.tanh(c_t)

# %% use_no_bias -> use_gate: b_o is left out
def use_gate(x, h_prev, c_t, weights):
    W_x, W_h, _ = weights["output"]
    return sigmoid(x @ W_x.T + h_prev @ W_h.T) * torch.tanh(c_t)

# %% cell_c_prev_in_use_gate -> lstm_cell: c_prev where c_t belongs
def lstm_cell(x, state, weights):
    h_prev, c_prev = state
    c_t = remember_gate(forget_gate(x, h_prev, c_prev, weights), learn_gate(x, h_prev, weights))
    h_t = use_gate(x, h_prev, c_prev, weights)
    return h_t, c_t

# %% cell_returns_c_then_h -> lstm_cell: returns (c_t, h_t)
def lstm_cell(x, state, weights):
    h_prev, c_prev = state
    c_t = remember_gate(forget_gate(x, h_prev, c_prev, weights), learn_gate(x, h_prev, weights))
    return c_t, use_gate(x, h_prev, c_t, weights)

# %% cell_forget_on_h_prev -> lstm_cell: applied to h_prev
def lstm_cell(x, state, weights):
    h_prev, c_prev = state
    c_t = remember_gate(forget_gate(x, h_prev, h_prev, weights), learn_gate(x, h_prev, weights))
    return use_gate(x, h_prev, c_t, weights), c_t

# %% cell_state_unpacked_backwards -> lstm_cell: wrong order
def lstm_cell(x, state, weights):
    c_prev, h_prev = state
    c_t = remember_gate(forget_gate(x, h_prev, c_prev, weights), learn_gate(x, h_prev, weights))
    return use_gate(x, h_prev, c_t, weights), c_t

# %% cell_skips_forget_gate -> lstm_cell: ignores the forget gate
def lstm_cell(x, state, weights):
    h_prev, c_prev = state
    c_t = remember_gate(c_prev, learn_gate(x, h_prev, weights))
    return use_gate(x, h_prev, c_t, weights), c_t

# %% cell_from_scratch_no_tanh -> lstm_cell: no tanh on c_t
def lstm_cell(x, state, weights):
    h_prev, c_prev = state
    z = {g: x @ Wx.T + h_prev @ Wh.T + b for g, (Wx, Wh, b) in weights.items()}
    c_t = torch.sigmoid(z["forget"]) * c_prev + torch.sigmoid(z["input"]) * torch.tanh(z["cell"])
    return torch.sigmoid(z["output"]) * c_t, c_t

# %% forward_state_not_carried -> lstm_forward: not carried
def lstm_forward(x, state, weights):
    B, T, _ = x.shape
    H = weights["input"][1].shape[0]
    if state is None:
        state = (torch.zeros(B, H), torch.zeros(B, H))
    outs = []
    for t in range(T):
        h, c = lstm_cell(x[:, t], state, weights)
        outs.append(h)
    return torch.stack(outs, dim=1), (h, c)

# %% forward_h_n_first_step -> lstm_forward: first step
def lstm_forward(x, state, weights):
    B, T, _ = x.shape
    H = weights["input"][1].shape[0]
    h, c = state if state is not None else (torch.zeros(B, H), torch.zeros(B, H))
    outs, cs = [], []
    for t in range(T):
        h, c = lstm_cell(x[:, t], (h, c), weights)
        outs.append(h)
        cs.append(c)
    return torch.stack(outs, dim=1), (outs[0], cs[-1])

# %% forward_time_major -> lstm_forward: batch-first
def lstm_forward(x, state, weights):
    B, T, _ = x.shape
    H = weights["input"][1].shape[0]
    h, c = state if state is not None else (torch.zeros(B, H), torch.zeros(B, H))
    outs = []
    for t in range(T):
        h, c = lstm_cell(x[:, t], (h, c), weights)
        outs.append(h)
    return torch.stack(outs), (h, c)

# %% forward_c_n_is_initial -> lstm_forward: initial cell state
def lstm_forward(x, state, weights):
    B, T, _ = x.shape
    H = weights["input"][1].shape[0]
    h0, c0 = state if state is not None else (torch.zeros(B, H), torch.zeros(B, H))
    h, c = h0, c0
    outs = []
    for t in range(T):
        h, c = lstm_cell(x[:, t], (h, c), weights)
        outs.append(h)
    return torch.stack(outs, dim=1), (h, c0)

# %% forward_no_zero_state -> lstm_forward: state=None
def lstm_forward(x, state, weights):
    h, c = state
    outs = []
    for t in range(x.shape[1]):
        h, c = lstm_cell(x[:, t], (h, c), weights)
        outs.append(h)
    return torch.stack(outs, dim=1), (h, c)

# %% forward_layer_axis -> lstm_forward: no layer axis
def lstm_forward(x, state, weights):
    B, T, _ = x.shape
    H = weights["input"][1].shape[0]
    h, c = state if state is not None else (torch.zeros(B, H), torch.zeros(B, H))
    outs = []
    for t in range(T):
        h, c = lstm_cell(x[:, t], (h, c), weights)
        outs.append(h)
    return torch.stack(outs, dim=1), (h[None], c[None])

# %% count_one_bias -> lstm_param_count: one bias per gate
def lstm_param_count(input_size, hidden_size, num_layers=1):
    total = 0
    for layer in range(num_layers):
        n = input_size if layer == 0 else hidden_size
        total += 4 * hidden_size * (n + hidden_size) + 4 * hidden_size
    return total

# %% count_layers_same_input -> lstm_param_count: layers after the first
def lstm_param_count(input_size, hidden_size, num_layers=1):
    return num_layers * (4 * hidden_size * (input_size + hidden_size) + 8 * hidden_size)

# %% count_ignores_layers -> lstm_param_count: ignores num_layers
def lstm_param_count(input_size, hidden_size, num_layers=1):
    return 4 * hidden_size * (input_size + hidden_size) + 8 * hidden_size

# %% count_no_biases -> lstm_param_count: leaves out the biases
def lstm_param_count(input_size, hidden_size, num_layers=1):
    total = 0
    for layer in range(num_layers):
        n = input_size if layer == 0 else hidden_size
        total += 4 * hidden_size * (n + hidden_size)
    return total

# %% count_three_gates -> lstm_param_count: 3 gates
def lstm_param_count(input_size, hidden_size, num_layers=1):
    total = 0
    for layer in range(num_layers):
        n = input_size if layer == 0 else hidden_size
        total += 3 * hidden_size * (n + hidden_size) + 6 * hidden_size
    return total

# %% forget_tanh_method -> forget_gate: f_t is a sigmoid
def forget_gate(x, h_prev, c_prev, weights):
    W_x, W_h, b = weights["forget"]
    f_t = (x @ W_x.T + h_prev @ W_h.T + b).tanh()
    return f_t * c_prev

# %% forward_loops_over_batch -> lstm_forward: x is batch-first, (batch, seq, I)
def lstm_forward(x, state, weights):
    B, T, _ = x.shape
    H = weights["input"][1].shape[0]
    h, c = state if state is not None else (torch.zeros(B, H), torch.zeros(B, H))
    outs = []
    for t in range(T):
        h, c = lstm_cell(x[t], (h, c), weights)
        outs.append(h)
    return torch.stack(outs, dim=1), (h, c)
