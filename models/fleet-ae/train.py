#!/usr/bin/python3
"""Trains and exports fleet-ae: an autoencoder over a sliding window of lucid-simulate's
env-sensor metrics, trained on the simulator's normal (incident-free) data.

  npm run build && node models/fleet-ae/dump-simulator.js   # writes models/fleet-ae/data/*.csv
  /usr/bin/python3 models/fleet-ae/train.py

Devices are split: 20 of the 24 normal devices train, 4 are held out (early stopping and the
threshold: 99th percentile of their window errors). Evaluation on incidents.csv (another seed,
incidents on) is point-wise per reading (a reading is positive while an incident is active on
its device) and is recorded in the card; it is never used to choose anything.
"""

import csv
import os
import sys
from collections import defaultdict

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lucidtrain as lt  # noqa: E402

SEED = 11
QUANTILE = 0.99
LENGTH = 16
EPOCHS = 12
FEATURES = [("temperature", "°C"), ("humidity", "%"), ("vibration", "mm/s"), ("supplyVoltage", "V"),
            ("rssi", "dBm"), ("battery", "V")]
OUT = lt.here("fleet-ae")
DATA = os.environ.get("FLEET_DATA", os.path.join(OUT, "data"))
CANDIDATES = [
    {"id": "dense-w16", "kind": "dense", "hidden": (32, 8)},
    {"id": "conv-w16", "kind": "conv1d", "channels": (16, 8), "kernel": 5},
]


def read(path):
    """deviceId -> (x [T, F], incident [T] bool), in file (time) order."""
    rows = defaultdict(list)
    labels = defaultdict(list)
    with open(path) as f:
        for r in csv.DictReader(f):
            rows[r["deviceId"]].append([float(r[n]) for n, _ in FEATURES])
            labels[r["deviceId"]].append(bool(r["incident"]))
    return {d: (np.array(rows[d]), np.array(labels[d])) for d in rows}


def build(c):
    if c["kind"] == "dense":
        return lt.DenseAE(LENGTH, len(FEATURES), c["hidden"])
    return lt.ConvAE(LENGTH, len(FEATURES), c["channels"], c["kernel"])


def main():
    normal = read(os.path.join(DATA, "normal.csv"))
    incidents = read(os.path.join(DATA, "incidents.csv"))
    devices = sorted(normal)
    train_dev, val_dev = devices[:-4], devices[-4:]
    allx = np.concatenate([normal[d][0] for d in train_dev])
    mean, std = allx.mean(axis=0), allx.std(axis=0)
    std[std < 1e-6] = 1.0
    z = lambda x: ((x - mean) / std).astype(np.float32)
    xtr = np.concatenate([lt.windows(z(normal[d][0]), LENGTH, stride=2) for d in train_dev])
    xva = np.concatenate([lt.windows(z(normal[d][0]), LENGTH, stride=2) for d in val_dev])

    def evaluate(model, threshold):
        yt, yp = [], []
        for d, (x, y) in incidents.items():
            err = lt.feature_errors(model, lt.windows(z(x), LENGTH)).mean(axis=1)
            yt.append(y[LENGTH - 1:])
            yp.append(err > threshold)
        yt, yp = np.concatenate(yt), np.concatenate(yp)
        tp, fp, fn = int((yt & yp).sum()), int((~yt & yp).sum()), int((yt & ~yp).sum())
        return {"f1": round(2 * tp / max(2 * tp + fp + fn, 1), 4), "precision": round(tp / max(tp + fp, 1), 4),
                "recall": round(tp / max(tp + fn, 1), 4), "farPct": round(100 * fp / max(int((~yt).sum()), 1), 3)}

    results, trained = [], {}
    for c in CANDIDATES:
        lt.seed_everything(SEED)
        elapsed = lt.timer()
        model, _ = lt.train(build(c), xtr, xva, epochs=EPOCHS, batch=256, seed=SEED)
        val_err = lt.feature_errors(model, xva).mean(axis=1)
        threshold = float(np.quantile(val_err, QUANTILE))
        row = {"id": c["id"], "params": lt.param_count(model), "heldOutNormalMse": round(float(val_err.mean()), 5),
               "threshold": round(threshold, 5), "incidents": evaluate(model, threshold), "trainSeconds": elapsed()}
        print(row, flush=True)
        results.append(row)
        trained[c["id"]] = (model, threshold)

    # Chosen by held-out normal reconstruction error (label-free), then size.
    chosen = min(results, key=lambda r: (r["heldOutNormalMse"], r["params"]))
    model, threshold = trained[chosen["id"]]
    lt.write_json(os.path.join(OUT, "architecture-comparison.json"), {
        "selection": "lowest held-out normal MSE (held-out devices), label-free; incident F1 recorded, not used",
        "chosen": chosen["id"], "seed": SEED, "candidates": results})
    sha, size = lt.export(model, LENGTH, len(FEATURES), os.path.join(OUT, "fleet-ae.onnx"))
    dev = sorted(incidents)[0]
    x_ref, y_ref = incidents[dev]
    onset = int(np.argmax(y_ref))
    raw = x_ref[max(onset - LENGTH - 8, 0):onset + 24]
    lt.write_json(os.path.join(OUT, "reference.json"), {
        "note": "Raw readings of one simulated device around an incident onset (feature order of the card), "
                "normalised with the card's mean/std; windows[i] ends at rawReadings[i + W - 1].",
        **lt.reference(model, raw, mean, std, LENGTH, threshold)})
    lt.write_card(os.path.join(OUT, "fleet-ae.card.json"), {
        "schemaVersion": 1,
        "name": "fleet-ae",
        "version": "1.0.0",
        "description": "Autoencoder over a sliding window of lucid-simulate's env-sensor metrics (10 s sampling).",
        "file": "fleet-ae.onnx",
        "sha256": sha,
        "sizeBytes": size,
        "opset": lt.OPSET,
        "framework": "PyTorch 1.13 (Debian python3-torch), exported with torch.onnx",
        "input": {"name": "window", "dtype": "float32", "shape": ["batch", LENGTH, len(FEATURES)]},
        "output": {"name": "reconstruction", "dtype": "float32", "shape": ["batch", LENGTH, len(FEATURES)]},
        "windowLength": LENGTH,
        "features": [{"name": n, "unit": u, "mean": float(m), "std": float(s)} for (n, u), m, s in zip(FEATURES, mean, std)],
        "normalisation": {"mode": "card", "description": "z-score with the card's mean/std (population std of the training devices)"},
        "architecture": {**model.config, "windowLength": LENGTH, "parameters": lt.param_count(model)},
        "scoring": {
            "error": "per-feature mean squared reconstruction error over the window; window error = mean over features",
            "threshold": threshold,
            "scoreFunction": "score = 1 - 2^(-error / threshold): 0.5 at the threshold, isAnomaly = error > threshold",
            "calibration": {"method": "quantile", "quantile": QUANTILE,
                            "data": "windows of 4 held-out simulated devices (incident-free, never trained on)",
                            "windows": int(len(xva))},
        },
        "training": {
            "data": "lucid-simulate FleetSimulator seed 1, incidents off, 24 env-sensor devices, 1 day at 10 s "
                    "(models/fleet-ae/dump-simulator.js); 20 devices train, 4 held out; windows with stride 2",
            "optimizer": f"Adam lr 1e-3, batch 256, {EPOCHS} epochs, best held-out MSE kept", "seed": SEED,
            "command": "npm run build && node models/fleet-ae/dump-simulator.js && /usr/bin/python3 models/fleet-ae/train.py",
        },
        "evaluation": {"data": "FleetSimulator seed 2, incidents on, 12 devices, 1 day at 10 s; point-wise per reading, "
                               "positive while an incident is active on the device (connectivity drops emit no readings)",
                       "result": chosen["incidents"], "comparison": "architecture-comparison.json"},
    })
    print("chosen", chosen["id"], sha, size)


if __name__ == "__main__":
    main()
