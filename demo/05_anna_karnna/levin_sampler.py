"""Levin wrote a sound model and training loop, but his predict ignores top_k and his sampler
leaves dropout on; he skipped saving a checkpoint and the temperature extension."""
# fails: test_predict_top_k, test_predict_top_k_and_hidden, test_sample_follows_model, test_sample_top_k


class CharRNN(nn.Module):
    def __init__(self, tokens, n_hidden=256, n_layers=2, drop_prob=0.5, lr=0.001):
        super().__init__()
        self.n_hidden, self.n_layers, self.drop_prob, self.lr = n_hidden, n_layers, drop_prob, lr
        self.chars = tuple(tokens)
        self.int2char = dict(enumerate(self.chars))
        self.char2int = {c: i for i, c in self.int2char.items()}
        self.lstm = nn.LSTM(len(tokens), n_hidden, n_layers, dropout=drop_prob if n_layers > 1 else 0,
                            batch_first=True)
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(n_hidden, len(tokens))

    def forward(self, x, hidden):
        out, hidden = self.lstm(x, hidden)
        return self.fc(self.dropout(out).reshape(-1, self.n_hidden)), hidden

    def init_hidden(self, batch_size):
        w = next(self.parameters())
        return tuple(w.new_zeros(self.n_layers, batch_size, self.n_hidden) for _ in range(2))


def train(net, data, epochs=10, batch_size=10, seq_length=50, lr=0.001, clip=5, val_frac=0.1, print_every=10):
    device = next(net.parameters()).device
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    train_data, _ = train_val_split(data, val_frac)
    for _ in tqdm(range(epochs), desc="epochs"):
        h = net.init_hidden(batch_size)
        for x, y in get_batches(train_data, batch_size, seq_length):
            h = tuple(t.detach() for t in h)
            out, h = net(torch.from_numpy(one_hot_encode(x, len(net.chars))).to(device), h)
            loss = F.cross_entropy(out, torch.from_numpy(y).to(device).flatten())
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()


def predict(net, char, h=None, top_k=None):
    h = net.init_hidden(1) if h is None else h
    x = torch.from_numpy(one_hot_encode(np.array([[net.char2int[char]]]), len(net.chars)))
    with torch.no_grad():
        out, h = net(x, h)
    p = F.softmax(out[0], dim=0).numpy()
    return net.int2char[int(np.random.choice(len(p), p=p / p.sum()))], h


def sample(net, size, prime="The", top_k=None):
    h = None
    for ch in prime:
        nxt, h = predict(net, ch, h, top_k)
    text = prime + nxt
    for _ in range(size - 1):
        nxt, h = predict(net, text[-1], h, top_k)
        text += nxt
    return text
