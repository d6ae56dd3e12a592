"""Levin wrote the stable sigmoid, the weight split and the four gates correctly, then ran out
of time before the full cell, the layer and the parameter count."""
# fails:
import torch


def sigmoid(z):
    small = torch.exp(-z.abs())
    return torch.where(z < 0, small / (1 + small), 1 / (1 + small))


def split_lstm_weights(lstm):
    params = {name.replace("_l0", ""): p.detach() for name, p in lstm.named_parameters()}
    H = lstm.hidden_size
    out = {}
    for k, gate in enumerate(["input", "forget", "cell", "output"]):
        part = slice(k * H, (k + 1) * H)
        out[gate] = (params["weight_ih"][part], params["weight_hh"][part],
                     params["bias_ih"][part] + params["bias_hh"][part])
    return out


def forget_gate(x, h_prev, c_prev, weights):
    W_x, W_h, b = weights["forget"]
    return c_prev * sigmoid(x @ W_x.T + h_prev @ W_h.T + b)


def learn_gate(x, h_prev, weights):
    i = sigmoid(x @ weights["input"][0].T + h_prev @ weights["input"][1].T + weights["input"][2])
    g = torch.tanh(x @ weights["cell"][0].T + h_prev @ weights["cell"][1].T + weights["cell"][2])
    return i * g


def remember_gate(forgotten, learned):
    return learned + forgotten


def use_gate(x, h_prev, c_t, weights):
    W_x, W_h, b = weights["output"]
    return torch.tanh(c_t) * sigmoid(x @ W_x.T + h_prev @ W_h.T + b)
