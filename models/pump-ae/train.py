#!/usr/bin/python3
"""Trains, compares and exports pump-ae: an autoencoder over a sliding window of SKAB's eight
pump sensors, trained on normal data only (SKAB's anomaly-free.csv plus the first 400 rows of
each experiment file, the part SKAB's protocol reserves for fitting).

  /usr/bin/python3 models/pump-ae/train.py            # compare candidates, export the chosen one
  SKAB_DIR=/path/to/SKAB /usr/bin/python3 models/pump-ae/train.py

Architecture choice (recorded in architecture-comparison.json): every candidate is trained on
the same split and judged on (1) held-out normal reconstruction error and (2) F1 on the valve1
experiments' test parts, a *validation* set; the other/ experiments are never used to choose.
The threshold is the 99th percentile of the window error on held-out normal windows; which
held-out set (anomaly-free tails only, or every segment's tail) is chosen with the architecture.
Each segment (and, at run time, each device) is z-scored with its own first 400 rows.
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lucidtrain as lt  # noqa: E402
import skab  # noqa: E402

SEED = 7
EPOCHS = 25
QUANTILE = 0.99
VAL_SHARE = 0.2
OUT = lt.here("pump-ae")
FREE_CHUNK = 1175  # anomaly-free.csv is cut into chunks about as long as an experiment file
STD_FLOOR = 1e-3  # a device baseline's std is at least this share of the card's std
# Global-normalisation candidates were measured first (architecture-comparison.json,
# "measuredBefore"): F1 0.25-0.33 pooled, 0.0-0.02 on valve1. SKAB's operating point moves
# between experiments by about one global std, so each pump is normalised by its own baseline.
CANDIDATES = [
    {"id": "dense-w16", "kind": "dense", "length": 16, "hidden": (64, 16)},
    {"id": "conv-w32", "kind": "conv1d", "length": 32, "channels": (32, 16), "kernel": 7},
    {"id": "conv-w60", "kind": "conv1d", "length": 60, "channels": (32, 16), "kernel": 7},
]


def build(c, features):
    if c["kind"] == "dense":
        return lt.DenseAE(c["length"], features, c["hidden"])
    return lt.ConvAE(c["length"], features, c["channels"], c["kernel"])


def split_windows(segments, length):
    tr, va = [], []
    for s in segments:
        cut = int(len(s) * (1 - VAL_SHARE))
        tr.append(lt.windows(s[:cut], length))
        va.append(lt.windows(s[cut:], length))
    return np.concatenate(tr), np.concatenate(va)


def baseline(x, card_std):
    """A device's own normalisation: mean/std of its first 400 readings (SKAB's fitting rows)."""
    fit = x[: skab.FIT_ROWS]
    return fit.mean(axis=0), np.maximum(fit.std(axis=0), STD_FLOOR * card_std)


def evaluate(model, experiments, card_std, length, threshold, names):
    """SKAB protocol: window ending at row t scores row t; rows < 400 are fitting only."""
    pooled = {}
    for group in names:
        yt, yp = [], []
        for path, x, y in experiments:
            if group != "all" and f"/{group}/" not in path:
                continue
            m, sd = baseline(x, card_std)
            z = ((x - m) / sd).astype(np.float32)
            err = lt.feature_errors(model, lt.windows(z, length)).mean(axis=1)
            pred = np.zeros(len(x), bool)
            pred[length - 1:] = err > threshold
            yt.append(y[skab.FIT_ROWS:])
            yp.append(pred[skab.FIT_ROWS:])
        pooled[group] = skab.scores(np.concatenate(yt), np.concatenate(yp))
    return pooled


GLOBAL_RESULTS = json.load(open(os.path.join(OUT, "global-normalisation-comparison.json")))["candidates"]


def main():
    lt.seed_everything(SEED)
    free = skab.anomaly_free()
    experiments = [(p, *skab.read_csv(p)) for p in skab.experiment_files()]
    chunks = [free[i:i + FREE_CHUNK] for i in range(0, len(free) - skab.FIT_ROWS, FREE_CHUNK)]
    normal = chunks + [x[: skab.FIT_ROWS] for _, x, _ in experiments]
    allnormal = np.concatenate(normal)
    mean, std = allnormal.mean(axis=0), allnormal.std(axis=0)
    std[std < 1e-6] = 1.0
    segments = []
    for s in normal:
        m, sd = baseline(s, std)
        segments.append(((s - m) / sd).astype(np.float32))
    feats = len(skab.FEATURES)

    only = os.environ.get("ONLY")  # e.g. ONLY=conv-w60 re-exports one candidate, keeps the comparison file
    results, models = [], {}
    for c in [c for c in CANDIDATES if not only or c["id"] == only]:
        lt.seed_everything(SEED)
        elapsed = lt.timer()
        xtr, xva = split_windows(segments, c["length"])
        model, history = lt.train(build(c, feats), xtr, xva, epochs=EPOCHS, seed=SEED)
        val_err = lt.feature_errors(model, xva).mean(axis=1)
        # Two label-free calibrations: "free-tails" uses only the anomaly-free chunks' held-out
        # tails (rows after the 400 baseline rows, like every scored reading at run time);
        # "all-held-out" uses every segment's held-out tail (SKAB's Conv-AE calibrates on its
        # fitting rows the same way).
        _, xfree = split_windows(segments[: len(chunks)], c["length"])
        calibrations = {"free-tails": xfree, "all-held-out": xva}
        for cal, xcal in calibrations.items():
            cal_err = lt.feature_errors(model, xcal).mean(axis=1)
            threshold = float(np.quantile(cal_err, QUANTILE))
            ev = evaluate(model, experiments, std, c["length"], threshold, ["valve1", "other", "all"])
            row = {"id": f"{c['id']}/{cal}", "params": lt.param_count(model), "trainWindows": len(xtr),
                   "valWindows": len(xva), "calibrationWindows": len(xcal),
                   "heldOutNormalMse": round(float(val_err.mean()), 5), "threshold": round(threshold, 5),
                   "validationValve1": ev["valve1"], "other": ev["other"], "all": ev["all"], "trainSeconds": elapsed()}
            print(json.dumps({k: row[k] for k in ("id", "params", "heldOutNormalMse", "threshold")}),
                  "valve1", ev["valve1"]["f1"], "other", ev["other"]["f1"], "all", ev["all"], flush=True)
            results.append(row)
            models[row["id"]] = (model, threshold, xcal, c)

    chosen = max(results, key=lambda r: r["validationValve1"]["f1"])
    if not only:
        lt.write_json(os.path.join(OUT, "architecture-comparison.json"), {
            "selection": "highest F1 on the valve1 test parts (validation) over architecture x calibration; other/ is never used to choose",
        "thresholdRule": f"quantile {QUANTILE} of window error on held-out normal windows",
        "normalisation": "device baseline: mean/std of each segment's first 400 rows",
        "seed": SEED, "chosen": chosen["id"], "candidates": results,
        "measuredBefore": {"normalisation": "global (card mean/std for every device)", "epochs": 30,
                           "candidates": GLOBAL_RESULTS}})
    model, threshold, xcal, c = models[chosen["id"]]
    calibration = chosen["id"].split("/")[1]
    length = c["length"]
    onnx_path = os.path.join(OUT, "pump-ae.onnx")
    sha, size = lt.export(model, length, feats, onnx_path)

    # Reference input: synthetic readings (SKAB is GPL-3.0; its values are not copied into the
    # repository): 400 baseline rows around the training mean with small seeded noise, then 68
    # normal rows and 24 rows with a step on Pressure and Volume Flow RateRMS (a closing valve).
    rng = np.random.default_rng(SEED)
    t = np.arange(400 + 92)[:, None]
    synth = mean + std * (0.01 * np.sin(t / 9.0 + np.arange(feats)) + 0.005 * rng.standard_normal((len(t), feats)))
    synth[400 + 68:, 3] -= 0.05 * std[3]
    synth[400 + 68:, 7] -= 0.05 * std[7]
    ref_mean, ref_std = baseline(synth, std)
    lt.write_json(os.path.join(OUT, "reference.json"), {
        "note": "Synthetic readings of one device (feature order of the card): baselineRows give the device baseline "
                "(baselineMean/baselineStd), rawReadings follow; windows[i] ends at rawReadings[i + W - 1].",
        "baselineMean": ref_mean.tolist(), "baselineStd": ref_std.tolist(), "baselineRows": synth[:400].tolist(),
        **lt.reference(model, synth[400:], ref_mean, ref_std, length, threshold)})

    card = {
        "schemaVersion": 1,
        "name": "pump-ae",
        "version": "1.0.0",
        "description": "Autoencoder over a sliding window of a centrifugal water pump's eight sensors (SKAB testbed).",
        "file": "pump-ae.onnx",
        "sha256": sha,
        "sizeBytes": size,
        "opset": lt.OPSET,
        "framework": "PyTorch 1.13 (Debian python3-torch), exported with torch.onnx",
        "input": {"name": "window", "dtype": "float32", "shape": ["batch", length, feats]},
        "output": {"name": "reconstruction", "dtype": "float32", "shape": ["batch", length, feats]},
        "windowLength": length,
        "features": [{"name": n, "unit": u, "mean": float(m), "std": float(s)}
                     for (n, u), m, s in zip(skab.FEATURES, mean, std)],
        "normalisation": {"mode": "device-baseline", "baselineReadings": skab.FIT_ROWS, "stdFloorRatio": STD_FLOOR,
                          "description": "z-score with the mean and population std of the device's own first 400 "
                                         "readings (std at least stdFloorRatio x the card's std); the features' mean/std "
                                         "here are the training data's, used to impute missing features"},
        "architecture": {**model.config, "windowLength": length, "parameters": lt.param_count(model)},
        "scoring": {
            "error": "per-feature mean squared reconstruction error over the window; window error = mean over features",
            "threshold": threshold,
            "scoreFunction": "score = 1 - 2^(-error / threshold): 0.5 at the threshold, isAnomaly = error > threshold",
            "calibration": {"method": "quantile", "quantile": QUANTILE,
                            "data": {"free-tails": "held-out normal windows: the last 20 % of every anomaly-free chunk "
                                                   "(never trained on, after the 400 baseline rows)",
                                     "all-held-out": "held-out normal windows: the last 20 % of every normal segment "
                                                     "(anomaly-free chunks and the experiments' fitting rows; never trained on)"}[calibration],
                            "windows": int(len(xcal)), "choice": "calibration chosen with the architecture on valve1 (validation)"},
        },
        "training": {
            "data": "SKAB v0.9 (waico/SKAB b2c0d46): anomaly-free/anomaly-free.csv and the first 400 rows of each of the "
                    "30 experiment files (valve1/*, other/*); windows never span two files",
            "protocol": "SKAB: first 400 rows of each experiment file are for fitting only",
            "segments": f"anomaly-free.csv cut into chunks of {FREE_CHUNK} rows, plus the 30 fitting parts; each segment "
                        "normalised by its own first 400 rows",
            "split": "first 80 % of each normal segment for training, last 20 % held out (early stopping, threshold)",
            "optimizer": f"Adam lr 1e-3, batch 128, {EPOCHS} epochs, best held-out MSE kept", "seed": SEED,
            "command": "/usr/bin/python3 models/pump-ae/train.py",
            "licence": "Training data SKAB is GPL-3.0; see models/README.md",
        },
        "evaluation": {"protocol": "SKAB outlier task, point-wise, counts pooled over the test parts (rows >= 400)",
                       "valve1 (validation)": chosen["validationValve1"], "other": chosen["other"], "all": chosen["all"],
                       "comparison": "architecture-comparison.json"},
    }
    lt.write_card(os.path.join(OUT, "pump-ae.card.json"), card)
    print("chosen", chosen["id"], "sha256", sha, "bytes", size)


if __name__ == "__main__":
    main()
