"""SKAB loading and its evaluation protocol (waico/SKAB README, core/utils.py preprocess_skab):
the first 400 rows of each experiment file are for fitting only; the rest is the test part;
F1 / FAR / MAR are computed point-wise from counts pooled over every test row of every file."""

import glob
import os

import numpy as np

FEATURES = [
    ("Accelerometer1RMS", "g"),
    ("Accelerometer2RMS", "g"),
    ("Current", "A"),
    ("Pressure", "bar"),
    ("Temperature", "°C"),
    ("Thermocouple", "°C"),
    ("Voltage", "V"),
    ("Volume Flow RateRMS", "L/min"),
]
FIT_ROWS = 400
DEFAULT_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "datasets", "SKAB")


def skab_root():
    return os.environ.get("SKAB_DIR", DEFAULT_ROOT)


def read_csv(path):
    """Returns (x [T, 8] float64, anomaly [T] int or None)."""
    with open(path) as f:
        header = f.readline().strip().split(";")
        rows = [line.strip().split(";") for line in f if line.strip()]
    cols = {name: i for i, name in enumerate(header)}
    x = np.array([[float(r[cols[name]]) for name, _ in FEATURES] for r in rows])
    y = np.array([int(float(r[cols["anomaly"]])) for r in rows]) if "anomaly" in cols else None
    return x, y


def experiment_files():
    root = os.path.join(skab_root(), "data")
    files = [p for p in glob.glob(os.path.join(root, "*", "*.csv")) if "anomaly-free" not in p]
    key = lambda p: (os.path.basename(os.path.dirname(p)), int(os.path.splitext(os.path.basename(p))[0]))
    return sorted(files, key=key)


def anomaly_free():
    return read_csv(os.path.join(skab_root(), "data", "anomaly-free", "anomaly-free.csv"))[0]


def scores(y_true, y_pred):
    """SKAB's outlier metrics from pooled counts: F1, FAR % (FP / negatives), MAR % (FN / positives)."""
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    tp = int((y_true & y_pred).sum())
    fp = int((~y_true & y_pred).sum())
    fn = int((y_true & ~y_pred).sum())
    tn = int((~y_true & ~y_pred).sum())
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"f1": round(f1, 4), "farPct": round(100 * fp / max(fp + tn, 1), 2), "marPct": round(100 * fn / max(fn + tp, 1), 2),
            "tp": tp, "fp": fp, "fn": fn, "tn": tn}
