#!/usr/bin/env python3
# Reference values for src/monitoring/fairness/*.spec.ts (run: /usr/bin/python3 scripts/fairness-reference.py; NumPy + scikit-learn). Fairlearn and AIF360 cannot be installed here,
# so their definitions are written out explicitly on scikit-learn confusion matrices.
import json, numpy as np
from sklearn.metrics import confusion_matrix, log_loss, mean_absolute_error, recall_score, accuracy_score

def per_group(y_true, y_pred, labeled, loss, groups, cls=1, K=2):
    out = {}
    for g in sorted(set(groups)):
        m = groups == g
        lab = m & labeled
        yt, yp = y_true[lab], y_pred[lab]
        cm = confusion_matrix(yt, yp, labels=list(range(K)))
        # one-vs-rest for class cls
        bt, bp = (yt == cls).astype(int), (yp == cls).astype(int)
        tn, fp, fn, tp = confusion_matrix(bt, bp, labels=[0, 1]).ravel()
        n_lab = int(lab.sum())
        pred_counts = np.bincount(y_pred[m], minlength=K)
        out[g] = dict(
            sums=dict(count=int(m.sum()), labeled=n_lab, lossSum=float(loss[lab].sum()), confusion=[int(x) for x in cm.ravel()], predicted=[int(x) for x in pred_counts]),
            G=dict(count=int(m.sum()), labeled=n_lab,
                   selectionRate=float(np.mean(y_pred[m] == cls)),   # fairlearn selection_rate over all predictions
                   tpr=None if tp + fn == 0 else float(tp / (tp + fn)),  # fairlearn true_positive_rate (null where no positives)
                   fpr=None if fp + tn == 0 else float(fp / (fp + tn)),  # fairlearn false_positive_rate
                   accuracy=None if n_lab == 0 else float(accuracy_score(bt, bp)),
                   meanLoss=None if n_lab == 0 else float(loss[lab].mean()),
                   positiveRate=None if n_lab == 0 else float(bt.mean())))
        if tp + fn > 0:
            assert abs(recall_score(bt, bp) - out[g]['G']['tpr']) < 1e-15
    return out

def disparities(G, min_samples, privileged=None):
    inc = {g: v for g, v in G.items() if v['labeled'] >= min_samples}
    sr = {g: v['selectionRate'] for g, v in inc.items()}
    tpr = {g: v['tpr'] for g, v in inc.items()}
    fpr = {g: v['fpr'] for g, v in inc.items()}
    ml = {g: v['meanLoss'] for g, v in inc.items()}
    F = {}
    # fairlearn demographic_parity_difference / ratio, method="between_groups"
    F['demographicParityDifference'] = max(sr.values()) - min(sr.values())
    F['demographicParityRatio'] = None if max(sr.values()) == 0 else min(sr.values()) / max(sr.values())
    if privileged is None:
        F['disparateImpact'] = F['demographicParityRatio']
        F['averageOddsDifference'] = None
    else:
        p = privileged
        unpriv = [g for g in sorted(inc) if g != p]
        # AIF360 disparate_impact = P(ŷ=+|unprivileged)/P(ŷ=+|privileged), one unprivileged group at a time, min over them
        F['disparateImpact'] = None if sr[p] == 0 else min(sr[u] / sr[p] for u in unpriv)
        # AIF360 average_odds_difference = ½[(FPR_u − FPR_p) + (TPR_u − TPR_p)], the u with the largest |value|
        if any(tpr[g] is None or fpr[g] is None for g in inc):
            F['averageOddsDifference'] = None
        else:
            vals = [0.5 * ((fpr[u] - fpr[p]) + (tpr[u] - tpr[p])) for u in unpriv]
            F['averageOddsDifference'] = max(vals, key=abs)
    if any(v is None for v in tpr.values()):
        F['equalOpportunityDifference'] = None
        F['equalizedOddsDifference'] = None
    else:
        # fairlearn equal_opportunity_difference; equalized_odds_difference(agg="worst_case")
        F['equalOpportunityDifference'] = max(tpr.values()) - min(tpr.values())
        F['equalizedOddsDifference'] = None if any(v is None for v in fpr.values()) else max(max(tpr.values()) - min(tpr.values()), max(fpr.values()) - min(fpr.values()))
    F['lossRatio'] = None if min(ml.values()) == 0 else max(ml.values()) / min(ml.values())
    return F

rng = np.random.default_rng(20261128)
def scenario(sizes, pos_rate, shift, label_share=0.8, K=2, cls=1):
    groups, yt, yp, loss, lab = [], [], [], [], []
    for g, n in sizes.items():
        if K == 2:
            y = (rng.random(n) < pos_rate[g]).astype(int)
            p1 = np.clip(0.5 * y + 0.25 + shift[g] + rng.normal(0, 0.2, n), 0.001, 0.999)
            probs = np.stack([1 - p1, p1], axis=1)
            pred = (p1 >= 0.5).astype(int)
        else:
            y = rng.integers(0, K, n)
            logits = rng.normal(0, 1, (n, K)); logits[np.arange(n), y] += 1.0 + shift[g]
            probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
            pred = probs.argmax(1)
        l = np.array([log_loss([y[i]], [probs[i]], labels=list(range(K))) for i in range(n)])
        groups += [g] * n; yt += list(y); yp += list(pred); loss += list(l); lab += list(rng.random(n) < label_share)
    return np.array(groups), np.array(yt), np.array(yp), np.array(lab), np.array(loss)

res = {}
g, yt, yp, lab, loss = scenario({'a': 60, 'b': 50, 'c': 45, 'd': 6}, {'a': .5, 'b': .4, 'c': .3, 'd': .5}, {'a': .1, 'b': 0, 'c': -.15, 'd': 0})
G = per_group(yt, yp, lab, loss, g)
res['three'] = dict(groups=G, F=dict(none=disparities({k: v['G'] for k, v in G.items()}, 10), priv=disparities({k: v['G'] for k, v in G.items()}, 10, 'a')))
# a group with no positive labels
g, yt, yp, lab, loss = scenario({'x': 40, 'y': 40}, {'x': .5, 'y': 0.0}, {'x': 0, 'y': 0})
G = per_group(yt, yp, lab, loss, g)
res['nopos'] = dict(groups=G, F=dict(priv=disparities({k: v['G'] for k, v in G.items()}, 10, 'x')))
# single group
g, yt, yp, lab, loss = scenario({'only': 30}, {'only': .5}, {'only': 0})
G = per_group(yt, yp, lab, loss, g)
res['single'] = dict(groups=G, F=dict(none=disparities({k: v['G'] for k, v in G.items()}, 10)))
# multiclass one-vs-rest for class 2
g, yt, yp, lab, loss = scenario({'p': 50, 'q': 50}, None, {'p': 0.5, 'q': -0.3}, K=3)
G = per_group(yt, yp, lab, loss, g, cls=2, K=3)
res['multi'] = dict(groups=G, F=dict(priv=disparities({k: v['G'] for k, v in G.items()}, 10, 'q')))
# regression
rows = {'r': (np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.0, 2.0, 5.0])), 's': (np.array([0.0, 1.0, 2.0]), np.array([0.5, 1.5, 1.0])), 't': (np.array([5.0]), np.array([5.0]))}
R = {}
for k, (y, yh) in rows.items():
    se = (y - yh) ** 2
    R[k] = dict(sums=dict(count=len(y) + 1, labeled=len(y), lossSum=float(se.sum()), absErrorSum=float(np.abs(y - yh).sum())),
                G=dict(count=len(y) + 1, labeled=len(y), meanLoss=float(se.mean()), mae=float(mean_absolute_error(y, yh))))
ml = [R['r']['G']['meanLoss'], R['s']['G']['meanLoss']]
res['regression'] = dict(groups=R, lossRatio_min2=max(ml) / min(ml))
print(json.dumps(res, indent=1))
