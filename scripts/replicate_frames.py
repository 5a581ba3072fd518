#!/usr/bin/python3
# usage: replicate_frames.py FRAMES.jsonl K > OUT.jsonl
# Replicates a JSONL frames file (e.g. `levdyn export` of a recorded demo) K times back to back
# for replay throughput measurements: each copy is shifted by the recording's span (whole
# seconds), in its receive times and in the epoch timestamps inside the frames (13-digit ms,
# 16-digit us of the years 2023–2033, ISO times), so every copy is a plausible later session.
import sys, json, re, datetime
src, k = sys.argv[1], int(sys.argv[2])
lines = [json.loads(l) for l in open(src)]
t0 = min(o['ts_ns'] for o in lines); t1 = max(o['ts_ns'] for o in lines)
span_ns = (t1 - t0) // 10**9 * 10**9 + 10**9
ms_re = re.compile(r'(?<!\d)(1[7-9]\d{11})(?!\d)')
us_re = re.compile(r'(?<!\d)(1[7-9]\d{14})(?!\d)')
iso_re = re.compile(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z')
out = sys.stdout
for i in range(k):
    sh = i * span_ns
    sms, sus = sh // 10**6, sh // 10**3
    def iso(m):
        t = datetime.datetime.strptime(m.group(1), '%Y-%m-%dT%H:%M:%S.%f') + datetime.timedelta(microseconds=sus)
        return t.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (t.microsecond // 1000)
    for o in lines:
        f = o['frame']
        if i:
            f = us_re.sub(lambda m: str(int(m.group(1)) + sus), f)
            f = ms_re.sub(lambda m: str(int(m.group(1)) + sms), f)
            f = iso_re.sub(iso, f)
        p = dict(o); p['ts_ns'] = o['ts_ns'] + sh; p['frame'] = f
        out.write(json.dumps(p, separators=(',', ':')) + '\n')
