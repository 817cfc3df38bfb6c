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
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lucidtrain as lt  # noqa: E402
import scoring_grid as sg  # noqa: E402
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
# v1 compared dense W16 / conv W32 / conv W60 with channels (32, 16) and chose conv W60
# (architecture-comparison-v1.json). v2 keeps the window of 60 and narrows the bottleneck: with
# 16 latent channels the model reconstructs a closing valve's level shift as well as normal data.
CANDIDATES = [
    {"id": "conv-w60-c32-16", "kind": "conv1d", "length": 60, "channels": (32, 16), "kernel": 7},
    {"id": "conv-w60-c32-4", "kind": "conv1d", "length": 60, "channels": (32, 4), "kernel": 7},
    {"id": "conv-w60-c16-2", "kind": "conv1d", "length": 60, "channels": (16, 2), "kernel": 7},
    {"id": "conv-w60-c16-1", "kind": "conv1d", "length": 60, "channels": (16, 1), "kernel": 7},
    {"id": "conv-w60-c8-2", "kind": "conv1d", "length": 60, "channels": (8, 2), "kernel": 7},
]
MAX_VALIDATION_FAR = 14.0  # the target's FAR bound, applied to valve1 (validation) only


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


def residual_files(model, experiments, card_std, length):
    """[(group, squared residuals [n, W, F], labels)] of every experiment file, each normalised by
    its own baseline, for the scoring-rule grid."""
    out = []
    for path, x, y in experiments:
        m, sd = baseline(x, card_std)
        w = lt.windows(((x - m) / sd).astype(np.float32), length)
        with torch.no_grad():
            rec = model(torch.from_numpy(w)).numpy()
        out.append((os.path.basename(os.path.dirname(path)), (w - rec) ** 2, y))
    return out


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

    only = os.environ.get("ONLY")  # e.g. ONLY=conv-w60-c16-1 re-exports one candidate, keeps the comparison file
    results, models = [], {}
    for c in [c for c in CANDIDATES if not only or c["id"] == only]:
        lt.seed_everything(SEED)
        elapsed = lt.timer()
        xtr, xva = split_windows(segments, c["length"])
        model, history = lt.train(build(c, feats), xtr, xva, epochs=EPOCHS, seed=SEED)
        val_err = lt.feature_errors(model, xva).mean(axis=1)
        # Card threshold (used when a device has no baseline yet, or with deviceCalibration off):
        # 99th percentile of the window error on every normal segment's held-out tail.
        threshold = float(np.quantile(val_err, QUANTILE))
        card_ev = evaluate(model, experiments, std, c["length"], threshold, ["valve1", "other", "all"])
        # Per-device scoring rules (scoring_grid.py), chosen on valve1 (validation) only: the highest
        # valve1 F1 with valve1 FAR <= 14 %; ties: lower valve1 FAR.
        files = residual_files(model, experiments, std, c["length"])
        best = None
        for rule in sg.rules():
            v = sg.evaluate(files, c["length"], rule, ["valve1"])
            if v["farPct"] <= MAX_VALIDATION_FAR and (
                    best is None or (v["f1"], -v["farPct"]) > (best[1]["f1"], -best[1]["farPct"])):
                best = (rule, v)
        rule, v1 = best
        row = {"id": c["id"], "params": lt.param_count(model), "trainWindows": len(xtr), "valWindows": len(xva),
               "heldOutNormalMse": round(float(val_err.mean()), 5), "cardThreshold": round(threshold, 5),
               "cardThresholdScores": card_ev, "deviceRule": rule, "validationValve1": v1,
               "other": sg.evaluate(files, c["length"], rule, ["other"]),
               "all": sg.evaluate(files, c["length"], rule, ["valve1", "other"]), "trainSeconds": elapsed()}
        print(json.dumps({k: row[k] for k in ("id", "params", "heldOutNormalMse", "deviceRule")}),
              "valve1", v1, "other", row["other"], "all", row["all"], flush=True)
        results.append(row)
        models[row["id"]] = (model, threshold, xva, c, rule)

    chosen = max(results, key=lambda r: (r["validationValve1"]["f1"], -r["validationValve1"]["farPct"]))
    if not only:
        lt.write_json(os.path.join(OUT, "architecture-comparison.json"), {
            "selection": "highest valve1 (validation) F1 with valve1 FAR <= 14 % over architecture x per-device "
                         "scoring rule (scoring_grid.py GRID); ties: lower valve1 FAR; other/ is never used to choose",
            "normalisation": "device baseline: mean/std of each segment's first 400 rows",
            "seed": SEED, "chosen": chosen["id"], "candidates": results,
            "measuredBefore": "architecture-comparison-v1.json (v1: card threshold, window-mean error; chose conv W60 "
                              "c32-16) and global-normalisation-comparison.json"})
    model, threshold, xcal, c, rule = models[chosen["id"]]
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
        "version": "2.0.0",
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
                            "data": "held-out normal windows: the last 20 % of every normal segment (anomaly-free "
                                    "chunks and the experiments' fitting rows; never trained on)",
                            "windows": int(len(xcal)),
                            "use": "devices without a complete baseline, or with deviceCalibration removed"},
            "deviceCalibration": {
                "quantile": rule["quantile"], "factor": rule["factor"],
                "ewmaHalfLifeReadings": rule["ewmaHalfLifeReadings"], "featureNormalised": rule["featureNormalised"],
                "recentSteps": rule["recentSteps"], "aggregate": rule["aggregate"],
                "scoredFeatures": sg.scored_features(rule["scoredFeatures"]),
                "alarm": {"onReadings": rule["alarm"][0], "offReadings": rule["alarm"][1]},
                "description": "Commissioning-time calibration, one rule for every device: the device's own first 400 "
                               "readings (its baseline; SKAB's fitting rows) are scored window by window and fix the "
                               "device's threshold (ModelScorer, DeviceCalibration in model-card.ts). The rule was chosen "
                               "with the architecture over scoring_grid.py's grid by the highest valve1 (validation) F1 "
                               "with valve1 FAR <= 14 %; other/ files never used to choose. scoredFeatures 'non-thermal' "
                               "leaves out the two temperature sensors, whose thermal lag keeps them off their baseline "
                               "for minutes after a fault ends; they still feed the model and the contributions."},
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
        "evaluation": {"protocol": "SKAB outlier task, point-wise, counts pooled over the test parts (rows >= 400), "
                                   "with the device calibration; the window ending at row t scores row t (causal)",
                       "valve1 (validation)": chosen["validationValve1"], "other": chosen["other"], "all": chosen["all"],
                       "cardThresholdOnly": chosen["cardThresholdScores"],
                       "comparison": "architecture-comparison.json"},
    }
    lt.write_card(os.path.join(OUT, "pump-ae.card.json"), card)
    print("chosen", chosen["id"], "sha256", sha, "bytes", size)


if __name__ == "__main__":
    main()
