#!/usr/bin/env python3
# Reference values for src/monitoring/losses/*.spec.ts and src/monitoring/performance/*.spec.ts (run: /usr/bin/python3 scripts/losses-reference.py;
# NumPy + scikit-learn 1.2.1, Debian's python3-sklearn: log_loss's eps=1e-15 argument is gone from scikit-learn 1.5 on). scikit-learn has no focal loss,
# Huber metric, cost matrix or predictive entropy: those are the numpy formulas written in the specs' comments (METRICS §1–§2).
# Every literal is copied from its spec next to the call that recomputes it; each row prints (spec, case, literal, computed, tolerance) and
# MISMATCH where |literal − computed| is not below the spec's tolerance (toBeCloseTo(x, d) / expect.closeTo(x, d): < 10^-d / 2; toBe / toEqual: equal).
# "claim" rows are values that a spec's comment attributes to scikit-learn/numpy without asserting them; they are checked to 14 decimals.
# Exits 1 on any MISMATCH.
import sys, numpy as np, sklearn
from sklearn.metrics import (accuracy_score, brier_score_loss, confusion_matrix, f1_score, hinge_loss, log_loss, mean_absolute_error,
                             mean_pinball_loss, mean_squared_error, precision_recall_fscore_support, zero_one_loss)

EPS = 1e-15
ROWS = []  # (status, spec, case, literal, computed, tolerance)

def close(d): return ('close', d)
EXACT = ('exact', None)
CLAIM = ('claim', 14)

def check(spec, case, literal, computed, tol):
    kind, d = tol
    if isinstance(literal, (list, tuple)):
        computed = [float(x) for x in np.ravel(computed)]
        ok = len(computed) == len(literal) and all(a == b for a, b in zip(literal, computed)) if kind == 'exact' else \
            len(computed) == len(literal) and all(abs(a - b) < 10 ** -d / 2 for a, b in zip(literal, computed))
        same = ok and all(float(a) == b for a, b in zip(literal, computed))
    else:
        computed = float(computed)
        ok = literal == computed if kind == 'exact' else abs(literal - computed) < 10 ** -d / 2
        same = float(literal) == computed
    status = 'MISMATCH' if not ok else ('ok' if same else 'ok≈')  # ok≈: within tolerance, not bit-identical
    ROWS.append((status, spec, case, literal, computed, 'toBe' if kind == 'exact' else f'{kind} {d}'))

# --- the windows shared by the specs ----------------------------------------------------------------------------------------
PB = np.array([[0.1, 0.9], [0.35, 0.65], [0.8, 0.2], [0.6, 0.4], [0, 1], [1, 0], [0.5, 0.5], [0.3, 0.7]])
yB = np.array([1, 0, 1, 0, 1, 1, 0, 1])
yhatB = np.where(PB[:, 1] >= 0.5, 1, 0)
assert list(yhatB) == [1, 1, 0, 0, 1, 0, 1, 1]
dB = 2 * PB[:, 1] - 1
PU = np.array([[0.45, 0.55], [0.9, 0.1]])
PM = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.4, 0.4, 0.2], [0, 0, 1], [0.25, 0.5, 0.25], [1, 0, 0]])
yM = np.array([0, 1, 1, 1, 2, 0, 2])
yhatM = np.argmax(PM, axis=1)
assert list(yhatM) == [0, 1, 2, 0, 2, 1, 0]
y = np.array([3, -0.5, 2, 7, 1])      # regression labels
yh = np.array([2.5, 0, 2, 8, -2])     # regression predictions
e = lambda i, n=8: np.eye(n)[i]      # one-hot sample weight: the window's loss on row i alone

# --- per-request references ---------------------------------------------------------------------------------------------------
def ll(k, p):  # log_loss([k], [p], labels=range(K), eps=1e-15)
    return log_loss([k], [p], labels=list(range(len(p))), eps=EPS)
def focal(p, k, g, a):  # sklearn has none: -a_k (1 - p_k)^g ln clip(p_k)
    p = np.asarray(p, dtype=float)
    return -a * (1 - p[k]) ** g * np.log(np.clip(p[k], EPS, 1 - EPS))
def huber(r, d):  # sklearn has no Huber metric
    r = np.asarray(r, dtype=float)
    return np.where(np.abs(r) <= d, 0.5 * r ** 2, d * (np.abs(r) - 0.5 * d))
def brier(p, k):  # METRICS' Brier, summed over all classes
    p = np.asarray(p, dtype=float)
    return np.sum((p - np.eye(len(p))[k]) ** 2)
def hinge1(positive, s):  # hinge_loss on one row: a two-row window whose second row has sample weight 0
    return hinge_loss(np.array([1, 0]) if positive else np.array([0, 1]), np.array([s, 0.0]), sample_weight=[1, 0])
def pred_binary(p, pos, thr): return int(np.where(np.asarray(p)[pos] >= thr, pos, 1 - pos))
def entropy(p):
    p = np.asarray(p, dtype=float)
    return -np.sum(p * np.log(np.clip(p, EPS, 1 - EPS)))

# === losses/probability.spec.ts: np.clip(x, 1e-15, 1 - 1e-15), toBe ==========================================================
S = 'probability.spec.ts'
for x, lit in [(0, 1e-15), (-0.5, 1e-15), (1, 0.999999999999999), (1.5, 0.999999999999999), (0.3, 0.3), (1e-16, 1e-15)]:
    check(S, f'clip({x!r})', lit, np.clip(float(x), EPS, 1 - EPS), EXACT)

# === losses/predicted-class.spec.ts: np.where / np.argmax, toBe ===============================================================
S = 'predicted-class.spec.ts'
for p, pos, thr, lit in [([0.1, 0.9], 1, 0.5, 1), ([0.6, 0.4], 1, 0.5, 0), ([0.5, 0.5], 1, 0.5, 1), ([0.5, 0.5], 0, 0.5, 0),
                         ([0.35, 0.65], 1, 0.7, 0), ([0.35, 0.65], 0, 0.3, 0), ([0, 1], 1, 0.5, 1), ([1, 0], 1, 0.5, 0)]:
    check(S, f'binary {p} pos {pos} thr {thr}', lit, pred_binary(p, pos, thr), EXACT)
for p, lit in [([0.7, 0.2, 0.1], 0), ([0.1, 0.6, 0.3], 1), ([0.2, 0.2, 0.6], 2), ([0.4, 0.4, 0.2], 0), ([0.25, 0.5, 0.25], 1), ([0.3, 0.3, 0.3, 0.1], 0)]:
    check(S, f'multiclass {p}', lit, np.argmax(p), EXACT)

# === losses/log-loss.spec.ts ==================================================================================================
S = 'log-loss.spec.ts'
for p, k, lit in [([0.1, 0.9], 1, 0.10536051565782628), ([0.35, 0.65], 0, 1.0498221244986778), ([0.8, 0.2], 1, 1.6094379124341003),
                  ([0.6, 0.4], 0, 0.5108256237659907), ([0, 1], 1, 9.992007221626415e-16), ([1, 0], 1, 34.538776394910684),
                  ([0.5, 0.5], 0, 0.6931471805599453), ([0.3, 0.7], 1, 0.35667494393873245)]:
    check(S, f'binary {p} true {k}: log_loss', lit, ll(k, p), close(14))
for p, k, lit in [([0.7, 0.2, 0.1], 0, 0.3566749439387323), ([0.1, 0.6, 0.3], 1, 0.5108256237659907), ([0.2, 0.2, 0.6], 1, 1.6094379124341003),
                  ([0.4, 0.4, 0.2], 1, 0.916290731874155), ([0, 0, 1], 2, 2.1094237467877998e-15), ([0.25, 0.5, 0.25], 0, 1.3862943611198906),
                  ([1, 0, 0], 2, 34.538776394910684)]:
    check(S, f'multiclass {p} true {k}: log_loss', lit, ll(k, p), close(14))
check(S, 'comment: METRICS −ln(1 − 1e-15) for [0, 0, 1]', 9.992007221626415e-16, -np.log(np.clip(1.0, EPS, 1 - EPS)), CLAIM)
check(S, 'window mean: log_loss(yM, PM, eps=1e-15)', 5.616899995434793, log_loss(yM, PM, eps=EPS), close(12))

# === losses/focal.spec.ts: numpy focal(p, k, g, a_k); positive class 1, α to the positive class and 1 − α to the other ========
S = 'focal.spec.ts'
for p, k, g, a, lit in [([0.1, 0.9], 1, 2, None, 0.0010536051565782623), ([0.35, 0.65], 0, 2, None, 0.44354984760069144),
                        ([0.8, 0.2], 1, 2, None, 1.0300402639578243), ([0.6, 0.4], 0, 2, None, 0.08173209980255854), ([0, 1], 1, 2, None, 0),
                        ([1, 0], 1, 2, None, 34.538776394910684), ([0.5, 0.5], 0, 2, None, 0.17328679513998632), ([0.3, 0.7], 1, 2, None, 0.03210074495448593),
                        ([0.1, 0.9], 1, 0, None, 0.10536051565782628), ([0.35, 0.65], 0, 0, None, 1.0498221244986778), ([0, 1], 1, 0, None, 9.992007221626415e-16),
                        ([0.1, 0.9], 1, 1.5, None, 0.003331792049285647), ([0.8, 0.2], 1, 1.5, None, 1.1516200248857609),
                        ([0.1, 0.9], 1, 2, 0.25, 0.00026340128914456557), ([0.35, 0.65], 0, 2, 0.25, 0.33266238570051854),
                        ([0.8, 0.2], 1, 2, 0.25, 0.2575100659894561), ([0.6, 0.4], 0, 2, 0.25, 0.0612990748519189), ([1, 0], 1, 2, 0.25, 8.634694098727671),
                        ([0.5, 0.5], 0, 2, 0.25, 0.12996509635498973)]:
    a_k = 1 if a is None else (a if k == 1 else 1 - a)
    if g == 0 and p != [0, 1]:  # the spec attributes these two rows to log_loss([k], [p], labels=[0, 1], eps=1e-15)
        check(S, f'binary {p} true {k} γ 0: log_loss', lit, ll(k, p), close(14))
    else:
        check(S, f'binary {p} true {k} γ {g} α {a}: focal(p, {k}, {g}, {a_k})', lit, focal(p, k, g, a_k), close(14))
check(S, 'positive class 0: focal([0.35, 0.65], 0, 2, 0.25)', 0.11088746190017286, focal([0.35, 0.65], 0, 2, 0.25), close(14))
for p, k, a, lit in [([0.7, 0.2, 0.1], 0, None, 0.03210074495448593), ([0.1, 0.6, 0.3], 1, None, 0.08173209980255854),
                     ([0.4, 0.4, 0.2], 1, None, 0.3298646634746958), ([0, 0, 1], 2, None, 0), ([0.25, 0.5, 0.25], 0, None, 0.7797905781299385),
                     ([1, 0, 0], 2, None, 34.538776394910684), ([0.7, 0.2, 0.1], 0, 0.25, 0.008025186238621482),
                     ([0.2, 0.2, 0.6], 1, 0.25, 0.2575100659894561), ([1, 0, 0], 2, 0.25, 8.634694098727671)]:
    a_k = 1 if a is None else a
    check(S, f'multiclass {p} true {k}: focal(p, {k}, 2, {a_k})', lit, focal(p, k, 2, a_k), close(14))

# === losses/hinge.spec.ts: hinge_loss(yB, dB, sample_weight=e_i) =============================================================
S = 'hinge.spec.ts'
HINGE = [(0.9, True, 0.19999999999999996), (0.65, False, 1.3), (0.2, True, 1.6), (0.4, False, 0.8), (1, True, 0), (0, True, 2),
         (0.5, False, 1), (0.7, True, 0.6000000000000001)]
assert [p for p, _, _ in HINGE] == list(PB[:, 1]) and [int(t) for _, t, _ in HINGE] == list(yB)
for i, (pp, t, lit) in enumerate(HINGE):
    check(S, f'row {i} p₊ {pp} positive {t}: hinge_loss(yB, dB, sample_weight=e_{i})', lit, hinge_loss(yB, dB, sample_weight=e(i)), close(14))
check(S, 'window mean: hinge_loss(yB, dB)', 0.9375, hinge_loss(yB, dB), close(14))
for s, t, lit in [(2.5, True, 0), (2.5, False, 3.5), (-0.25, True, 1.25)]:  # toBe in the spec
    check(S, f'raw score {s} positive {t}: max(0, 1 − t·s)', lit, hinge1(t, s), EXACT)

# === losses/brier.spec.ts =====================================================================================================
S = 'brier.spec.ts'
BRIER = [([0.1, 0.9], 1, 0.019999999999999997, 0.009999999999999995), ([0.35, 0.65], 0, 0.8450000000000001, 0.42250000000000004),
         ([0.8, 0.2], 1, 1.2800000000000002, 0.6400000000000001), ([0.6, 0.4], 0, 0.32000000000000006, 0.16000000000000003),
         ([0, 1], 1, 0, 0), ([1, 0], 1, 2, 1), ([0.5, 0.5], 0, 0.5, 0.25), ([0.3, 0.7], 1, 0.18000000000000002, 0.09000000000000002)]
assert [r[0] for r in BRIER] == PB.tolist() and [r[1] for r in BRIER] == list(yB)
for i, (p, k, lit, lit_sk) in enumerate(BRIER):
    check(S, f'binary {p} true {k}: np.sum((p - np.eye(2)[k])**2)', lit, brier(p, k), close(14))
    sk = brier_score_loss(yB, PB[:, 1], sample_weight=e(i))
    check(S, f'binary {p} true {k}: brier_score_loss(yB, PB[:, 1], sample_weight=e_{i})', lit_sk, sk, close(14))
    check(S, f'binary {p} true {k}: METRICS value = 2 × sklearn', lit, 2 * sk, close(14))
check(S, 'window mean: 2 * brier_score_loss(yB, PB[:, 1])', 0.6431250000000001, 2 * brier_score_loss(yB, PB[:, 1]), close(14))
check(S, 'comment: brier_score_loss(yB, PB[:, 1])', 0.32156250000000003, brier_score_loss(yB, PB[:, 1]), CLAIM)
for p, k, lit in [([0.7, 0.2, 0.1], 0, 0.14000000000000004), ([0.1, 0.6, 0.3], 1, 0.26), ([0.2, 0.2, 0.6], 1, 1.04), ([0.4, 0.4, 0.2], 1, 0.56),
                  ([0, 0, 1], 2, 0), ([0.25, 0.5, 0.25], 0, 0.875), ([1, 0, 0], 2, 2)]:
    check(S, f'multiclass {p} true {k}: np.sum((p - np.eye(3)[k])**2)', lit, brier(p, k), close(14))

# === losses/zero-one.spec.ts: zero_one_loss([k], [ŷ]), toBe ==================================================================
S = 'zero-one.spec.ts'
for yhat_, k, lit in [(1, 1, 0), (1, 0, 1), (0, 1, 1), (2, 2, 0), (2, 0, 1)]:
    check(S, f'ŷ {yhat_} true {k}: zero_one_loss([k], [ŷ])', lit, zero_one_loss([k], [yhat_]), EXACT)

# === losses/mse.spec.ts, mae.spec.ts: mean_squared_error / mean_absolute_error([y], [ŷ]), toBe ================================
for yh_, y_, lit_se, lit_ae in [(2.5, 3, 0.25, 0.5), (0, -0.5, 0.25, 0.5), (2, 2, 0, 0), (8, 7, 1, 1), (-2, 1, 9, 3)]:
    check('mse.spec.ts', f'ŷ {yh_} y {y_}: mean_squared_error', lit_se, mean_squared_error([y_], [yh_]), EXACT)
    check('mae.spec.ts', f'ŷ {yh_} y {y_}: mean_absolute_error', lit_ae, mean_absolute_error([y_], [yh_]), EXACT)

# === losses/huber.spec.ts: numpy huber(y - ŷ, δ) ==============================================================================
S = 'huber.spec.ts'
for yh_, y_, d, lit in [(2.5, 3, 1, 0.125), (0, -0.5, 1, 0.125), (2, 2, 1, 0), (8, 7, 1, 0.5), (-2, 1, 1, 2.5), (-2, 1, 1.5, 3.375), (8, 7, 1.5, 0.5)]:
    check(S, f'ŷ {yh_} y {y_} δ {d}: huber({y_ - yh_}, {d})', lit, huber(y_ - yh_, d), close(14))
check(S, 'window mean: np.mean(huber(y - yh, 1.0))', 0.65, np.mean(huber(y - yh, 1.0)), close(14))

# === losses/quantile.spec.ts: mean_pinball_loss([y], [ŷ], alpha=τ) ============================================================
S = 'quantile.spec.ts'
for yh_, y_, tau, lit in [(2.5, 3, 0.5, 0.25), (2.5, 3, 0.9, 0.45), (2.5, 3, 0.1, 0.05), (0, -0.5, 0.5, 0.25), (0, -0.5, 0.9, 0.04999999999999999),
                          (0, -0.5, 0.1, 0.45), (2, 2, 0.9, 0), (8, 7, 0.9, 0.09999999999999998), (8, 7, 0.1, 0.9), (8, 7, 1, 0), (-2, 1, 0.5, 1.5),
                          (-2, 1, 0.9, 2.7), (-2, 1, 0.1, 0.30000000000000004), (-2, 1, 1, 3)]:
    check(S, f'ŷ {yh_} y {y_} τ {tau}: mean_pinball_loss', lit, mean_pinball_loss([y_], [yh_], alpha=tau), close(14))
check(S, 'window mean: mean_pinball_loss(y, yh, alpha=0.9)', 0.66, mean_pinball_loss(y, yh, alpha=0.9), close(14))

# === losses/loss.spec.ts ======================================================================================================
S = 'loss.spec.ts'
check(S, 'log_loss', 1.0498221244986778, ll(0, [0.35, 0.65]), close(14))
check(S, 'log_loss, p_k = 0', 34.538776394910684, ll(1, [1, 0]), close(14))
check(S, 'focal, default γ 2: focal(p, 1, 2, 1)', 1.0300402639578243, focal([0.8, 0.2], 1, 2, 1), close(14))
check(S, 'focal γ 1.5: focal(p, 1, 1.5, 1)', 1.1516200248857609, focal([0.8, 0.2], 1, 1.5, 1), close(14))
check(S, 'focal α 0.25, negative: focal(p, 0, 2, 0.75)', 0.33266238570051854, focal([0.35, 0.65], 0, 2, 0.75), close(14))
check(S, 'focal multiclass α 0.25: focal(p, 0, 2, 0.25)', 0.008025186238621482, focal([0.7, 0.2, 0.1], 0, 2, 0.25), close(14))
check(S, 'hinge: hinge_loss(yB, dB, sample_weight=e_1)', 1.3, hinge_loss(yB, dB, sample_weight=e(1)), close(14))
# positive index 0: t = +1 when the true class is 0, s = 2 p[0] - 1
check(S, 'hinge, positive first: t = +1, s = 2·0.35 − 1', 1.3, hinge1(True, 2 * 0.35 - 1), close(14))
check(S, 'hinge, positive first, true negative: t = −1, s = 2·0.8 − 1', 1.6, hinge1(False, 2 * 0.8 - 1), close(14))
check(S, 'brier binary: 2 * brier_score_loss(yB, PB[:, 1], sample_weight=e_2)', 1.2800000000000002, 2 * brier_score_loss(yB, PB[:, 1], sample_weight=e(2)), close(14))
check(S, 'brier multiclass: np.sum((p - np.eye(3)[0])**2)', 0.875, brier([0.25, 0.5, 0.25], 0), close(14))
check(S, 'zero_one wrong: zero_one_loss([0], [1])', 1, zero_one_loss([0], [pred_binary([0.5, 0.5], 1, 0.5)]), close(14))
check(S, 'zero_one right (threshold 0.7): zero_one_loss([0], [0])', 0, zero_one_loss([0], [pred_binary([0.35, 0.65], 1, 0.7)]), close(14))
check(S, 'zero_one multiclass tie: zero_one_loss([1], [np.argmax(p)])', 1, zero_one_loss([1], [np.argmax([0.4, 0.4, 0.2])]), close(14))
check(S, 'window mean log_loss binary: log_loss(yB, PB, eps=1e-15)', 4.858005586970744, log_loss(yB, PB, eps=EPS), close(12))
check(S, 'window mean log_loss multiclass: log_loss(yM, PM, eps=1e-15)', 5.616899995434793, log_loss(yM, PM, eps=EPS), close(12))
check(S, 'window mean hinge: hinge_loss(yB, dB)', 0.9375, hinge_loss(yB, dB), close(12))
check(S, 'window mean brier binary: 2 * brier_score_loss(yB, PB[:, 1])', 0.6431250000000001, 2 * brier_score_loss(yB, PB[:, 1]), close(12))
check(S, 'window mean brier multiclass', 0.6964285714285714, np.mean(np.sum((PM - np.eye(3)[yM]) ** 2, axis=1)), close(12))
check(S, 'window mean zero_one binary: zero_one_loss(yB, ŷB)', 0.5, zero_one_loss(yB, yhatB), close(12))
check(S, 'window mean zero_one multiclass: zero_one_loss(yM, argmax)', 0.5714285714285714, zero_one_loss(yM, yhatM), close(12))
w = np.array([1, 3])
check(S, 'classWeights [1, 3]: [0.1, 0.9] true 1 = 3 * log_loss', 0.31608154697347884, 3 * ll(1, [0.1, 0.9]), close(12))
check(S, 'classWeights [1, 3]: [0.35, 0.65] true 0 = 1 * log_loss', 1.0498221244986778, 1 * ll(0, [0.35, 0.65]), close(12))
check(S, 'classWeights [1, 3]: [1, 0] true 1 = 3 * log_loss', 103.61632918473205, 3 * ll(1, [1, 0]), close(12))
wsum = log_loss(yB, PB, eps=EPS, sample_weight=w[yB], normalize=False)
check(S, 'classWeights window mean: log_loss(..., sample_weight=w[yB], normalize=False) / 8', 14.01056802870608, wsum / 8, close(12))
check(S, 'comment: log_loss(yB, PB, eps=1e-15, sample_weight=w[yB], normalize=False)', 112.08454422964864, wsum, CLAIM)
check(S, 'comment: the same with normalize=True (÷ Σw = 18)', 6.226919123869369, log_loss(yB, PB, eps=EPS, sample_weight=w[yB]), CLAIM)
check(S, 'classWeights [0.5, 1, 2] multiclass: log_loss(yM, PM, ..., normalize=False) / 7', 10.426513101489276,
      log_loss(yM, PM, eps=EPS, sample_weight=np.array([0.5, 1, 2])[yM], normalize=False) / 7, close(12))
check(S, 'classWeights [1, 3] brier: 3 * 2 * brier_score_loss(yB, PB[:, 1], sample_weight=e_2)', 3.8400000000000007,
      3 * 2 * brier_score_loss(yB, PB[:, 1], sample_weight=e(2)), close(14))
C = np.array([[0, 5], [20, 0]])
for p, k, lit in [([0.1, 0.9], 1, 0), ([0.35, 0.65], 0, 5), ([0.8, 0.2], 1, 20), ([0.5, 0.5], 0, 5)]:
    check(S, f'costMatrix {p} true {k}: C[k, ŷ]', lit, C[k, pred_binary(p, 1, 0.5)], EXACT)
check(S, 'costMatrix window mean binary: np.mean(C[yB, ŷB])', 6.25, np.mean([C[a, b] for a, b in zip(yB, yhatB)]), EXACT)
C3 = np.array([[0, 1, 2], [1, 0, 1], [4, 2, 0]])
check(S, 'costMatrix window mean multiclass: np.mean(C3[yM, argmax])', 1, np.mean([C3[a, b] for a, b in zip(yM, yhatM)]), EXACT)
check(S, 'regression mse: mean_squared_error([1], [-2])', 9, mean_squared_error([1], [-2]), close(14))
check(S, 'regression mae: mean_absolute_error([1], [-2])', 3, mean_absolute_error([1], [-2]), close(14))
check(S, 'regression huber default δ 1: huber(3.0, 1.0)', 2.5, huber(3.0, 1.0), close(14))
check(S, 'regression huber δ 1.5: huber(3.0, 1.5)', 3.375, huber(3.0, 1.5), close(14))
check(S, 'regression quantile default τ 0.5: mean_pinball_loss([-0.5], [0], alpha=0.5)', 0.25, mean_pinball_loss([-0.5], [0], alpha=0.5), close(14))
check(S, 'regression quantile τ 0.9: mean_pinball_loss([3], [2.5], alpha=0.9)', 0.45, mean_pinball_loss([3], [2.5], alpha=0.9), close(14))
check(S, 'regression window mean mse: mean_squared_error(y, ŷ)', 2.1, mean_squared_error(y, yh), close(14))
check(S, 'regression window mean mae: mean_absolute_error(y, ŷ)', 1, mean_absolute_error(y, yh), close(14))
check(S, 'regression window mean huber: np.mean(huber(y - ŷ, 1.0))', 0.65, np.mean(huber(y - yh, 1.0)), close(14))
check(S, 'regression window mean quantile τ 0.9: mean_pinball_loss(y, ŷ, alpha=0.9)', 0.66, mean_pinball_loss(y, yh, alpha=0.9), close(14))

# === performance/performance-sums.spec.ts =====================================================================================
S = 'performance-sums.spec.ts'
for p, lit in [([0.1, 0.9], 0.3250829733914482), ([0.35, 0.65], 0.6474466390346325), ([0, 1], 9.992007221626415e-16),
               ([0.5, 0.5], 0.6931471805599453), ([0.45, 0.55], 0.6881388137135884)]:
    check(S, f'predictiveEntropy {p}: -np.sum(p * np.log(np.clip(p, ...)))', lit, entropy(p), close(14))
check(S, 'classificationContribution [0.35, 0.65]: predicted (0.65 ≥ 0.5)', [0, 1], np.bincount([pred_binary([0.35, 0.65], 1, 0.5)], minlength=2), EXACT)
check(S, 'classificationContribution [0.35, 0.65]: maxProbSum = max(p)', 0.65, np.max([0.35, 0.65]), EXACT)
check(S, 'classificationContribution [0.35, 0.65]: entropySum', 0.6474466390346325, entropy([0.35, 0.65]), close(14))
for name, p, pos, thr, lit in [('below a raised threshold', [0.35, 0.65], 1, 0.7, [1, 0]), ('at the threshold', [0.3, 0.7], 1, 0.7, [0, 1]),
                               ('positive class first', [0.6, 0.4], 0, 0.5, [1, 0]), ('multiclass argmax, first on ties', [0.4, 0.4, 0.2], -1, 0.5, [1, 0, 0])]:
    k_hat = np.argmax(p) if pos < 0 else pred_binary(p, pos, thr)
    check(S, f'predicted counts ({name})', lit, np.bincount([k_hat], minlength=len(p)), EXACT)
check(S, 'labeledContribution binary: lossSum log_loss([0], [[0.35, 0.65]])', 1.0498221244986778, ll(0, [0.35, 0.65]), close(14))
check(S, 'labeledContribution binary: logLossSum', 1.0498221244986778, ll(0, [0.35, 0.65]), close(14))
check(S, 'labeledContribution binary: confusion (true 0, predicted 1)', [0, 1, 0, 0], confusion_matrix([0], [1], labels=[0, 1]), EXACT)
check(S, 'labeledContribution binary: maxProbLabeledSum = max(p)', 0.65, np.max([0.35, 0.65]), EXACT)
check(S, 'brier lossSum: np.sum((p - np.eye(3)[0])**2)', 0.875, brier([0.25, 0.5, 0.25], 0), close(14))
check(S, 'brier logLossSum: log_loss([0], [p], labels=[0, 1, 2])', 1.3862943611198906, ll(0, [0.25, 0.5, 0.25]), close(14))
check(S, 'brier confusion (true 0, predicted argmax 1)', [0, 1, 0, 0, 0, 0, 0, 0, 0], confusion_matrix([0], [np.argmax([0.25, 0.5, 0.25])], labels=[0, 1, 2]), EXACT)
check(S, 'regressor label ŷ -2 y 1: lossSum huber(3.0, 1.0)', 2.5, huber(3.0, 1.0), EXACT)
check(S, 'regressor label ŷ -2 y 1: absErrorSum mean_absolute_error([1], [-2])', 3, mean_absolute_error([1], [-2]), EXACT)
check(S, 'regressor label ŷ -2 y 1: squaredErrorSum mean_squared_error([1], [-2])', 9, mean_squared_error([1], [-2]), EXACT)
check(S, 'sign −1: confusion', [0, 0, 0, -1], -confusion_matrix([1], [pred_binary([0, 1], 1, 0.5)], labels=[0, 1]), EXACT)
check(S, 'sign −1: lossSum −log_loss([1], [[0, 1]], labels=[0, 1], eps=1e-15)', -9.992007221626415e-16, -ll(1, [0, 1]), close(20))
check(S, 'given ŷ 0, sign −1: confusion (true 1, predicted 0)', [0, 0, -1, 0], -confusion_matrix([1], [0], labels=[0, 1]), EXACT)
check(S, 'given ŷ 0, sign −1: lossSum −log_loss([1], [[0.35, 0.65]])', -0.4307829160924542, -ll(1, [0.35, 0.65]), close(14))
check(S, 'given ŷ 0, multiclass: confusion (true 2, predicted 0)', [0, 0, 0, 0, 0, 0, 1, 0, 0], confusion_matrix([2], [0], labels=[0, 1, 2]), EXACT)
check(S, 'addSums: maxProbSum 0.9 + 0.65 + 0.55', 2.1, np.sum(np.max([[0.1, 0.9], [0.35, 0.65], [0.45, 0.55]], axis=1)), close(14))
check(S, 'addSums: maxProbLabeledSum 0.9 + 0.65', 1.55, np.sum(np.max([[0.1, 0.9], [0.35, 0.65]], axis=1)), close(14))
check(S, 'addSums: confusion', [0, 1, 0, 1], confusion_matrix([1, 0], [1, 1], labels=[0, 1]), EXACT)
check(S, 'addSums: logLossSum log_loss([1, 0], ..., normalize=False)', 1.1551826401565042,
      log_loss([1, 0], [[0.1, 0.9], [0.35, 0.65]], eps=EPS, normalize=False), close(14))
check(S, 'addSums: entropySum', 1.6606684261396691, sum(entropy(p) for p in [[0.1, 0.9], [0.35, 0.65], [0.45, 0.55]]), close(14))
pw = np.array([0.9, 0.65, 0.2, 0.55, 0])
check(S, 'merge: whole.predicted', [2, 3], np.bincount(np.where(pw >= 0.5, 1, 0), minlength=2), EXACT)
check(S, 'moving a regression label: lossSum huber(-3.5, 1.0)', 3, huber(-1 - 2.5, 1.0), EXACT)
check(S, 'moving a regression label: absErrorSum', 3.5, mean_absolute_error([-1], [2.5]), EXACT)
check(S, 'moving a regression label: squaredErrorSum', 12.25, mean_squared_error([-1], [2.5]), EXACT)
check(S, 'moving a label among others: confusion_matrix([1, 1, 0], [1, 0, 0])', [1, 0, 1, 1], confusion_matrix([1, 1, 0], [1, 0, 0], labels=[0, 1]), EXACT)

# === performance/performance.spec.ts ==========================================================================================
S = 'performance.spec.ts'
PBU = np.vstack([PB, PU])
check(S, 'binary: confusion_matrix(yB, ŷ)', [1, 2, 2, 3], confusion_matrix(yB, yhatB, labels=[0, 1]), EXACT)
check(S, 'binary: meanLoss log_loss(yB, PB, eps=1e-15)', 4.858005586970744, log_loss(yB, PB, eps=EPS), close(12))
check(S, 'binary: accuracy_score(yB, ŷ)', 0.5, accuracy_score(yB, yhatB), EXACT)
prf = precision_recall_fscore_support(yB, yhatB, pos_label=1, average='binary')
check(S, 'binary: precision', 0.6, prf[0], close(12))
check(S, 'binary: recall', 0.6, prf[1], close(12))
check(S, 'binary: f1', 0.6, prf[2], close(12))
check(S, 'binary: logLoss log_loss(yB, PB, eps=1e-15)', 4.858005586970744, log_loss(yB, PB, eps=EPS), close(12))
check(S, 'binary: estimated.accuracy np.mean([PB; PU].max(axis=1))', 0.76, np.mean(PBU.max(axis=1)), close(12))
check(S, 'binary: estimated.logLoss', 0.4463176972693403, np.mean(-np.sum(PBU * np.log(np.clip(PBU, EPS, 1 - EPS)), axis=1)), close(12))
check(S, 'binary: calibrationGap', 0.26875000000000004, np.mean(PB.max(axis=1)) - accuracy_score(yB, yhatB), close(12))
check(S, 'brier meanLoss: 2 * brier_score_loss(yB, PB[:, 1])', 0.6431250000000001, 2 * brier_score_loss(yB, PB[:, 1]), close(12))
check(S, 'brier window logLoss: log_loss(yB, PB, eps=1e-15)', 4.858005586970744, log_loss(yB, PB, eps=EPS), close(12))
yhat0 = np.where(PB[:, 0] >= 0.5, 0, 1)
check(S, 'positive class 0: confusion_matrix(yB, ŷ0)', [2, 1, 2, 3], confusion_matrix(yB, yhat0, labels=[0, 1]), EXACT)
check(S, 'positive class 0: accuracy_score(yB, ŷ0)', 0.625, accuracy_score(yB, yhat0), EXACT)
prf0 = precision_recall_fscore_support(yB, yhat0, pos_label=0, average='binary')
check(S, 'positive class 0: precision', 0.5, prf0[0], close(12))
check(S, 'positive class 0: recall', 0.6666666666666666, prf0[1], close(12))
check(S, 'positive class 0: f1', 0.5714285714285715, prf0[2], close(12))
P0, y0 = np.array([[0.9, 0.1], [0.7, 0.3], [0.6, 0.4]]), np.array([1, 0, 1])
yhat_0 = np.where(P0[:, 1] >= 0.5, 1, 0)
check(S, 'nothing predicted positive: confusion_matrix(y0, ŷ)', [1, 0, 2, 0], confusion_matrix(y0, yhat_0, labels=[0, 1]), EXACT)
check(S, 'nothing predicted positive: meanLoss log_loss(y0, P0)', 1.1918502562689777, log_loss(y0, P0, eps=EPS), close(12))
check(S, 'nothing predicted positive: accuracy_score(y0, ŷ)', 0.3333333333333333, accuracy_score(y0, yhat_0), close(12))
check(S, 'nothing predicted positive: recall TP / (TP + FN)', 0, precision_recall_fscore_support(y0, yhat_0, pos_label=1, average='binary', zero_division=0)[1], EXACT)
check(S, 'nothing predicted positive: logLoss', 1.1918502562689777, log_loss(y0, P0, eps=EPS), close(12))
check(S, 'nothing predicted positive: estimated.accuracy np.mean(P0.max(axis=1))', 0.7333333333333334, np.mean(P0.max(axis=1)), close(12))
check(S, 'nothing predicted positive: estimated.logLoss', 0.5363196474851993, np.mean(-np.sum(P0 * np.log(P0), axis=1)), close(12))
check(S, 'nothing predicted positive: calibrationGap', 0.4000000000000001, np.mean(P0.max(axis=1)) - accuracy_score(y0, yhat_0), close(12))
check(S, 'comment: sklearn prfs(y0, ŷ, zero_division=0) = (0.0, 0.0, 0.0) [METRICS: precision, f1 null]', [0.0, 0.0, 0.0],
      precision_recall_fscore_support(y0, yhat_0, pos_label=1, average='binary', zero_division=0)[:3], CLAIM)
prf_ff = precision_recall_fscore_support([0, 1], [1, 0], pos_label=1, average='binary', zero_division=0)
check(S, 'P = R = 0: confusion_matrix([0, 1], [1, 0]) (comment)', [0, 1, 1, 0], confusion_matrix([0, 1], [1, 0], labels=[0, 1]), EXACT)
check(S, 'P = R = 0: accuracy_score([0, 1], [1, 0])', 0, accuracy_score([0, 1], [1, 0]), EXACT)
check(S, 'P = R = 0: precision', 0, prf_ff[0], EXACT)
check(S, 'P = R = 0: recall', 0, prf_ff[1], EXACT)
check(S, 'comment: sklearn f1 there = 0.0 [METRICS: null]', 0.0, prf_ff[2], CLAIM)
check(S, 'nothing labeled: estimated.accuracy np.mean([0.55, 0.9])', 0.7250000000000001, np.mean([0.55, 0.9]), close(12))
check(S, 'nothing labeled: estimated.logLoss np.mean([entropies])', 0.5066108935525183, np.mean([entropy([0.45, 0.55]), entropy([0.9, 0.1])]), close(12))
check(S, 'comment: entropy([0.45, 0.55]), entropy([0.9, 0.1])', [0.6881388137135884, 0.3250829733914482], [entropy([0.45, 0.55]), entropy([0.9, 0.1])], CLAIM)
check(S, 'multiclass: confusion_matrix(yM, ŷ)', [1, 1, 0, 1, 1, 1, 1, 0, 1], confusion_matrix(yM, yhatM, labels=[0, 1, 2]), EXACT)
check(S, 'multiclass: meanLoss brier np.mean(np.sum((PM - np.eye(3)[yM])**2, axis=1))', 0.6964285714285714, np.mean(np.sum((PM - np.eye(3)[yM]) ** 2, axis=1)), close(12))
check(S, 'multiclass: accuracy_score(yM, ŷ)', 0.42857142857142855, accuracy_score(yM, yhatM), close(12))
check(S, "multiclass: f1_score(yM, ŷ, average='macro')", 0.43333333333333335, f1_score(yM, yhatM, average='macro'), close(12))
check(S, 'multiclass: logLoss log_loss(yM, PM, eps=1e-15)', 5.616899995434793, log_loss(yM, PM, eps=EPS), close(12))
check(S, 'multiclass: estimated.accuracy np.mean(PM.max(axis=1))', 0.6857142857142857, np.mean(PM.max(axis=1)), close(12))
check(S, 'multiclass: estimated.logLoss', 0.677810822208488, np.mean(-np.sum(PM * np.log(np.clip(PM, EPS, 1 - EPS)), axis=1)), close(12))
check(S, 'multiclass: calibrationGap', 0.2571428571428572, np.mean(PM.max(axis=1)) - accuracy_score(yM, yhatM), close(12))
P4 = np.array([[0.7, 0.1, 0.1, 0.1], [0.1, 0.6, 0.2, 0.1], [0.3, 0.3, 0.3, 0.1], [0.1, 0.1, 0.7, 0.1], [0.5, 0.2, 0.2, 0.1]])
y4 = np.array([0, 1, 2, 2, 1])
yhat4 = np.argmax(P4, axis=1)
assert list(yhat4) == [0, 1, 0, 2, 0]
check(S, '4 classes, class 3 absent: accuracy_score(y4, ŷ)', 0.6, accuracy_score(y4, yhat4), close(12))
check(S, "4 classes, class 3 absent: f1_score(y4, ŷ, average='macro')", 0.611111111111111, f1_score(y4, yhat4, average='macro'), close(12))
check(S, "comment: f1_score(y4, ŷ, average='macro', labels=[0, 1, 2, 3])", 0.45833333333333326,
      f1_score(y4, yhat4, average='macro', labels=[0, 1, 2, 3], zero_division=0), CLAIM)
check(S, '4 classes: log_loss(y4, P4, eps=1e-15, labels=[0, 1, 2, 3])', 0.8075172456806984, log_loss(y4, P4, eps=EPS, labels=[0, 1, 2, 3]), close(12))
check(S, "predicted never true: f1_score([0, 1, 1], [0, 2, 1], average='macro', zero_division=0)", 0.5555555555555555,
      f1_score([0, 1, 1], [0, 2, 1], average='macro', zero_division=0), close(12))
check(S, 'multiclass nothing labeled: estimated.accuracy max(p)', 0.7, np.max([0.7, 0.2, 0.1]), EXACT)
check(S, 'multiclass nothing labeled: estimated.logLoss -np.sum(p * np.log(p))', 0.8018185525433372, entropy([0.7, 0.2, 0.1]), close(12))
check(S, 'regression: meanLoss np.mean(huber(y - ŷ, 1.0))', 0.65, np.mean(huber(y - yh, 1.0)), close(12))
check(S, 'regression: mae mean_absolute_error(y, ŷ)', 1, mean_absolute_error(y, yh), close(12))
check(S, 'regression: mse mean_squared_error(y, ŷ)', 2.1, mean_squared_error(y, yh), close(12))
check(S, 'regression: rmse mean_squared_error(y, ŷ, squared=False)', 1.449137674618944, mean_squared_error(y, yh, squared=False), close(12))

# --- report ---------------------------------------------------------------------------------------------------------------------
print(f'numpy {np.__version__}, scikit-learn {sklearn.__version__}')
for status, spec, case, lit, got, tol in ROWS:
    print(f'{status:8} {spec:26} {case}\n{"":35} literal {lit!r}  computed {got!r}  ({tol})')
bad = [r for r in ROWS if r[0] == 'MISMATCH']
by_spec = {}
for r in ROWS:
    by_spec[r[1]] = by_spec.get(r[1], 0) + 1
print('\n' + ', '.join(f'{s} {n}' for s, n in by_spec.items()))
print(f'{len(ROWS)} checked ({sum(r[0] == "ok" for r in ROWS)} bit-identical, {sum(r[0] == "ok≈" for r in ROWS)} within tolerance), {len(bad)} MISMATCH')
sys.exit(1 if bad else 0)
