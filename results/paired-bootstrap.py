"""Paired bootstrap over the common test images of two evaluate runs (predictions.csv): referable-DR AUC and
quadratic kappa, difference B - A with a 95% percentile interval (1000 resamples of images, seed 42)."""
import csv, sys, random
def load(path):
    rows = {}
    with open(path) as f:
        r = csv.DictReader(f)
        classes = [c[2:] for c in r.fieldnames if c.startswith('p_')]
        for row in r:
            if row['set'] != 'test': continue
            rows[row['image']] = (classes.index(row['true_class']), [float(row['p_' + c]) for c in classes])
    return rows
def auc(y, s):
    pos = [v for t, v in zip(y, s) if t]; neg = [v for t, v in zip(y, s) if not t]
    if not pos or not neg: return float('nan')
    pairs = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg])
    # rank-sum with ties averaged
    ranks = {}; i = 0
    vals = [v for v, _ in pairs]
    while i < len(vals):
        j = i
        while j + 1 < len(vals) and vals[j + 1] == vals[i]: j += 1
        for k in range(i, j + 1): ranks[k] = (i + j) / 2 + 1
        i = j + 1
    rsum = sum(ranks[k] for k, (_, lab) in enumerate(pairs) if lab)
    return (rsum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))
def kappa(y, p, k=5):
    n = len(y); O = [[0]*k for _ in range(k)]
    for a, b in zip(y, p): O[a][b] += 1
    ra = [sum(O[i]) for i in range(k)]; ca = [sum(O[i][j] for i in range(k)) for j in range(k)]
    num = sum(((i-j)**2/(k-1)**2) * O[i][j] for i in range(k) for j in range(k))
    den = sum(((i-j)**2/(k-1)**2) * ra[i]*ca[j]/n for i in range(k) for j in range(k))
    return 1 - num/den
def figs(rows, ids):
    y = [rows[i][0] for i in ids]; P = [rows[i][1] for i in ids]
    return auc([t >= 2 for t in y], [sum(p[2:]) for p in P]), kappa(y, [p.index(max(p)) for p in P])
a, b = load(sys.argv[1]), load(sys.argv[2])
ids = sorted(set(a) & set(b))
base = [x - y for x, y in zip(figs(b, ids), figs(a, ids))]
rng = random.Random(42); diffs = []
for _ in range(1000):
    s = [rng.choice(ids) for _ in ids]
    fa, fb = figs(a, s), figs(b, s)
    diffs.append((fb[0] - fa[0], fb[1] - fa[1]))
for m, name in enumerate(['referable-dr AUC', 'quadratic kappa']):
    d = sorted(x[m] for x in diffs)
    print(f'{name}: A {figs(a, ids)[m]:.4f}  B {figs(b, ids)[m]:.4f}  B-A {base[m]:+.4f} (95% paired bootstrap {d[24]:+.4f} to {d[974]:+.4f}), n={len(ids)}')
