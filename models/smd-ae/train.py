#!/usr/bin/python3
"""Trains and exports smd-ae: one small autoencoder per SMD machine (group 1, machine-1-2 ...
machine-1-8 as present in ../shared/datasets/SMD), over a short sliding window of the 38
dimensions, for *interpretation*: the per-dimension share of the reconstruction error
(ModelScorer's contributions) ranks the dimensions that caused an anomaly.

  /usr/bin/python3 models/smd-ae/train.py                 # compare candidates on machine-1-2, train every machine
  ONLY=dense-w8 /usr/bin/python3 models/smd-ae/train.py   # skip the comparison, train the named candidate
  SMD_DIR=/path/to/SMD NORMALISATION=minmax ...           # dataset folder; sensitivity variant (not shipped)
  EPOCHS=60 ATTRIBUTION=scaled ONLY=conv-w16 OUT_DIR=/tmp/x ...  # attribution-variants.md's chosen variant (not shipped)
  MACHINES=machine-1-2 ...                                 # train only the listed machines

SMD's protocol: each machine's model sees only that machine's *train* half; the test half and
both label files are never read here. Per machine the first 80 % of the train half trains, the
last 20 % is held out (early stopping, the card threshold).

Architecture choice (architecture-comparison.json): every candidate is trained on machine-1-2's
train split and judged only by held-out (last 20 % of train) reconstruction MSE, then size.

Normalisation (fixed before any measurement, card mode): z-score with the train half's mean and
population std, the std floored at 0.01 (1 % of the min-max range, the floor the non-learned
robust-z baseline uses) so that a dimension constant in train does not get an infinite scale.
"""

import gzip
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lucidtrain as lt  # noqa: E402

SEED = 23
EPOCHS = int(os.environ.get("EPOCHS", "20"))  # EPOCHS=60: variant of attribution-variants.md (not shipped)
QUANTILE = 0.99
VAL_SHARE = 0.2
STD_FLOOR = 0.01
DIMS = 38
SELECT_MACHINE = "machine-1-2"
OUT = os.environ.get("OUT_DIR", lt.here("smd-ae"))
SMD_DIR = os.path.join(os.environ.get("SMD_DIR", lt.here("..", "..", "shared", "datasets", "SMD")),
                       "ServerMachineDataset")
# ATTRIBUTION=scaled writes scoring.attribution (featureScale below) into the card: the variant chosen on
# machine-1-2 in attribution-variants.md, not shipped (it lost on the other six machines)
ATTRIBUTION = os.environ.get("ATTRIBUTION", "")
NORMALISATION = os.environ.get("NORMALISATION", "zscore")  # "minmax": the shipped [0, 1] units, centred only
# "resnorm": zscore, then each dimension rescaled by its held-out RMS reconstruction error (floored
# at RES_FLOOR) so that a normal window's per-dimension errors are about 1 (standardised residuals)
RES_FLOOR = 0.1


class ResidualScaled(torch.nn.Module):
    """Wraps a model trained on z = (x - mean) / std so that it takes z / r and returns x_hat's z / r:
    the card's std becomes std * r and ModelScorer's per-feature error is the squared residual / r^2."""

    def __init__(self, model, r):
        super().__init__()
        self.model, self.config = model, {**model.config, "residualScale": "per-feature held-out RMS error"}
        self.register_buffer("r", torch.from_numpy(r.astype(np.float32)))

    def forward(self, x):
        return self.model(x * self.r) / self.r
CANDIDATES = [
    {"id": "dense-w8", "kind": "dense", "length": 8, "hidden": (64, 16)},
    {"id": "dense-w16", "kind": "dense", "length": 16, "hidden": (64, 16)},
    {"id": "conv-w16", "kind": "conv1d", "length": 16, "channels": (32, 16), "kernel": 5},
]


def build(c):
    if c["kind"] == "dense":
        return lt.DenseAE(c["length"], DIMS, c["hidden"])
    return lt.ConvAE(c["length"], DIMS, c["channels"], c["kernel"])


def machines():
    names = sorted(f[: -len(".txt.gz")] for f in os.listdir(os.path.join(SMD_DIR, "train")) if f.endswith(".txt.gz"))
    return sorted(names, key=lambda m: [int(p) for p in m.split("-")[1:]])


def read_train(machine):
    with gzip.open(os.path.join(SMD_DIR, "train", f"{machine}.txt.gz"), "rt") as f:
        return np.loadtxt(f, delimiter=",", dtype=np.float64)


def normalisation(x):
    mean = x.mean(axis=0)
    if NORMALISATION == "minmax":
        return mean, np.ones(DIMS)
    return mean, np.maximum(x.std(axis=0), STD_FLOOR)


def split(x, mean, std, length):
    z = ((x - mean) / std).astype(np.float32)
    cut = int(len(z) * (1 - VAL_SHARE))
    return lt.windows(z[:cut], length), lt.windows(z[cut:], length)


def fit(c, x):
    lt.seed_everything(SEED)
    elapsed = lt.timer()
    mean, std = normalisation(x)
    xtr, xva = split(x, mean, std, c["length"])
    model, history = lt.train(build(c), xtr, xva, epochs=EPOCHS, batch=128, seed=SEED)
    fe = lt.feature_errors(model, xva)
    if NORMALISATION == "resnorm":
        r = np.maximum(np.sqrt(fe.mean(axis=0)), RES_FLOOR)
        model, std = ResidualScaled(model, r).eval(), std * r
        xva = (xva / r).astype(np.float32)
        fe = lt.feature_errors(model, xva)
    err = fe.mean(axis=1)
    feature_mse = fe.mean(axis=0)
    return {
        "model": model, "mean": mean, "std": std, "threshold": float(np.quantile(err, QUANTILE)),
        "heldOutMse": float(err.mean()), "featureHeldOutMse": feature_mse,
        # attribution scale (attribution-variants.md): each dimension's mean held-out error, floored at the
        # median over dimensions so a dimension that was near-constant in train is not inflated without bound
        "featureScale": np.maximum(feature_mse, np.median(feature_mse)), "trainWindows": len(xtr),
        "valWindows": len(xva), "epochsRun": len(history), "bestEpoch": int(np.argmin(history)) + 1,
        "seconds": elapsed(),
    }


def reference(model, mean, std, length, threshold):
    """Synthetic readings (not SMD values): the train mean with small seeded noise, then a step on
    d1..d3 over the last 12 rows; the parity check replays them through ModelScorer."""
    rng = np.random.default_rng(SEED)
    raw = mean + 0.3 * std * rng.standard_normal((length + 24, DIMS))
    raw[-12:, :3] += 4 * std[:3]
    ref = lt.reference(model, raw, mean, std, length, threshold)
    for key in ("windows", "reconstructions"):  # reproducible from rawReadings; keeps the file small
        del ref[key]
    return {"note": "Synthetic readings (feature order of the card, card normalisation); errors[i] is the window "
                    "ending at rawReadings[i + W - 1].", **ref}


def card_for(machine, c, r, sha, size, onnx_file):
    length = c["length"]
    norm = ({"mode": "card", "description": "z-score with the card's mean and population std of this machine's SMD "
                                           f"train half (the series are min-max scaled to [0, 1]); std floored at {STD_FLOOR}"}
            if NORMALISATION == "zscore" else
            {"mode": "card", "description": "centred with the train half's mean, unit scale (SMD's min-max units)"})
    return {
        "schemaVersion": 1,
        "name": f"smd-ae-{machine}",
        "version": "1.0.0",
        "description": f"Autoencoder over a sliding window of the 38 server metrics of SMD {machine} (OmniAnomaly's "
                       "Server Machine Dataset), trained on that machine's train half; its per-dimension "
                       "reconstruction-error share explains anomalies.",
        "file": onnx_file,
        "sha256": sha,
        "sizeBytes": size,
        "opset": lt.OPSET,
        "framework": "PyTorch 1.13 (Debian python3-torch), exported with torch.onnx",
        "input": {"name": "window", "dtype": "float32", "shape": ["batch", length, DIMS]},
        "output": {"name": "reconstruction", "dtype": "float32", "shape": ["batch", length, DIMS]},
        "windowLength": length,
        "features": [{"name": f"d{j + 1}", "unit": "", "mean": float(r["mean"][j]), "std": float(r["std"][j])}
                     for j in range(DIMS)],
        "normalisation": norm,
        "architecture": {**r["model"].config, "windowLength": length, "parameters": lt.param_count(r["model"])},
        "scoring": {
            "error": "per-feature mean squared reconstruction error over the window; window error = mean over features",
            "threshold": r["threshold"],
            "scoreFunction": "score = 1 - 2^(-error / threshold): 0.5 at the threshold, isAnomaly = error > threshold",
            "calibration": {"method": "quantile", "quantile": QUANTILE,
                            "data": "held-out windows: the last 20 % of the machine's train half (never trained on)",
                            "windows": r["valWindows"]},
            "interpretation": "contributions = per-dimension share of the window reconstruction error (OmniAnomaly §4.4)"
            + (", each dimension's error divided by attribution.featureScale" if ATTRIBUTION == "scaled" else ""),
            **({"attribution": {
                "kind": "window-mean",
                "featureScale": [float(v) for v in r["featureScale"]],
                "description": "e_f / s_f with s_f = mean held-out (last 20 % of train) window error of dimension f, "
                               "floored at the median over dimensions (models/smd-ae/attribution-variants.md)",
            }} if ATTRIBUTION == "scaled" else {}),
        },
        "training": {
            "data": f"SMD (NetManAIOps/OmniAnomaly 7fb0e0a) ServerMachineDataset/train/{machine}.txt, "
                    f"{r['trainWindows'] + r['valWindows'] + 2 * (length - 1)} rows of 38 min-max-scaled dimensions",
            "protocol": "SMD: the model sees only this machine's train half; test half and labels never read in training",
            "split": "first 80 % of the train half trains, last 20 % held out (early stopping, threshold)",
            "optimizer": f"Adam lr 1e-3, batch 128, {EPOCHS} epochs (best held-out MSE kept: epoch {r['bestEpoch']}), "
                         "windows with stride 1",
            "seed": SEED,
            "heldOutMse": round(r["heldOutMse"], 6),
            "architectureChoice": f"lowest held-out MSE on {SELECT_MACHINE}'s train split (architecture-comparison.json)",
            "command": "/usr/bin/python3 models/smd-ae/train.py",
            "licence": "SMD is MIT (see models/README.md)",
        },
        "evaluation": {"protocol": "HitRate@100 % / @150 % of contributions against interpretation_label "
                                   "(npm run eval:smd), through ModelScorer", "result": "see models/README.md"},
    }


def main():
    only = os.environ.get("ONLY")
    os.makedirs(OUT, exist_ok=True)
    ms = [m for m in machines() if not os.environ.get("MACHINES") or m in os.environ["MACHINES"].split(",")]
    suffix = "" if NORMALISATION == "zscore" else f"-{NORMALISATION}"
    if only:
        chosen = next(c for c in CANDIDATES if c["id"] == only)
    else:
        x = read_train(SELECT_MACHINE)
        rows = []
        for c in CANDIDATES:
            r = fit(c, x)
            row = {"id": c["id"], "params": lt.param_count(r["model"]), "heldOutMse": round(r["heldOutMse"], 6),
                   "bestEpoch": r["bestEpoch"], "trainSeconds": r["seconds"]}
            print(json.dumps(row), flush=True)
            rows.append(row)
        best = min(rows, key=lambda r: (r["heldOutMse"], r["params"]))
        chosen = next(c for c in CANDIDATES if c["id"] == best["id"])
        lt.write_json(os.path.join(OUT, f"architecture-comparison{suffix}.json"), {
            "selection": f"lowest held-out reconstruction MSE (last 20 % of {SELECT_MACHINE}'s train half), then "
                         "fewer parameters; label-free, test half never read",
            "normalisation": NORMALISATION, "stdFloor": STD_FLOOR, "seed": SEED, "epochs": EPOCHS,
            "chosen": chosen["id"], "candidates": rows})
    print("chosen", chosen["id"], flush=True)
    summary = []
    for m in ms:
        r = fit(chosen, read_train(m))
        name = f"smd-ae-{m}{suffix}"
        onnx_file = f"{name}.onnx"
        sha, size = lt.export(r["model"], chosen["length"], DIMS, os.path.join(OUT, onnx_file))
        card = card_for(m, chosen, r, sha, size, onnx_file)
        card["name"] = name
        lt.write_card(os.path.join(OUT, f"{name}.card.json"), card)
        lt.write_json(os.path.join(OUT, f"{name}.reference.json"),
                      reference(r["model"], r["mean"], r["std"], chosen["length"], r["threshold"]))
        row = {"machine": m, "heldOutMse": round(r["heldOutMse"], 6), "threshold": round(r["threshold"], 6),
               "bestEpoch": r["bestEpoch"], "bytes": size, "seconds": r["seconds"]}
        print(json.dumps(row), flush=True)
        summary.append(row)
    lt.write_json(os.path.join(OUT, f"training-summary{suffix}.json"), {"candidate": chosen["id"], "machines": summary})


if __name__ == "__main__":
    main()
