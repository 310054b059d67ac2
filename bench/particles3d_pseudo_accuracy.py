#!/usr/bin/env python3
# Usage: python3 bench/particles3d_pseudo_accuracy.py TRAIN_DIR... (folders of gen --pseudo-labels)
# Accuracy of the synchronisation pseudo-labels (angles.npy) against the true alpha, measured
# after training (never used by it): offset (and mirror) removed by circular mean. No numpy.
import ast, cmath, json, math, struct, sys
def load(path):
    b = open(path, 'rb').read()
    hl = struct.unpack('<H', b[8:10])[0]
    h = ast.literal_eval(b[10:10 + hl].decode())
    assert h['descr'] == '<f4', h
    n = (len(b) - 10 - hl) // 4
    return list(struct.unpack('<%df' % n, b[10 + hl:])), h['shape']
def qmul(a, b):
    w1,x1,y1,z1 = a; w2,x2,y2,z2 = b
    return (w1*w2-x1*x2-y1*y2-z1*z2, w1*x2+x1*w2+y1*z2-z1*y2, w1*y2-x1*z2+y1*w2+z1*x2, w1*z2+x1*y2-y1*x2+z1*w2)
for d in sys.argv[1:]:
    r0 = json.load(open(d + '/params.json'))['r0']
    q, _ = load(d + '/orientations.npy'); a, sh = load(d + '/angles.npy')
    n = len(q) // 4; per = len(a) // n
    alpha = []
    for i in range(n):
        c = qmul(q[4*i:4*i+4], (r0[0], -r0[1], -r0[2], -r0[3]))
        alpha.append(math.degrees(2 * math.atan2(c[1], c[0])) % 360)
    pseudo = [a[per * i] for i in range(n)]
    best = None
    for s in (1, -1):
        z = [cmath.exp(1j * math.radians(p - s * t)) for p, t in zip(pseudo, alpha)]
        m = sum(z) / n
        if best is None or abs(m) > best[0]:
            best = (abs(m), [abs(math.degrees(cmath.phase(v / m * abs(m)))) for v in z])
    e = sorted(best[1])
    print("%s: %.1f %% within 2°, median %.3f°" % (d, 100 * sum(x <= 2 for x in e) / n, e[n // 2]))
