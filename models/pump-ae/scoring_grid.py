"""The per-device scoring rules pump-ae v2 chooses between, computed exactly as ModelScorer
(node-red-nodes/src/lib/model/model-scorer.ts) applies a card's `scoring.deviceCalibration`:

  e_f   = mean over the window's newest `recentSteps` rows of (x - x_hat)^2
  b_f   = mean of e_f over the device's baseline windows (+1e-6)       (featureNormalised)
  v     = aggregate (mean | max) over scoredFeatures of e_f / b_f (or e_f)
  v_s   = EWMA of v (half-life in readings; 0 = none), started at the first baseline window
  thr   = factor x quantile (nearest rank) of v_s over the baseline windows
  alarm = on after onReadings consecutive v_s > thr, off after offReadings consecutive v_s <= thr

SKAB protocol: the first 400 rows of a file are its baseline (fitting only); rows >= 400 are
scored; the window ending at row t scores row t.
"""

import itertools

import numpy as np

import skab

THERMAL = ("Temperature", "Thermocouple")
FEATURE_NAMES = [n for n, _ in skab.FEATURES]

GRID = {
    "recentSteps": [60, 5],
    "aggregate": ["mean", "max"],
    "scoredFeatures": ["all", "non-thermal"],
    "featureNormalised": [False, True],
    "ewmaHalfLifeReadings": [0, 5],
    "quantile": [0.99, 1.0],
    "factor": [1, 1.5, 2, 3],
    "alarm": [(1, 1), (1, 30), (10, 1), (10, 30)],
}


def scored_features(kind):
    return FEATURE_NAMES if kind == "all" else [n for n in FEATURE_NAMES if n not in THERMAL]


def series(sq, rule, baseline_windows):
    """sq: [n_windows, W, F] squared residuals of one file -> smoothed calibrated values [n]."""
    e = sq[:, -rule["recentSteps"]:, :].mean(axis=1)
    if rule["featureNormalised"]:
        e = e / (e[:baseline_windows].mean(axis=0) + 1e-6)
    cols = [FEATURE_NAMES.index(n) for n in scored_features(rule["scoredFeatures"])]
    e = e[:, cols]
    v = e.max(axis=1) if rule["aggregate"] == "max" else e.mean(axis=1)
    hl = rule["ewmaHalfLifeReadings"]
    if hl > 0:
        a = 1 - 2 ** (-1 / hl)
        out, m = np.empty_like(v), v[0]
        for i, x in enumerate(v):
            m = m + a * (x - m)
            out[i] = m
        v = out
    return v


def threshold(values, rule):
    s = np.sort(values)
    q = s[min(len(s) - 1, int(np.floor(rule["quantile"] * (len(s) - 1))))]
    return max(rule["factor"] * q, 1e-12)


def alarm_flags(above, on_readings, off_readings):
    out = np.zeros(len(above), bool)
    on, run_above, run_below = False, 0, 0
    for i, a in enumerate(above):
        if a:
            run_above, run_below = run_above + 1, 0
            if run_above >= on_readings:
                on = True
        else:
            run_below, run_above = run_below + 1, 0
            if run_below >= off_readings:
                on = False
        out[i] = on
    return out


def predict(sq, length, rows, rule):
    """Point predictions [rows] of one file (False before the first full window)."""
    nb = skab.FIT_ROWS - length + 1
    v = series(sq, rule, nb)
    thr = threshold(v[:nb], rule)
    pred = np.zeros(rows, bool)
    # The alarm state runs from the first scored reading (row 400), as in ModelScorer.
    pred[skab.FIT_ROWS:] = alarm_flags(v[nb:] > thr, *rule["alarm"])
    return pred


def evaluate(files, length, rule, groups):
    """files: [(group, sq, y)]; pooled SKAB scores over rows >= 400 of the files in `groups`."""
    yt, yp = [], []
    for group, sq, y in files:
        if group not in groups:
            continue
        yp.append(predict(sq, length, len(y), rule)[skab.FIT_ROWS:])
        yt.append(y[skab.FIT_ROWS:])
    return skab.scores(np.concatenate(yt), np.concatenate(yp))


def rules():
    keys = list(GRID)
    for values in itertools.product(*GRID.values()):
        yield dict(zip(keys, values))
