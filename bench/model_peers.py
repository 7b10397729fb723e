#!/usr/bin/python3
"""Peers for bench/model.ts: XGBoost (tree_method='hist') and scikit-learn
HistGradientBoostingClassifier, from Debian's python3-xgboost / python3-sklearn.

Reads one job (JSON) from argv[1], prints one JSON result on stdout. The TS side decides the
column types (its own inference) and the validation rows, so every learner sees the same
features and the same early-stopping split; the TS side also computes every metric from
the probabilities returned here, so the metric code is shared.

Encoding, documented: numeric columns as float with NaN for missing; Yes/No flags as 0/1;
categorical columns keep categories seen >= 10 times in train (at most 253, most frequent
first), the rest pooled into "other" -- the same rule as Tenure's binning. XGBoost gets them
one-hot (its native categorical support in 1.7 needs pandas, which Debian does not ship
here); HistGradientBoosting gets them as native categoricals (ordinal codes + mask).
"""
import csv
import json
import resource
import sys
import time

import numpy as np

MISSING = {'', 'na', 'n/a', 'nan', 'null', 'none', '?', '#n/a'}


def read_csv(path):
    with open(path, newline='', encoding='utf-8-sig') as f:
        rows = list(csv.reader(f))
    header = rows[0]
    cols = {name: [r[i] for r in rows[1:]] for i, name in enumerate(header)}
    return cols, len(rows) - 1


def is_missing(v):
    return v.strip().lower() in MISSING


def num(v):
    t = v.strip()
    if t == '' or is_missing(t):
        return np.nan
    try:
        x = float(t)
        return x if np.isfinite(x) else np.nan
    except ValueError:
        return np.nan


def encode(job, cols, n, categories=None):
    """Returns (dense matrix for XGBoost, matrix + categorical mask for HGB, categories)."""
    learn = categories is None
    categories = categories or {}
    xgb_parts, hgb_parts, hgb_cat = [], [], []
    for c in job['columns']:
        raw = cols[c['name']]
        if c['type'] == 'numeric':
            v = np.array([num(x) for x in raw], dtype=np.float64)
            xgb_parts.append(v[:, None]); hgb_parts.append(v[:, None]); hgb_cat.append(False)
        elif c['type'] == 'binary':
            v = np.array([1.0 if x.strip() == c['positive'] else 0.0 if x.strip() == c['negative'] else np.nan for x in raw])
            xgb_parts.append(v[:, None]); hgb_parts.append(v[:, None]); hgb_cat.append(False)
        else:
            vals = [None if is_missing(x) else x.strip() for x in raw]
            if learn:
                counts = {}
                for v in vals:
                    if v is not None:
                        counts[v] = counts.get(v, 0) + 1
                kept = sorted([k for k, m in counts.items() if m >= 10], key=lambda k: (-counts[k], k))[:253]
                categories[c['name']] = kept
            kept = categories[c['name']]
            index = {k: i for i, k in enumerate(kept)}
            other = len(kept)
            codes = np.array([np.nan if v is None else index.get(v, other) for v in vals], dtype=np.float64)
            onehot = np.zeros((n, other + 1))
            ok = ~np.isnan(codes)
            onehot[np.nonzero(ok)[0], codes[ok].astype(int)] = 1.0
            xgb_parts.append(onehot)
            hgb_parts.append(codes[:, None]); hgb_cat.append(True)
    return np.hstack(xgb_parts), np.hstack(hgb_parts), np.array(hgb_cat), categories


def labels(job, cols):
    return np.array([1 if x.strip() == job['positive'] else 0 for x in cols[job['label']]], dtype=np.int32)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_dataset(job):
    import xgboost as xgb
    from sklearn.ensemble import HistGradientBoostingClassifier
    p = job['params']
    tr, n_tr = read_csv(job['train_csv'])
    te, n_te = read_csv(job['test_csv'])
    Xx, Xh, cat_mask, cats = encode(job, tr, n_tr)
    Tx, Th, _, _ = encode(job, te, n_te, cats)
    y = labels(job, tr)
    valid = np.zeros(n_tr, dtype=bool)
    valid[job['valid_rows']] = True
    out = {}

    t = time.perf_counter()
    dtr = xgb.DMatrix(Xx[~valid], label=y[~valid], nthread=job['nthread'])
    dva = xgb.DMatrix(Xx[valid], label=y[valid], nthread=job['nthread'])
    booster = xgb.train(
        {'objective': 'binary:logistic', 'tree_method': 'hist', 'max_depth': p['max_depth'], 'eta': p['learning_rate'],
         'subsample': p['subsample'], 'colsample_bytree': p['colsample'], 'lambda': p['lambda'],
         'min_child_weight': p['min_child_weight'], 'max_bin': 256, 'eval_metric': 'logloss', 'nthread': job['nthread'],
         'seed': 42},
        dtr, num_boost_round=p['max_rounds'], evals=[(dva, 'valid')], early_stopping_rounds=p['early_stopping_rounds'],
        verbose_eval=False)
    fit = time.perf_counter() - t
    best = booster.best_iteration + 1
    prob = booster.predict(xgb.DMatrix(Tx, nthread=job['nthread']), iteration_range=(0, best))
    out['xgboost'] = {'fit_s': fit, 'trees': best, 'probability': prob.tolist()}

    t = time.perf_counter()
    hgb = HistGradientBoostingClassifier(
        learning_rate=p['learning_rate'], max_iter=p['max_rounds'], max_depth=p['max_depth'], max_leaf_nodes=None,
        l2_regularization=p['lambda'], categorical_features=cat_mask, early_stopping=True, validation_fraction=0.2,
        n_iter_no_change=p['early_stopping_rounds'], scoring='loss', random_state=42)
    hgb.fit(Xh, y)
    fit = time.perf_counter() - t
    out['sklearn_hgb'] = {'fit_s': fit, 'trees': int(hgb.n_iter_), 'probability': hgb.predict_proba(Th)[:, 1].tolist()}
    return out


def run_fixed(job):
    """Fixed rounds and depth, no early stopping: fit time only (all of train.csv)."""
    import xgboost as xgb
    if 'x_path' in job:
        X, y = load_synthetic(job)
    else:
        tr, n_tr = read_csv(job['train_csv'])
        X, _, _, _ = encode(job, tr, n_tr)
        y = labels(job, tr)
    t = time.perf_counter()
    d = xgb.DMatrix(X, label=y, nthread=job['nthread'])
    xgb.train({'objective': 'binary:logistic', 'tree_method': 'hist', 'max_depth': job['max_depth'], 'eta': job['learning_rate'],
               'lambda': 1, 'min_child_weight': 1, 'max_bin': 256, 'nthread': job['nthread'], 'seed': 42},
              d, num_boost_round=job['rounds'])
    return {'fit_s': time.perf_counter() - t, 'peak_rss_mb': peak_rss_mb()}


def run_fixed_hgb(job):
    from sklearn.ensemble import HistGradientBoostingClassifier
    X, y = load_synthetic(job)
    t = time.perf_counter()
    HistGradientBoostingClassifier(learning_rate=job['learning_rate'], max_iter=job['rounds'], max_depth=job['max_depth'],
                                   max_leaf_nodes=None, l2_regularization=1.0, early_stopping=False, random_state=42).fit(X, y)
    return {'fit_s': time.perf_counter() - t, 'peak_rss_mb': peak_rss_mb()}


def load_synthetic(job):
    n, f = job['rows'], job['cols']
    X = np.fromfile(job['x_path'], dtype='<f8').reshape(f, n).T.copy()
    y = np.fromfile(job['y_path'], dtype=np.uint8).astype(np.int32)
    return X, y


if __name__ == '__main__':
    with open(sys.argv[1]) as f:
        job = json.load(f)
    result = {'dataset': run_dataset, 'fixed': run_fixed, 'fixed_hgb': run_fixed_hgb}[job['kind']](job)
    json.dump(result, sys.stdout)
