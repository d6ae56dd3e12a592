# Correct implementations of 05_anna_karnna in other styles: each must get full marks.

# %% classic_exercise_style
class CharRNN(nn.Module):

    def __init__(self, tokens, n_hidden=256, n_layers=2,
                 drop_prob=0.5, lr=0.001):
        super().__init__()
        self.drop_prob = drop_prob
        self.n_layers = n_layers
        self.n_hidden = n_hidden
        self.lr = lr

        # creating character dictionaries
        self.chars = tokens
        self.int2char = dict(enumerate(self.chars))
        self.char2int = {ch: ii for ii, ch in self.int2char.items()}

        ## define the LSTM
        self.lstm = nn.LSTM(len(self.chars), n_hidden, n_layers,
                            dropout=drop_prob, batch_first=True)

        ## define a dropout layer
        self.dropout = nn.Dropout(drop_prob)

        ## define the final, fully-connected output layer
        self.fc = nn.Linear(n_hidden, len(self.chars))

    def forward(self, x, hidden):
        ''' Forward pass through the network.
            These inputs are x, and the hidden/cell state `hidden`. '''
        r_output, hidden = self.lstm(x, hidden)
        out = self.dropout(r_output)
        # Stack up LSTM outputs using view
        out = out.contiguous().view(-1, self.n_hidden)
        out = self.fc(out)
        return out, hidden

    def init_hidden(self, batch_size):
        ''' Initializes hidden state '''
        weight = next(self.parameters()).data
        hidden = (weight.new(self.n_layers, batch_size, self.n_hidden).zero_(),
                  weight.new(self.n_layers, batch_size, self.n_hidden).zero_())
        return hidden


def train(net, data, epochs=10, batch_size=10, seq_length=50, lr=0.001, clip=5, val_frac=0.1, print_every=10):
    ''' Training a network '''
    device = next(net.parameters()).device
    net.train()

    opt = torch.optim.Adam(net.parameters(), lr=lr)
    criterion = nn.CrossEntropyLoss()

    # create training and validation data
    val_idx = int(len(data)*(1-val_frac))
    data, val_data = data[:val_idx], data[val_idx:]

    counter = 0
    n_chars = len(net.chars)
    for e in range(epochs):
        # initialize hidden state
        h = net.init_hidden(batch_size)

        for x, y in get_batches(data, batch_size, seq_length):
            counter += 1

            # One-hot encode our data and make them Torch tensors
            x = one_hot_encode(x, n_chars)
            inputs, targets = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)

            # Creating new variables for the hidden state, otherwise
            # we'd backprop through the entire training history
            h = tuple([each.data for each in h])

            # zero accumulated gradients
            net.zero_grad()

            # get the output from the model
            output, h = net(inputs, h)

            # calculate the loss and perform backprop
            loss = criterion(output, targets.view(batch_size*seq_length).long())
            loss.backward()
            # `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
            nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()

            # loss stats
            if counter % print_every == 0:
                # Get validation loss
                val_h = net.init_hidden(batch_size)
                val_losses = []
                net.eval()
                for x, y in get_batches(val_data, batch_size, seq_length):
                    x = one_hot_encode(x, n_chars)
                    x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
                    val_h = tuple([each.data for each in val_h])
                    inputs, targets = x, y
                    output, val_h = net(inputs, val_h)
                    val_loss = criterion(output, targets.view(batch_size*seq_length).long())
                    val_losses.append(val_loss.item())

                net.train() # reset to train mode after iterationg through validation data

                print("Epoch: {}/{}...".format(e+1, epochs),
                      "Step: {}...".format(counter),
                      "Loss: {:.4f}...".format(loss.item()),
                      "Val Loss: {:.4f}".format(np.mean(val_losses)))


def predict(net, char, h=None, top_k=None):
        ''' Given a character, predict the next character.
            Returns the predicted character and the hidden state.
        '''
        if h is None:
            h = net.init_hidden(1)

        # tensor inputs
        x = np.array([[net.char2int[char]]])
        x = one_hot_encode(x, len(net.chars))
        inputs = torch.from_numpy(x).to(next(net.parameters()).device)

        # detach hidden state from history
        h = tuple([each.data for each in h])
        # get the output of the model
        out, h = net(inputs, h)

        # get the character probabilities
        p = F.softmax(out, dim=1).data.cpu()

        # get top characters
        if top_k is None:
            top_ch = np.arange(len(net.chars))
        else:
            p, top_ch = p.topk(top_k)
            top_ch = top_ch.numpy().squeeze()

        # select the likely next character with some element of randomness
        p = p.numpy().squeeze()
        char = np.random.choice(top_ch, p=p/p.sum())

        # return the encoded value of the predicted char and the hidden state
        return net.int2char[char], h


def sample(net, size, prime='The', top_k=None):
    net.eval() # eval mode

    # First off, run through the prime characters
    chars = [ch for ch in prime]
    h = net.init_hidden(1)
    for ch in prime:
        char, h = predict(net, ch, h, top_k=top_k)

    chars.append(char)

    # Now pass in the previous character and get a new one
    for ii in range(size):
        char, h = predict(net, chars[-1], h, top_k=top_k)
        chars.append(char)

    return ''.join(chars)


# %% vectorised_and_own_helpers
class CharRNN(nn.Module):
    def __init__(self, tokens, n_hidden=256, n_layers=2, drop_prob=0.5, lr=0.001):
        super().__init__()
        self.chars = list(tokens)
        self.int2char = {i: c for i, c in enumerate(self.chars)}
        self.char2int = {c: i for i, c in enumerate(self.chars)}
        self.n_hidden, self.n_layers, self.drop_prob, self.lr = n_hidden, n_layers, drop_prob, lr
        self.rnn = nn.LSTM(input_size=len(tokens), hidden_size=n_hidden, num_layers=n_layers,
                           batch_first=True, dropout=drop_prob if n_layers > 1 else 0)
        self.drop = nn.Dropout(p=drop_prob)
        self.head = nn.Linear(n_hidden, len(tokens))

    def forward(self, x, hidden):
        seq_out, hidden = self.rnn(x, hidden)
        return self.head(self.drop(seq_out).reshape(-1, self.n_hidden)), hidden

    def init_hidden(self, batch_size):
        p = next(self.parameters())
        shape = (self.n_layers, batch_size, self.n_hidden)
        return torch.zeros(shape, device=p.device, dtype=p.dtype), torch.zeros(shape, device=p.device, dtype=p.dtype)


def _norm_clip(params, max_norm):
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.sqrt(sum((g ** 2).sum() for g in grads))
    if total > max_norm:
        for g in grads:
            g.mul_(max_norm / (total + 1e-6))
    return total


def train(net, data, epochs=10, batch_size=10, seq_length=50, lr=0.001, clip=5, val_frac=0.1, print_every=10,
          weight_decay=0.0):
    dev = next(net.parameters()).device
    optimizer = torch.optim.Adam(net.parameters(), lr, weight_decay=weight_decay)  # L2, not AdamW
    split = int(len(data) * (1 - val_frac))
    train_part = data[:split]
    for epoch in range(epochs):
        state = net.init_hidden(batch_size)
        for x, y in get_batches(train_part, batch_size, seq_length):
            net.train()
            state = [s.detach() for s in state]
            xb = torch.tensor(one_hot_encode(x, len(net.chars)), device=dev)
            yb = torch.tensor(y, dtype=torch.long, device=dev).flatten()
            optimizer.zero_grad(set_to_none=True)
            scores, state = net(xb, tuple(state))
            loss = F.cross_entropy(scores, yb)
            loss.backward()
            _norm_clip(list(net.parameters()), clip)
            optimizer.step()


def predict(net, char, h=None, top_k=None):
    dev = next(net.parameters()).device
    h = net.init_hidden(1) if h is None else h
    x = torch.zeros(1, 1, len(net.chars), device=dev)
    x[0, 0, net.char2int[char]] = 1.0
    with torch.no_grad():
        scores, h = net(x, h)
    probs = torch.softmax(scores[0], dim=-1)
    if top_k is not None:
        keep = torch.topk(probs, top_k).indices
        mask = torch.zeros_like(probs)
        mask[keep] = 1.0
        probs = probs * mask
    idx = torch.multinomial(probs / probs.sum(), 1).item()
    return net.int2char[idx], h


def sample(net, size, prime="The", top_k=None):
    net.train(False)
    h = None
    for ch in prime:
        nxt, h = predict(net, ch, h, top_k)
    out = prime + nxt
    while len(out) < len(prime) + size:
        nxt, h = predict(net, out[-1], h, top_k)
        out += nxt
    return out


def sample_with_temperature(net, size, prime="The", top_k=None, temperature=1.0):
    net.eval()
    dev = next(net.parameters()).device
    h = net.init_hidden(1)
    text = prime
    with torch.no_grad():
        for ch in prime[:-1]:
            _, h = net(torch.from_numpy(one_hot_encode(np.array([[net.char2int[ch]]]), len(net.chars))).to(dev), h)
        current = prime[-1]
        for _ in range(size):
            scores, h = net(torch.from_numpy(one_hot_encode(np.array([[net.char2int[current]]]), len(net.chars))).to(dev), h)
            p = torch.softmax(scores[0].double(), -1).cpu().numpy()
            p = p ** (1.0 / temperature)
            if top_k is not None:
                p[np.argsort(p)[:-top_k]] = 0.0
            p = p / p.sum()
            current = net.int2char[int(np.random.choice(len(p), p=p))]
            text += current
    return text


def save_checkpoint(net, path="anna_karnna.pt"):
    torch.save({"n_hidden": net.n_hidden, "n_layers": net.n_layers, "drop_prob": net.drop_prob,
                "tokens": "".join(net.chars) and list(net.chars), "state_dict": net.state_dict(),
                "format": "CharRNN v1"}, path)


# %% numpy_predict_and_inline_sampling
def predict(net, char, h=None, top_k=None):
    if h is None:
        h = net.init_hidden(1)
    x = one_hot_encode(np.array([[net.char2int[char]]]), len(net.chars))
    net_device = next(net.parameters()).device
    with torch.no_grad():
        out, h = net(torch.from_numpy(x).to(net_device), tuple(t.detach() for t in h))
    logits = out[0].cpu().numpy().astype(np.float64)
    p = np.exp(logits - logits.max())
    p /= p.sum()
    candidates = np.arange(len(p)) if top_k is None else np.argsort(-p)[:top_k]
    q = p[candidates] / p[candidates].sum()
    return net.int2char[int(np.random.choice(candidates, p=q))], h


def sample(net, size, prime="The", top_k=None):
    net.eval()
    h = net.init_hidden(1)
    generated = []
    for ch in prime:
        nxt, h = predict(net, ch, h, top_k=top_k)
    generated.append(nxt)
    for _ in range(size):
        nxt, h = predict(net, generated[-1], h, top_k=top_k)
        generated.append(nxt)
    return prime + "".join(generated)


def sample_with_temperature(net, size, prime="The", top_k=None, temperature=1.0):
    net.eval()
    h = net.init_hidden(1)
    dev = next(net.parameters()).device
    out_chars = list(prime)
    for i, ch in enumerate(prime + " " * 0):
        with torch.no_grad():
            scores, h = net(torch.from_numpy(one_hot_encode(np.array([[net.char2int[ch]]]), len(net.chars))).to(dev), h)
    for _ in range(size):
        z = scores[0] / temperature
        if top_k:
            kth = torch.topk(z, top_k).values.min()
            z = torch.where(z >= kth, z, torch.full_like(z, -1e9))
        nxt = net.int2char[int(torch.distributions.Categorical(logits=z).sample())]
        out_chars.append(nxt)
        with torch.no_grad():
            scores, h = net(torch.from_numpy(one_hot_encode(np.array([[net.char2int[nxt]]]), len(net.chars))).to(dev), h)
    return "".join(out_chars)


# %% fresh_state_each_batch_and_adamw
def train(net, data, epochs=10, batch_size=10, seq_length=50, lr=0.001, clip=5, val_frac=0.1,
          print_every=10, schedule="constant", weight_decay=0.0):
    # every batch starts from zeros (nothing to detach), and AdamW at its default weight decay
    opt = torch.optim.AdamW(net.parameters(), lr=lr)
    train_data, _ = train_val_split(data, val_frac)
    net.train()
    for _ in range(epochs):
        for x, y in get_batches(train_data, batch_size, seq_length):
            out, _ = net(torch.from_numpy(one_hot_encode(x, len(net.chars))), net.init_hidden(batch_size))
            loss = F.cross_entropy(out, torch.from_numpy(y).reshape(-1).long())
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), max_norm=clip)
            opt.step()
    return {}


# %% state_carried_across_epochs
def train(net, data, epochs=10, batch_size=10, seq_length=50, lr=0.001, clip=5, val_frac=0.1,
          print_every=10, schedule="constant", weight_decay=0.0):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    n = int(len(data) * (1 - val_frac))
    hidden = net.init_hidden(batch_size)  # one stream through all the epochs
    history = {"step": [], "train_loss": []}
    for epoch in range(epochs):
        for step, (x, y) in enumerate(get_batches(data[:n], batch_size, seq_length)):
            hidden = tuple(t.detach() for t in hidden)
            net.zero_grad()
            scores, hidden = net(torch.tensor(one_hot_encode(x, len(net.chars))), hidden)
            loss = criterion(scores, torch.tensor(y).view(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
            optimizer.step()
            history["step"].append(epoch * 1000 + step)
            history["train_loss"].append(loss.item())
    return history
