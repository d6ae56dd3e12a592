"""Katya took a shortcut with torch.sigmoid, unpacked PyTorch's weights in the order i, f, o, g,
and counted every layer as if it read the input; she did not reach the cell and the layer."""
# fails: test_sigmoid_written_from_exp, test_split_lstmcell_values, test_split_square_weights, test_split_lstm_module, test_param_count_layers
import torch
from torch import nn


def sigmoid(z):
    return torch.sigmoid(z)


def split_lstm_weights(lstm):
    suffix = "_l0" if isinstance(lstm, nn.LSTM) else ""
    w_ih = getattr(lstm, "weight_ih" + suffix).detach()
    w_hh = getattr(lstm, "weight_hh" + suffix).detach()
    b = (getattr(lstm, "bias_ih" + suffix) + getattr(lstm, "bias_hh" + suffix)).detach()
    i, f, o, g = zip(w_ih.chunk(4), w_hh.chunk(4), b.chunk(4))
    return {"input": i, "forget": f, "cell": g, "output": o}


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
    return sigmoid(x @ W_x.T + h_prev @ W_h.T + b) * torch.tanh(c_t)


def lstm_param_count(input_size, hidden_size, num_layers=1):
    return num_layers * (4 * hidden_size * (input_size + hidden_size) + 8 * hidden_size)
