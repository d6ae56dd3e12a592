"""Kitty built the model and the sampler carefully, but her training loop carries the hidden
state without detaching it, so backward() fails on the second batch; she never got to saving."""
# fails: test_train_steps_lower_the_loss, test_train_uses_adam_each_batch, test_train_gradients_are_fresh, test_train_clips_gradient_norm, test_train_detaches_hidden_state


class CharRNN(nn.Module):
    def __init__(self, tokens, n_hidden=256, n_layers=2, drop_prob=0.5, lr=0.001):
        super().__init__()
        self.drop_prob, self.n_layers, self.n_hidden, self.lr = drop_prob, n_layers, n_hidden, lr
        self.chars = tuple(tokens)
        self.int2char = dict(enumerate(self.chars))
        self.char2int = {ch: i for i, ch in self.int2char.items()}
        self.lstm = nn.LSTM(len(self.chars), n_hidden, n_layers, dropout=drop_prob, batch_first=True)
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(n_hidden, len(self.chars))

    def forward(self, x, hidden):
        out, hidden = self.lstm(x, hidden)
        out = self.dropout(out).contiguous().view(-1, self.n_hidden)
        return self.fc(out), hidden

    def init_hidden(self, batch_size):
        w = next(self.parameters())
        return (w.new_zeros(self.n_layers, batch_size, self.n_hidden),
                w.new_zeros(self.n_layers, batch_size, self.n_hidden))


def train(net, data, epochs=10, batch_size=10, seq_length=50, lr=0.001, clip=5, val_frac=0.1, print_every=10):
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    criterion = nn.CrossEntropyLoss()
    train_data, val_data = train_val_split(data, val_frac)
    for e in range(epochs):
        h = net.init_hidden(batch_size)
        for x, y in get_batches(train_data, batch_size, seq_length):
            inputs = torch.from_numpy(one_hot_encode(x, len(net.chars)))
            targets = torch.from_numpy(y)
            opt.zero_grad()
            output, h = net(inputs, h)
            loss = criterion(output, targets.view(batch_size * seq_length))
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()


def predict(net, char, h=None, top_k=None):
    if h is None:
        h = net.init_hidden(1)
    x = torch.from_numpy(one_hot_encode(np.array([[net.char2int[char]]]), len(net.chars)))
    with torch.no_grad():
        out, h = net(x, h)
    p = F.softmax(out, dim=1)[0]
    if top_k is None:
        idx = torch.arange(len(net.chars))
    else:
        p, idx = p.topk(top_k)
    p = p.numpy()
    return net.int2char[int(np.random.choice(idx.numpy(), p=p / p.sum()))], h


def sample(net, size, prime="The", top_k=None):
    net.eval()
    h = None
    for ch in prime:
        char, h = predict(net, ch, h, top_k)
    out = [char]
    for _ in range(size - 1):
        char, h = predict(net, out[-1], h, top_k)
        out.append(char)
    return prime + "".join(out)
