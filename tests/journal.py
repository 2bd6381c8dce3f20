#!/usr/bin/env python3
"""What the journal tests (t0150, t0151) check of a run, read by a
reader independent of lifeboat's own.

  journal.py state < RUNS_SHOW_JSON
      the state a run ends in, without times: one line per host (wave,
      host, site, state, each step's outcome/rc/msg), then the run's
      kind, status and halted.
  journal.py once RUNDIR [FINAL_JSON]
      every output an end record points at has the bytes its SHA-256
      says; with FINAL_JSON (`runs show --json`), every host-step with
      an outcome there has exactly one end record and the others none
      ("N host-steps ended once"); without, every host has exactly one
      end record ("N hosts ended once").  Problems are printed instead.
"""
import hashlib
import json
import os
import sys


def state():
    d = json.load(sys.stdin)
    for w in d["waves"]:
        for h in w["hosts"]:
            print(w["wave"], h["host"], h["site"], h["state"],
                  " ".join(f'{s["step"]}={s["outcome"]}/{s["rc"]}/'
                           f'{s["msg"]}' for s in h["steps"]))
    print("kind", d["kind"], "status", d["status"], "halted", d["halted"])


def once(rundir, final=None):
    recs = [json.loads(line) for line in open(os.path.join(rundir,
                                                           "journal"))]
    outs = open(os.path.join(rundir, "outputs"), "rb").read()
    run = recs[0]
    ends = {}
    bad = 0
    for r in recs:
        if r["t"] != "end":
            continue
        key = (r["h"], r["s"])
        ends[key] = ends.get(key, 0) + 1
        for k in ("stdout", "stderr"):
            if k in r:
                o = r[k]
                b = outs[o["off"]:o["off"] + o["len"]]
                if hashlib.sha256(b).hexdigest() != o["sha256"]:
                    print(f'host {r["h"]} step {r["s"]}: {k} does not '
                          f'match its sha256')
                    bad += 1
    names = [h["name"] for h in run["hosts"]]
    if final is None:
        for hi, name in enumerate(names):
            n = sum(c for (h, _), c in ends.items() if h == hi)
            if n != 1:
                print(f"{name}: {n} ends")
                bad += 1
        print(f"{len(names)} hosts ended once" if bad == 0
              else f"{bad} wrong")
        return
    d = json.load(open(final))
    for w in d["waves"]:
        for h in w["hosts"]:
            hi = names.index(h["host"])
            for si, s in enumerate(h["steps"]):
                n = ends.get((hi, si), 0)
                want = 0 if s["outcome"] is None else 1
                if n != want:
                    print(f'{h["host"]} step {si}: {n} end records, '
                          f'outcome {s["outcome"]}')
                    bad += 1
    print(f"{len(ends)} host-steps ended once" if bad == 0
          else f"{bad} wrong")


if __name__ == "__main__":
    if sys.argv[1:2] == ["state"]:
        state()
    elif sys.argv[1:2] == ["once"] and len(sys.argv) in (3, 4):
        once(*sys.argv[2:])
    else:
        sys.exit(__doc__)
