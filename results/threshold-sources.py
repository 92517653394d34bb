"""From one evaluate run's predictions.csv: the referable-DR threshold for 90% sensitivity chosen on validation and on
the out-of-fold train+validation rows (the largest threshold reaching the target, as thresholdForSensitivity), each
applied to the test rows: sensitivity and specificity."""
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
classes = [c[2:] for c in rows[0].keys() if c.startswith('p_')]
positive = set(classes[2:]) if len(classes) == 5 else {classes[1]}
pos_cols = ['p_' + c for c in classes if c in positive]
def data(set_):
    return [(sum(float(r[c]) for c in pos_cols), r['true_class'] in positive) for r in rows if r['set'] == set_]
def threshold(d, target=0.9):
    pos = sorted((s for s, y in d if y), reverse=True)
    import math
    need = math.ceil(target * len(pos) - 1e-9)
    return pos[need - 1]
def at(d, t):
    tp = sum(1 for s, y in d if y and s >= t); fn = sum(1 for s, y in d if y and s < t)
    tn = sum(1 for s, y in d if not y and s < t); fp = sum(1 for s, y in d if not y and s >= t)
    return tp / (tp + fn), tn / (tn + fp)
test = data('test')
for src in ['validation', 'out-of-fold']:
    d = data(src)
    if not d: continue
    t = threshold(d)
    npos = sum(1 for _, y in d if y)
    s, p = at(test, t)
    print(f'{src}: {npos} positives / {len(d) - npos} negatives, threshold {t:.4f}; on test ({len(test)}): sensitivity {s:.3f}, specificity {p:.3f}')
