#!/usr/bin/python3
"""The notebook peer of bench/customer-model.ts: what an analyst builds in an afternoon with
pandas + XGBoost from an operator's export in the data contract (Debian's python3-pandas and
python3-xgboost).

    customer_model_peer.py DATA_DIR PREDICTIONS_CSV [--no-x] [--horizon 3] [--nthread 2]

Reads the contract files of DATA_DIR, takes the last billed month T as the scoring month and
the churn within `horizon` months of a month as the label. Training rows are the closing bases
of the 6 months T-h-6 .. T-h-1 stacked, validation (early stopping) the closing base of T-h,
the latest month whose label is observed; the model scores the closing base of T. Features,
all as of the end of the snapshot month (nothing later is read):
- the customer: type, gender, age, tenure, province, city, acquisition channel, industry,
  employees, win-back flag, marketing consent and every x_ attribute (categorical);
- every numeric column of monthly_usage (x_ measures included): the mean of the last 3
  months, the mean of the 3 before, their ratio, the last month's value; months billed in the
  last 6; the share of the last 3 bills paid;
- interactions: the count of each kind in the last 3 and the last 6 months, unresolved
  contacts in the last 3 months and their share, mean satisfaction over 6 months, months since
  the last contact;
- subscriptions active at the month's end: count per category, the sum of list fees, months to
  the nearest commitment end, subscriptions ended in the last 3 months.
XGBoost: binary:logistic, tree_method hist, native categoricals, depth 6, eta 0.05, subsample
and colsample 0.8, up to 2000 rounds with early stopping after 50 on the validation log-loss.
`--no-x` leaves every x_ column out (the information Tenure's model reads without them).

Prints one JSON object: rows, AUC on the validation snapshot, trees, seconds per phase, peak RSS.
"""
import argparse
import json
import resource
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb

START = time.perf_counter()


def month_index(text):
    """'YYYY-MM' (or a date) -> year * 12 + month - 1, as integers."""
    s = text.astype(str).str.slice(0, 7)
    return s.str.slice(0, 4).astype(int) * 12 + s.str.slice(5, 7).astype(int) - 1


def read(data, name, required=True):
    path = f'{data}/{name}.csv'
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[''])
    except FileNotFoundError:
        if required:
            raise
        return None


def load(data, use_x):
    cust = read(data, 'customers')
    usage = read(data, 'monthly_usage')
    subs = read(data, 'subscriptions', False)
    inter = read(data, 'interactions', False)
    churn = read(data, 'churn_events')
    if not use_x:
        cust = cust[[c for c in cust.columns if not c.startswith('x_')]]
        usage = usage[[c for c in usage.columns if not c.startswith('x_')]]

    cust['join_m'] = month_index(cust['join_date'])
    cust['join_dt'] = pd.to_datetime(cust['join_date'])
    cust['birth_dt'] = pd.to_datetime(cust['birth_date']) if 'birth_date' in cust else pd.NaT
    churn['churn_dt'] = pd.to_datetime(churn['churn_date'])
    cust = cust.merge(churn[['customer_id', 'churn_dt']], on='customer_id', how='left')

    usage['m'] = month_index(usage['month'])
    measures = [c for c in usage.columns if c not in ('customer_id', 'month', 'm')]
    for c in measures:
        usage[c] = pd.to_numeric(usage[c], errors='coerce')

    if inter is not None:
        inter['ts'] = pd.to_datetime(inter['ts'].str.slice(0, 10), format='%Y-%m-%d')  # the day is all the windows need
        inter['unresolved'] = (inter['resolved'] == 'false').astype(np.int8)
        inter['satisfaction'] = pd.to_numeric(inter['satisfaction'], errors='coerce')
    if subs is not None:
        subs['start_dt'] = pd.to_datetime(subs['start_date'])
        subs['end_dt'] = pd.to_datetime(subs['end_date'])
        subs['contract_dt'] = pd.to_datetime(subs['contract_end_date'])
        subs['fee'] = pd.to_numeric(subs['monthly_fee'], errors='coerce')
    return cust, usage, measures, subs, inter


def month_start(m):
    return pd.Timestamp(year=m // 12, month=m % 12 + 1, day=1)


def snapshot(a, cust, usage, measures, subs, inter, horizon, categorical):
    """Features and label of the closing base of month index a."""
    end = month_start(a + 1)
    label_end = month_start(a + 1 + horizon)
    base = cust[(cust['join_dt'] < end) & ~(cust['churn_dt'] < end)]
    f = pd.DataFrame({'customer_id': base['customer_id'].values})
    f['churned'] = ((base['churn_dt'] >= end) & (base['churn_dt'] < label_end)).astype(int).values
    f['tenure_months'] = (a - base['join_m']).values
    if 'birth_dt' in base:
        f['age'] = ((end - base['birth_dt']).dt.days / 365.25).values
    for c in categorical:
        f[c] = base[c].values
    if 'employees' in base:
        f['employees'] = pd.to_numeric(base['employees'], errors='coerce').values
    if 'winback_of' in base:
        f['winback'] = base['winback_of'].notna().astype(int).values
    f = f.set_index('customer_id')

    u = usage[(usage['m'] <= a) & (usage['m'] > a - 6)]
    u = u[u['customer_id'].isin(f.index)]
    last3 = u[u['m'] > a - 3].groupby('customer_id')[measures].mean().add_suffix('_3m')
    prev3 = u[u['m'] <= a - 3].groupby('customer_id')[measures].mean().add_suffix('_prev3m')
    lastm = u[u['m'] == a].set_index('customer_id')[measures].add_suffix('_last')
    f = f.join(last3).join(prev3).join(lastm)
    for c in measures:
        f[f'{c}_ratio'] = f[f'{c}_3m'] / f[f'{c}_prev3m'].replace(0, np.nan)
    f['months_billed_6m'] = u.groupby('customer_id').size()
    if 'paid' in measures:
        r3 = u[u['m'] > a - 3].groupby('customer_id')[['paid', 'revenue']].sum()
        f['paid_share_3m'] = r3['paid'] / r3['revenue'].replace(0, np.nan)
    f = f.drop(columns=[f'{c}_prev3m' for c in measures])

    if inter is not None:
        x = inter[(inter['ts'] < end) & inter['customer_id'].isin(f.index)]
        x6 = x[x['ts'] >= month_start(a - 5)]
        x3 = x6[x6['ts'] >= month_start(a - 2)]
        f = f.join(pd.crosstab(x3['customer_id'], x3['kind']).add_prefix('n3m_'))
        f = f.join(pd.crosstab(x6['customer_id'], x6['kind']).add_prefix('n6m_'))
        g3 = x3.groupby('customer_id')
        f['unresolved_3m'] = g3['unresolved'].sum()
        f['unresolved_share_3m'] = g3['unresolved'].mean()
        f['satisfaction_6m'] = x6.groupby('customer_id')['satisfaction'].mean()
        f['months_since_contact'] = (end - x.groupby('customer_id')['ts'].max()).dt.days / 30.4
        for c in f.columns:
            if c.startswith('n3m_') or c.startswith('n6m_') or c == 'unresolved_3m':
                f[c] = f[c].fillna(0)

    if subs is not None:
        s = subs[(subs['start_dt'] < end) & subs['customer_id'].isin(f.index)]
        active = s[~(s['end_dt'] < end)]
        f = f.join(pd.crosstab(active['customer_id'], active['category']).add_prefix('subs_'))
        f['list_fee'] = active.groupby('customer_id')['fee'].sum()
        ahead = active[active['contract_dt'] >= end]
        f['contract_months_left'] = (ahead.groupby('customer_id')['contract_dt'].min() - end).dt.days / 30.4
        ended = s[(s['end_dt'] < end) & (s['end_dt'] >= month_start(a - 2))]
        f['subs_ended_3m'] = ended.groupby('customer_id').size()
        for c in f.columns:
            if c.startswith('subs_'):
                f[c] = f[c].fillna(0)
    return f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('data')
    ap.add_argument('predictions')
    ap.add_argument('--no-x', action='store_true')
    ap.add_argument('--horizon', type=int, default=3)
    ap.add_argument('--nthread', type=int, default=2)
    args = ap.parse_args()
    h = args.horizon
    phases = {}

    t = time.perf_counter()
    cust, usage, measures, subs, inter = load(args.data, not args.no_x)
    cust['province'] = cust['region'].str.split('/').str[0]
    cust['city'] = cust['region'].str.split('/').str[:2].str.join('/')
    categorical = [c for c in ['customer_type', 'gender', 'province', 'city', 'acquisition_channel', 'industry', 'marketing_consent'] if c in cust]
    categorical += [c for c in cust.columns if c.startswith('x_')]
    phases['read_s'] = time.perf_counter() - t

    t = time.perf_counter()
    T = int(usage['m'].max())
    valid_m = T - h
    train_ms = [valid_m - k for k in range(6, 0, -1)]
    snap = lambda a: snapshot(a, cust, usage, measures, subs, inter, h, categorical)
    train = pd.concat([snap(a) for a in train_ms])
    valid = snap(valid_m)
    test = snap(T)
    columns = [c for c in train.columns if c != 'churned']
    for df in (train, valid, test):
        for c in columns:
            if c not in df:
                df[c] = np.nan
    cats = {c: pd.CategoricalDtype(sorted(train[c].dropna().unique())) for c in categorical}
    for df in (train, valid, test):
        for c in categorical:
            df[c] = df[c].astype(cats[c])
    phases['features_s'] = time.perf_counter() - t

    t = time.perf_counter()
    dtrain = xgb.DMatrix(train[columns], label=train['churned'], enable_categorical=True, nthread=args.nthread)
    dvalid = xgb.DMatrix(valid[columns], label=valid['churned'], enable_categorical=True, nthread=args.nthread)
    booster = xgb.train(
        {'objective': 'binary:logistic', 'tree_method': 'hist', 'max_depth': 6, 'eta': 0.05, 'subsample': 0.8,
         'colsample_bytree': 0.8, 'eval_metric': 'logloss', 'nthread': args.nthread, 'seed': 42, 'max_cat_to_onehot': 4},
        dtrain, num_boost_round=2000, evals=[(dvalid, 'valid')], early_stopping_rounds=50, verbose_eval=False)
    best = booster.best_iteration + 1
    phases['train_s'] = time.perf_counter() - t

    t = time.perf_counter()
    p = booster.predict(xgb.DMatrix(test[columns], enable_categorical=True, nthread=args.nthread), iteration_range=(0, best))
    pd.DataFrame({'customer_id': test.index, 'p': p}).to_csv(args.predictions, index=False)
    phases['predict_s'] = time.perf_counter() - t
    from sklearn.metrics import roc_auc_score
    pv = booster.predict(dvalid, iteration_range=(0, best))
    json.dump({
        'train_rows': len(train), 'valid_rows': len(valid), 'test_rows': len(test), 'features': len(columns), 'trees': best,
        'valid_auc': float(roc_auc_score(valid['churned'], pv)), 'phases': phases,
        'total_s': time.perf_counter() - START, 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        'versions': {'pandas': pd.__version__, 'xgboost': xgb.__version__},
    }, sys.stdout)


if __name__ == '__main__':
    main()
