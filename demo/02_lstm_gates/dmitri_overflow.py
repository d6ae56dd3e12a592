"""Dmitri wrote every function, but his sigmoid overflows for large inputs and his use gate
forgot the tanh on the cell state."""
# fails: test_sigmoid_large_inputs, test_use_gate_values, test_use_gate_bounded
import torch
from torch import nn


def sigmoid(z):
    return torch.exp(z) / (1 + torch.exp(z))


def split_lstm_weights(lstm):
    if isinstance(lstm, nn.LSTM):
        w_ih, w_hh = lstm.weight_ih_l0, lstm.weight_hh_l0
        b = lstm.bias_ih_l0 + lstm.bias_hh_l0
    else:
        w_ih, w_hh = lstm.weight_ih, lstm.weight_hh
        b = lstm.bias_ih + lstm.bias_hh
    gates = {}
    for name, W_x, W_h, b_k in zip(["input", "forget", "cell", "output"], w_ih.chunk(4), w_hh.chunk(4), b.chunk(4)):
        gates[name] = (W_x.detach(), W_h.detach(), b_k.detach())
    return gates


def forget_gate(x, h_prev, c_prev, weights):
    W_x, W_h, b = weights["forget"]
    return sigmoid(x @ W_x.T + h_prev @ W_h.T + b) * c_prev


def learn_gate(x, h_prev, weights):
    W_xi, W_hi, b_i = weights["input"]
    W_xg, W_hg, b_g = weights["cell"]
    return sigmoid(x @ W_xi.T + h_prev @ W_hi.T + b_i) * torch.tanh(x @ W_xg.T + h_prev @ W_hg.T + b_g)


def remember_gate(forgotten, learned):
    return forgotten + learned


def use_gate(x, h_prev, c_t, weights):
    W_x, W_h, b = weights["output"]
    return sigmoid(x @ W_x.T + h_prev @ W_h.T + b) * c_t


def lstm_cell(x, state, weights):
    h, c = state
    c_new = remember_gate(forget_gate(x, h, c, weights), learn_gate(x, h, weights))
    return use_gate(x, h, c_new, weights), c_new


def lstm_forward(x, state, weights):
    if state is None:
        H = weights["forget"][0].shape[0]
        state = (torch.zeros(x.shape[0], H), torch.zeros(x.shape[0], H))
    outputs = []
    for t in range(x.shape[1]):
        state = lstm_cell(x[:, t], state, weights)
        outputs.append(state[0])
    return torch.stack(outputs, dim=1), state


def lstm_param_count(input_size, hidden_size, num_layers=1):
    count = 4 * hidden_size * (input_size + hidden_size) + 8 * hidden_size
    count += (num_layers - 1) * (4 * hidden_size * 2 * hidden_size + 8 * hidden_size)
    return count
