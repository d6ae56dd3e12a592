"""Dana wrote the cell with a sigmoid and the forward loop on top of it, then stopped."""
# fails: test_rnn_cell_matches_rnncell, test_rnn_cell_bias_term, test_rnn_cell_input_term, test_rnn_cell_recurrent_term, test_rnn_cell_zero_centred, test_rnn_forward_matches_nn_rnn, test_rnn_forward_h0_none_is_zeros
import torch


def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.sigmoid(x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh)


def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = torch.zeros(x.shape[0], weight_hh.shape[0]) if h0 is None else h0
    outputs = []
    for t in range(x.shape[1]):
        h = rnn_cell(x[:, t], h, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs, dim=1), h
