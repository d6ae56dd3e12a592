"""Dana learned the GRU from a textbook: reset gate before the matmul, and z weighs the new memory."""
# fails: test_gru_cell_matches_nn_gru_cell, test_gru_cell_from_zero_state, test_gru_cell_unrolled_equals_nn_gru
import torch
import torch.nn as nn


def split_gru_weights(gru):
    suffix = "_l0" if isinstance(gru, nn.GRU) else ""
    wi = getattr(gru, "weight_ih" + suffix).detach()
    wh = getattr(gru, "weight_hh" + suffix).detach()
    bi = getattr(gru, "bias_ih" + suffix).detach()
    bh = getattr(gru, "bias_hh" + suffix).detach()
    (xr, xz, xn), (hr, hz, hn) = wi.chunk(3), wh.chunk(3)
    (bir, biz, bin_), (bhr, bhz, bhn) = bi.chunk(3), bh.chunk(3)
    return {"reset": (xr, hr, bir + bhr), "update": (xz, hz, biz + bhz), "new": (xn, hn, bin_, bhn)}


def gru_cell(x, h_prev, weights):
    (W_xr, W_hr, b_r), (W_xz, W_hz, b_z) = weights["reset"], weights["update"]
    W_xn, W_hn, b_xn, b_hn = weights["new"]
    r = torch.sigmoid(x @ W_xr.T + h_prev @ W_hr.T + b_r)
    z = torch.sigmoid(x @ W_xz.T + h_prev @ W_hz.T + b_z)
    n = torch.tanh(x @ W_xn.T + b_xn + (r * h_prev) @ W_hn.T + b_hn)  # reset before the matmul
    return z * n + (1 - z) * h_prev  # textbook convention, reversed from PyTorch's


def ewma(x, beta, initial=None):
    out = torch.empty_like(x)
    s = x[0] if initial is None else initial
    for t in range(len(x)):
        s = beta * s + (1 - beta) * x[t]
        out[t] = s
    return out


def init_hidden(cell_type, num_layers, batch_size, hidden_size):
    h = torch.zeros(num_layers, batch_size, hidden_size)
    return (h, torch.zeros_like(h)) if cell_type == "lstm" else h
