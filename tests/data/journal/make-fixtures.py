#!/usr/bin/env python3
"""Writes the run journals that tests/t0140-report.sh reports on.

  python3 tests/data/journal/make-fixtures.py

Each fixture is a run directory, NAME/journal and NAME/outputs (and
run.json and signoffs where a run has them), written record by record as
src/journal.h describes, with fixed times so that reports are stable.
The files are kept in git; run this again only after changing it.

  playbook   6 hosts, 3 waves, 2 sites: a sign-off, a gate, a skipped
             step, a failure (with a secret and markup in its output), an
             unreachable host, a halt before the last wave, a rerun
  resumed    the same run killed in the middle of a step and resumed:
             its report reads the same but for the resume
  exec       an exec run over 3 hosts: ok, failed, unreachable
  crashed    a step started without an end, no done record, a torn tail
"""

import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1795271405000                      # 2026-11-21T14:30:05Z
SECRET = "S3cr3t-Pa55"


class Run:
    def __init__(self, name):
        self.name = name
        self.lines = []
        self.outputs = bytearray()

    def rec(self, t, at, **kw):
        r = {"t": t, "at": at}
        r.update(kw)
        self.lines.append(json.dumps(r, separators=(",", ":"),
                                     ensure_ascii=False))

    def out(self, data):
        if isinstance(data, str):
            data = data.encode()
        o = {"off": len(self.outputs), "len": len(data),
             "sha256": hashlib.sha256(data).hexdigest()}
        self.outputs += data
        return o

    def end(self, at, h, s, outcome, rc=None, msg=None, ms=0, sent=True,
            stdout=None, stderr=None, **kw):
        r = {"h": h, "s": s, "outcome": outcome, "rc": rc, "msg": msg,
             "ms": ms, "sent": sent}
        if stdout:
            r["stdout"] = self.out(stdout)
        if stderr:
            r["stderr"] = self.out(stderr)
        r.update(kw)
        self.rec("end", at, **r)

    def write(self, torn=b"", extra=None):
        d = os.path.join(HERE, self.name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "journal"), "wb") as f:
            f.write(("\n".join(self.lines) + "\n").encode() + torn)
        with open(os.path.join(d, "outputs"), "wb") as f:
            f.write(bytes(self.outputs))
        for name, text in (extra or {}).items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)


def options():
    return {"fanout": 256, "per_site": 0, "timeout_ms": 0,
            "connect_timeout_ms": 10000, "retries": 0,
            "retry_delay_ms": 1000, "max_output": 1048576,
            "accept_new": False, "plugin_path": None, "seed": 0}


HOSTS = [
    {"name": "ams-web01", "site": "ams", "os": "linux"},
    {"name": "fra-web01", "site": "fra", "os": "linux"},
    {"name": "ams-web02", "site": "ams", "os": "linux"},
    {"name": "ams-db01", "site": "ams", "os": "linux"},
    {"name": "fra-web02", "site": "fra", "os": "windows"},
    {"name": "fra-db01", "site": "fra", "os": "linux"},
]
STEPS = [
    {"name": "declare", "idempotent": False, "manual": True,
     "owner": "incident-commander"},
    {"name": "check disk", "idempotent": True, "manual": False,
     "owner": None},
    {"name": "remove driver", "idempotent": True, "manual": False,
     "owner": None},
    {"name": "restart service", "idempotent": False, "manual": False,
     "owner": None},
]
PB_ID = "20261121T143005Z-3f9a1c"


def playbook(name, run_id, crash):
    r = Run(name)
    s = lambda sec: T0 + int(sec * 1000)
    r.rec("run", T0, v=1, id=run_id, kind="playbook",
          playbook="/srv/lifeboat/playbooks/remediate.yml",
          playbook_sha256="9b" * 32, name="remediate bad driver",
          command=None,
          inventories=[{"path": "/srv/lifeboat/fleet.yml",
                        "sha256": "4e" * 32}],
          limit="ams,fra", vars=[{"name": "driver_dir",
                                   "value": "/opt/driver"}],
          options=options(), hosts=HOSTS, steps=STEPS,
          waves=[[0, 1], [2, 3], [4, 5]], numbers=[0, 1, 2],
          gates=["wave 1", "wave 2"],
          rerun_of=None, pid=4242, user="alice")
    r.rec("wave", s(1), wave=0)
    for h in (0, 1):
        r.rec("start", s(1.5), h=h, s=0, try_=1)
    r.rec("signoff", s(20), step="declare", by="alice",
          when=T0 // 1000 + 20)
    for h in (0, 1):
        r.end(s(20.2), h, 0, "ok", msg="signed off by alice", ms=18700,
              sent=False)
    r.rec("start", s(20.3), h=0, s=1, try_=1)
    r.rec("start", s(20.3), h=1, s=1, try_=1)
    r.end(s(20.45), 0, 1, "ok", rc=0, ms=150,
          stdout="Filesystem Use% Mounted\n/dev/sda1 42% /\n")
    r.rec("start", s(20.5), h=0, s=2, try_=1)
    r.end(s(20.5), 1, 1, "ok", rc=0, ms=200,
          stdout="Filesystem Use% Mounted\n/dev/vda1 71% /\n")
    r.rec("start", s(20.5), h=1, s=2, try_=1)
    r.end(s(20.9), 1, 2, "ok", rc=0, ms=400,
          stdout="nothing to remove\n")
    r.end(s(20.9), 1, 3, "skipped",
          msg="when: removed.changed == true is false", sent=False)
    r.rec("host", s(20.9), h=1, status="ok", changed=False, ms=19900)
    r.end(s(21.3), 0, 2, "changed", rc=0, ms=800,
          stdout="removed /opt/driver/bad.sys\n",
          sha256="c3" * 32)
    r.rec("start", s(21.3), h=0, s=3, try_=1)
    r.end(s(23.3), 0, 3, "ok", rc=0, ms=2000,
          stdout="driver-agent.service: active (running), "
                 "token tok-Beta-2\n",
          kv={"waited_s": "2"})
    r.rec("host", s(23.3), h=0, status="ok", changed=True, ms=22300)
    r.rec("pause", s(23.4), ms=0, next=1)
    r.rec("signoff", s(95), step="wave 1", by="bob <ops@example.test>",
          when=T0 // 1000 + 95)
    r.rec("wave", s(95.1), wave=1)
    for h in (2, 3):
        r.rec("start", s(95.2), h=h, s=0, try_=1)
        r.end(s(95.2), h, 0, "ok", msg="signed off by alice", ms=0,
              sent=False)
    r.rec("start", s(95.3), h=2, s=1, try_=1)
    r.rec("start", s(95.3), h=3, s=1, try_=1)
    r.end(s(95.4), 2, 1, "ok", rc=0, ms=100,
          stdout="Filesystem Use% Mounted\n/dev/sda1 12% /\n")
    r.rec("start", s(95.4), h=2, s=2, try_=1)
    if crash:
        # The first process dies here; a second one resumes the run and
        # runs the step again.
        r.rec("resume", s(95.6), pid=4343, user="alice", force=False,
              rerun_unknown=True)
        r.rec("start", s(95.7), h=2, s=2, try_=1)
    stdout = ("trying http://127.0.0.1:8080/driver // mirror\n"
              "\x1b[31mred\x1b[0m <script>alert(1)</script> & \"q\" 'a'"
              " \x01\x02 ]]> caf\u00e9 ").encode() + b"\xff\n"
    stderr = ("rm: cannot remove '/opt/driver/bad.sys': Permission "
              "denied\n"
              "retrying as admin with password %s\n"
              "rm: cannot remove '/opt/driver/bad.sys': Permission "
              "denied\n" % SECRET)
    r.end(s(97.4), 2, 2, "failed", rc=3,
          msg="exit status 3 <b>&amp;</b> (password %s)" % SECRET,
          ms=2000, stdout=stdout, stderr=stderr)
    r.rec("host", s(97.4), h=2, status="failed", changed=False, ms=2300)
    r.end(s(105.3), 3, 1, "unreachable",
          msg="connect timeout after 10 s (127.0.0.9:22)", ms=10000,
          sent=False)
    r.rec("host", s(105.3), h=3, status="unreachable", changed=False,
          ms=10200)
    r.rec("halt", s(105.4), reason="2 of 2 hosts of wave 1 failed or "
          "were unreachable (max_fail 30%)", not_run=2)
    r.rec("done", s(105.5), status=3, ok=2, failed=1, unreachable=1,
          skipped=0, changed=1, cancelled=0, not_run=2, halted=True)
    r.rec("rerun", s(600), id="20261121T144005Z-aa0001")
    runjson = json.dumps({
        "id": run_id, "playbook": "/srv/lifeboat/playbooks/remediate.yml",
        "name": "remediate bad driver", "pid": 4242,
        "started": T0 // 1000, "hosts": 6, "manual": ["declare"],
        "gates": ["wave 1", "wave 2"]}, separators=(",", ":")) + "\n"
    signoffs = "".join(json.dumps(x, separators=(",", ":")) + "\n"
                       for x in ({"step": "declare", "by": "alice",
                                  "at": T0 // 1000 + 20},
                                 {"step": "wave 1",
                                  "by": "bob <ops@example.test>",
                                  "at": T0 // 1000 + 95}))
    # "try" is a keyword in python: spelt try_ above.
    r.lines = [l.replace('"try_":', '"try":') for l in r.lines]
    r.write(extra={"run.json": runjson, "signoffs": signoffs})


def exec_run():
    r = Run("exec")
    t = T0 + 5400000                    # 16:00:05Z
    r.rec("run", t, v=1, id="20261121T160005Z-0e0e0e", kind="exec",
          playbook=None, playbook_sha256=None, name=None,
          command="uptime", inventories=[{"path": "/srv/lifeboat/fleet.yml",
                                          "sha256": "4e" * 32}],
          limit=None, vars=[], options=options(),
          hosts=[{"name": "ams-web01", "site": "ams", "os": "linux"},
                 {"name": "fra-db01", "site": "fra", "os": "linux"},
                 {"name": "lab1", "site": None, "os": None}],
          steps=[{"name": "uptime", "idempotent": False, "manual": False,
                  "owner": None}],
          waves=[[0, 1, 2]], numbers=[1], gates=[], rerun_of=PB_ID,
          pid=5151,
          user="carol")
    r.rec("wave", t + 1, wave=0)
    for h in range(3):
        r.rec("start", t + 2, h=h, s=0)
        r.lines[-1] = r.lines[-1][:-1] + ',"try":1}'
    r.end(t + 40, 0, 0, "ok", rc=0, ms=38,
          stdout=" 16:00:05 up 3 days,  2:01,  0 users\n")
    r.end(t + 55, 1, 0, "failed", rc=127, msg="exit status 127", ms=53,
          stderr="sh: 1: uptime: not found\n")
    r.end(t + 10002, 2, 0, "unreachable",
          msg="connection refused (127.0.0.7:22)", ms=10000, sent=False)
    r.rec("host", t + 40, h=0, status="ok", changed=False, ms=38)
    r.rec("host", t + 55, h=1, status="failed", changed=False, ms=53)
    r.rec("host", t + 10002, h=2, status="unreachable", changed=False,
          ms=10000)
    r.rec("done", t + 10003, status=1, ok=1, failed=1, unreachable=1,
          skipped=0, changed=0, cancelled=0, not_run=0, halted=False)
    r.write()


def crashed():
    r = Run("crashed")
    t = T0 + 9000000                    # 17:00:05Z
    r.rec("run", t, v=1, id="20261121T170005Z-c0ffee", kind="playbook",
          playbook="/srv/lifeboat/playbooks/patch.yml",
          playbook_sha256="ab" * 32, name="patch", command=None,
          inventories=[], limit=None, vars=[], options=options(),
          hosts=[{"name": "ams-app01", "site": "ams", "os": "linux"},
                 {"name": "ams-app02", "site": "ams", "os": "linux"},
                 {"name": "ams-app03", "site": "ams", "os": "linux"}],
          steps=[{"name": "stop", "idempotent": True, "manual": False,
                  "owner": None},
                 {"name": "patch", "idempotent": False, "manual": False,
                  "owner": None}],
          waves=[[0, 1], [2]], numbers=[0, 1], gates=[], rerun_of=None,
          pid=6161,
          user="dave")
    r.rec("wave", t + 1, wave=0)
    for h in (0, 1):
        r.rec("start", t + 2, h=h, s=0)
        r.end(t + 502, h, 0, "ok", rc=0, ms=500)
    r.rec("start", t + 503, h=0, s=1)
    r.end(t + 3503, 0, 1, "changed", rc=0, ms=3000,
          stdout="patched 3 packages\n")
    r.rec("host", t + 3503, h=0, status="ok", changed=True, ms=3503)
    r.rec("start", t + 503, h=1, s=1)
    r.lines = [l.replace('"s":0}', '"s":0,"try":1}')
               .replace('"s":1}', '"s":1,"try":1}') for l in r.lines]
    r.write(torn=b'{"t":"end","at":1795280408503,"h":1,"s":1,"outc')


if __name__ == "__main__":
    playbook("playbook", PB_ID, False)
    playbook("resumed", "20261121T143005Z-3f9a1d", True)
    exec_run()
    crashed()
