"""Shared training and export helpers for Lucid's ONNX models.

Run with Debian's interpreter (/usr/bin/python3) and Debian's python3-torch / python3-onnx
(see ../README.md). Everything is seeded so a re-run gives the same weights on the same
machine; ONNX export uses opset 17 (the highest torch 1.13 supports).

The runtime contract (node-red-nodes/src/lib/model) is:
  input  "window"         float32 [batch, W, F]: z-scored readings ((x - mean) / std), oldest first
  output "reconstruction" float32 [batch, W, F]
  per-feature error e_f = mean over the W steps of (x - x_hat)^2, window error = mean_f e_f,
  score = 1 - 2^(-error / threshold) (0.5 at the threshold), contributions = e_f / sum(e_f).
"""

import hashlib
import json
import os
import random
import time

import numpy as np
import torch
from torch import nn

OPSET = 17


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def windows(segment, length, stride=1):
    """All windows [n, length, F] of one contiguous segment [T, F] (never across segments)."""
    t = segment.shape[0]
    if t < length:
        return np.zeros((0, length, segment.shape[1]), dtype=np.float32)
    idx = np.arange(0, t - length + 1, stride)[:, None] + np.arange(length)[None, :]
    return segment[idx].astype(np.float32)


class DenseAE(nn.Module):
    """Dense autoencoder over a flattened window."""

    def __init__(self, length, features, hidden=(64, 16)):
        super().__init__()
        self.length, self.features = length, features
        dims = [length * features, *hidden]
        enc, dec = [], []
        for a, b in zip(dims[:-1], dims[1:]):
            enc += [nn.Linear(a, b), nn.ReLU()]
        rdims = dims[::-1]
        for i, (a, b) in enumerate(zip(rdims[:-1], rdims[1:])):
            dec += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(rdims) - 2 else [])
        self.net = nn.Sequential(*enc, *dec)
        self.config = {"kind": "dense", "hidden": list(hidden)}

    def forward(self, x):
        n = x.shape[0]
        return self.net(x.reshape(n, self.length * self.features)).reshape(n, self.length, self.features)


class ConvAE(nn.Module):
    """1-D convolutional autoencoder (the shape of SKAB's Conv-AE baseline): two strided
    convolutions down, two transposed convolutions up, over the time axis."""

    def __init__(self, length, features, channels=(32, 16), kernel=7):
        super().__init__()
        if length % 4:
            raise ValueError("ConvAE needs a window length divisible by 4")
        c1, c2 = channels
        pad = kernel // 2
        self.encoder = nn.Sequential(
            nn.Conv1d(features, c1, kernel, stride=2, padding=pad), nn.ReLU(),
            nn.Conv1d(c1, c2, kernel, stride=2, padding=pad), nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose1d(c2, c2, kernel, stride=2, padding=pad, output_padding=1), nn.ReLU(),
            nn.ConvTranspose1d(c2, c1, kernel, stride=2, padding=pad, output_padding=1), nn.ReLU(),
            nn.Conv1d(c1, features, kernel, padding=pad),
        )
        self.config = {"kind": "conv1d", "channels": list(channels), "kernel": kernel}

    def forward(self, x):
        y = self.decoder(self.encoder(x.transpose(1, 2)))
        return y.transpose(1, 2)


def train(model, x_train, x_val, epochs=30, batch=128, lr=1e-3, seed=0, log=None):
    """Adam on MSE; keeps the weights with the lowest validation loss. Returns (model, history)."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xt, xv = torch.from_numpy(x_train), torch.from_numpy(x_val)
    best, best_state, history = float("inf"), None, []
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), batch):
            xb = xt[perm[i:i + batch]]
            opt.zero_grad()
            loss = ((model(xb) - xb) ** 2).mean()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            val = float(((model(xv) - xv) ** 2).mean())
        history.append(val)
        if val < best:
            best, best_state = val, {k: v.clone() for k, v in model.state_dict().items()}
        if log:
            log(f"  epoch {epoch + 1:3d} val mse {val:.5f}")
    model.load_state_dict(best_state)
    model.eval()
    return model, history


def feature_errors(model, x, batch=4096):
    """Per-feature error [n, F] = mean over the window of the squared reconstruction error."""
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb = torch.from_numpy(x[i:i + batch])
            out.append(((model(xb) - xb) ** 2).mean(dim=1).numpy())
    return np.concatenate(out) if out else np.zeros((0, x.shape[2]), dtype=np.float32)


def param_count(model):
    return int(sum(p.numel() for p in model.parameters()))


def export(model, length, features, path):
    """ONNX export with a dynamic batch axis; returns the file's SHA-256 and size."""
    dummy = torch.zeros(1, length, features)
    torch.onnx.export(
        model, dummy, path, opset_version=OPSET, input_names=["window"], output_names=["reconstruction"],
        dynamic_axes={"window": {0: "batch"}, "reconstruction": {0: "batch"}}, do_constant_folding=True,
    )
    import onnx

    onnx.checker.check_model(onnx.load(path))
    data = open(path, "rb").read()
    return hashlib.sha256(data).hexdigest(), len(data)


def reference(model, raw, mean, std, length, threshold):
    """Reference outputs for the parity test: raw readings of one device, the normalised windows
    fed to the model, the model's reconstructions and the window errors and scores."""
    z = ((raw - mean) / std).astype(np.float32)
    w = windows(z, length)
    with torch.no_grad():
        rec = model(torch.from_numpy(w)).numpy()
    fe = ((rec - w) ** 2).mean(axis=1)
    err = fe.mean(axis=1)
    return {
        "rawReadings": raw.tolist(),
        "windows": w.tolist(),
        "reconstructions": rec.tolist(),
        "featureErrors": fe.tolist(),
        "errors": err.tolist(),
        "scores": (1 - np.power(2.0, -err / threshold)).tolist(),
    }


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def timer():
    t0 = time.time()
    return lambda: round(time.time() - t0, 1)


def here(*parts):
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), *parts)


def write_card(json_path, card):
    """Writes the model card as JSON and as a short Markdown beside it (same name, .md)."""
    write_json(json_path, card)
    sc = card["scoring"]
    cal = sc.get("calibration", {})
    lines = [
        f"# Model card: {card['name']} {card['version']}",
        "",
        card.get("description", ""),
        "",
        f"- **File**: `{card['file']}` ({card['sizeBytes']} bytes), SHA-256 `{card['sha256']}`, ONNX opset {card['opset']}",
        f"- **Input** `{card['input']['name']}` float32 {card['input']['shape']}; **output** `{card['output']['name']}` "
        f"float32 {card['output']['shape']} (window of {card['windowLength']} readings, oldest first)",
        f"- **Architecture**: {card['architecture']}",
        f"- **Normalisation**: {card['normalisation'].get('mode')}: {card['normalisation'].get('description', '')}",
        f"- **Score**: {sc.get('scoreFunction', '')}; threshold {sc['threshold']:.6g} = {cal.get('method')} "
        f"{cal.get('quantile')} of {cal.get('data')} ({cal.get('windows')} windows)",
        f"- **Training**: {card['training'].get('data')}. {card['training'].get('optimizer', '')}, seed {card['training'].get('seed')}.",
        f"- **Reproduce**: `{card['training'].get('command')}`",
        "",
        "## Features",
        "",
        "| # | metric | unit | mean | std |",
        "|---|---|---|---|---|",
        *[f"| {i} | `{f['name']}` | {f['unit']} | {f['mean']:.6g} | {f['std']:.6g} |" for i, f in enumerate(card["features"])],
        "",
        "## Evaluation",
        "",
        "```json",
        json.dumps(card.get("evaluation", {}), indent=2),
        "```",
        "",
    ]
    with open(os.path.splitext(os.path.splitext(json_path)[0])[0] + ".card.md", "w") as f:
        f.write("\n".join(lines))
