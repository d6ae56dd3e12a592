"""Eli got the cells right but treats every state as one tensor and counts one bias per gate."""
# fails: test_init_hidden_lstm, test_param_count_one_layer, test_param_count_stacked, test_param_count_default_layers
import torch
import torch.nn as nn


def split_gru_weights(gru):
    params = {name.replace("_l0", ""): p.detach() for name, p in gru.named_parameters()}
    H = gru.hidden_size
    rows = [slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)]
    wi, wh, bi, bh = params["weight_ih"], params["weight_hh"], params["bias_ih"], params["bias_hh"]
    return {
        "reset": (wi[rows[0]], wh[rows[0]], bi[rows[0]] + bh[rows[0]]),
        "update": (wi[rows[1]], wh[rows[1]], bi[rows[1]] + bh[rows[1]]),
        "new": (wi[rows[2]], wh[rows[2]], bi[rows[2]], bh[rows[2]]),
    }


def gru_cell(x, h_prev, weights):
    def lin(gate):
        W_x, W_h, b = weights[gate]
        return x @ W_x.T + h_prev @ W_h.T + b

    r, z = torch.sigmoid(lin("reset")), torch.sigmoid(lin("update"))
    W_x, W_h, b_x, b_h = weights["new"]
    n = torch.tanh(x @ W_x.T + b_x + r * (h_prev @ W_h.T + b_h))
    return (1 - z) * n + z * h_prev


def peephole_lstm_cell(x, state, weights, peepholes):
    h_prev, c_prev = state

    def lin(gate):
        W_x, W_h, b = weights[gate]
        return x @ W_x.T + h_prev @ W_h.T + b

    i = torch.sigmoid(lin("input") + peepholes["input"] * c_prev)
    f = torch.sigmoid(lin("forget") + peepholes["forget"] * c_prev)
    c = f * c_prev + i * torch.tanh(lin("cell"))
    o = torch.sigmoid(lin("output") + peepholes["output"] * c)
    return o * torch.tanh(c), c


def init_hidden(cell_type, num_layers, batch_size, hidden_size):
    n = 2 if cell_type == "lstm" else 1
    h = torch.zeros(n * num_layers, batch_size, hidden_size)  # h and c stacked in one tensor
    return h


def param_count(cell_type, input_size, hidden_size, num_layers=1):
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cell_type]
    total, inputs = 0, input_size
    for _ in range(num_layers):
        total += gates * (hidden_size * inputs + hidden_size * hidden_size + hidden_size)  # one bias
        inputs = hidden_size
    return total
