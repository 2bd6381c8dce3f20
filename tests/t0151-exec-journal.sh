#!/usr/bin/env bash
# Every lifeboat exec is a run: its id, its run directory and its journal
# (records, outputs with their SHA-256, secrets masked).  An exec over 200
# simulated hosts is killed with SIGKILL at random moments (seeded) and
# resumed until it ends: every host must end exactly once and the final
# state must equal that of an exec never interrupted.  Then hosts left
# unknown, a changed inventory, a Ctrl-C and its resume, rerun and its
# links, runs list, a journal that cannot be written, and one exec over
# a real sshd (tests/sshd.sh) whose journal holds the real output.
. "$(dirname "$0")/sshd.sh"
sshd_netns "$@"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crash.sh"

RUNS=$XDG_STATE_HOME/lifeboat/runs
KILLS=${LIFEBOAT_KILLS:-10}
cleanup() {
	sshd_stop
	umount "$T/small" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# 200 hosts in 4 sites: every tenth fails, five are unreachable.
python3 - "$T/inv.yml" <<'EOF'
import sys
sites = ["ams", "fra", "nyc", "sin"]
out = ["defaults:", "  transport: sim", "  sim:", "    latency: 20ms",
       "    commands:",
       "      - { match: 'big', stdout: \"%s\\n\" }" % ("x" * 3000),
       "sites:"]
for k, s in enumerate(sites):
    out.append(f"  {s}:")
    out.append("    hosts:")
    for i in range(50):
        n = k * 50 + i
        if n % 10 == 7:
            sim = ("sim: { commands: [ { match: '*', rc: 1, "
                   "stderr: \"it failed\\n\" } ] }")
        elif n % 40 == 13:
            sim = "sim: { unreachable: true }"
        else:
            sim = "sim: {}"
        out.append(f"      h{n:03d}: {{ os: linux, {sim} }}")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
EOF

state_of() { "$LIFEBOAT" --json runs show "$1" | python3 "$TESTDIR/journal.py" state; }
P=20000101T000000Z
# clone N ID: a run ID whose journal is the base's first N records.
clone() {
	mkdir -m 700 "$RUNS/$2"
	cp "$RUNS/$base/outputs" "$RUNS/$base/run.json" "$RUNS/$2/"
	head -n "$1" "$RUNS/$base/journal" |
	    sed "1s/\"id\":\"$base\"/\"id\":\"$2\"/" > "$RUNS/$2/journal"
}
# rec ID N: record N of a run's journal as JSON, for python3 -c.
jrec() { sed -n "$2p" "$RUNS/$1/journal"; }

# The journal of a small exec, and a secret kept out of it.
cat > "$T/small.yml" <<'EOF'
defaults:
  transport: sim
  sim: { latency: 5ms }
sites:
  ams:
    hosts:
      web01: { os: linux, vars: { api_token: CANARY-7c1d-SECRET },
               sim: { commands: [ { match: 'show*',
                 stdout: "token is CANARY-7c1d-SECRET here\n" } ] } }
      web02: { os: linux }
  fra:
    hosts:
      db01: { os: linux, sim: { commands: [ { match: '*',
                stdout: "disk full\n", stderr: "df: warning\n", rc: 3 } ] } }
      down: { sim: { unreachable: true } }
EOF
lb -i "$T/small.yml" exec 'ams,fra' -- show token
is "$rc" 1 "an exec with a failed host exits 1, as before"
id=$(run_id)
like "$err" "^lifeboat: 4 hosts: 2 ok, 1 failed, 1 unreachable in [0-9.]+ s$" \
    "the summary is as before"
is "$(echo "$err" | tail -1)" "lifeboat: run $id" \
    "the run id follows the summary"
like "$out" "^web01: token is CANARY-7c1d-SECRET here$" \
    "the terminal gets the output as the host sent it"
ok "the run has a directory" test -d "$RUNS/$id"
ok "with run.json" grep -q '"kind":"exec"' "$RUNS/$id/run.json"
python3 - "$RUNS/$id" "$T/small.yml" > "$T/check" <<'EOF'
import hashlib, json, os, sys
d, inv = sys.argv[1], sys.argv[2]
recs = [json.loads(l) for l in open(os.path.join(d, "journal"))]
outs = open(os.path.join(d, "outputs"), "rb").read()
r = recs[0]
print("run", r["t"], r["kind"], r["command"], r["limit"],
      [h["name"] for h in r["hosts"]], r["steps"], r["waves"], r["numbers"],
      r["inventories"][0]["path"] == os.path.realpath(inv),
      r["inventories"][0]["sha256"] ==
      hashlib.sha256(open(inv, "rb").read()).hexdigest(),
      r["options"]["fanout"], isinstance(r["pid"], int), "user" in r,
      "rerun_of" in r)
print("types", " ".join(x["t"] for x in recs))
for x in recs:
    if x["t"] == "end":
        name = r["hosts"][x["h"]]["name"]
        outs_ok = all(hashlib.sha256(
            outs[x[k]["off"]:x[k]["off"] + x[k]["len"]]).hexdigest() ==
            x[k]["sha256"] for k in ("stdout", "stderr") if k in x)
        text = outs[x["stdout"]["off"]:x["stdout"]["off"] +
                    x["stdout"]["len"]].decode() if "stdout" in x else ""
        print("end", name, x["s"], x["outcome"], x["rc"], x["msg"],
              x["sent"], outs_ok, repr(text))
    elif x["t"] in ("host", "done", "wave"):
        print(x["t"], " ".join(f"{k}={v}" for k, v in sorted(x.items())
                               if k not in ("t", "at", "ms")))
EOF
like "$(cat "$T/check")" "^run run exec show token ams,fra \['web01', 'web02', 'db01', 'down'\] \[\{'name': 'command', 'idempotent': False, 'manual': False\}\] \[\[0, 1, 2, 3\]\] \[1\] True True 0 True True False$" \
    "the run record: kind, command, pattern, hosts, one step, one wave, inventories with their sha256"
like "$(cat "$T/check")" "^types run wave (start |end |host )+done$" \
    "records: run, wave, starts, ends and hosts, done"
like "$(cat "$T/check")" "^end web01 0 ok 0 None True True 'token is \*\*\*\*\*\*\*\* here\\\\n'$" \
    "an ok host: rc 0, sent, its output kept with the secret masked"
like "$(cat "$T/check")" "^end db01 0 failed 3 exit status 3 True True 'disk full\\\\n'$" \
    "a failed host: rc 3 and why; stdout and stderr match their sha256"
like "$(cat "$T/check")" "^end down 0 unreachable None no route to host \(simulated\) False True ''$" \
    "an unreachable host: no rc, not sent, why"
like "$(cat "$T/check")" "^host changed=False h=2 status=failed$" "a host record for each host"
like "$(cat "$T/check")" "^done cancelled=0 changed=0 failed=1 halted=False not_run=0 ok=2 skipped=0 status=1 unreachable=1$" \
    "the done record: the exit status and the counts"
is "$(grep -c '"t":"start"' "$RUNS/$id/journal")" 3 \
    "a start record for each host reached, none for the unreachable"
is "$(grep -rl 'CANARY-7c1d-SECRET' "$RUNS/$id" | wc -l | tr -d ' ')" 0 \
    "the secret is nowhere in the run directory"
like "$(cat "$RUNS/$id/outputs")" '^token is \*\*\*\*\*\*\*\* here$' \
    "the outputs file holds the output, masked"
lb runs show "$id"
like "$out" "^run $id: exec show token, done$" "runs show: an exec run"
like "$out" "^  db01 +fra +failed +step 1 'command' failed: exit status 3$" \
    "runs show: what a host ended on"

lb -i "$T/small.yml" --json exec web02 -- hostname
id=$(run_id)
is "$(echo "$out" | python3 -c 'import json, sys; o = json.loads(sys.stdin.readline()); print(o["host"], o["stdout"].strip(), o["run"])')" \
    "web02 web02 $id" "--json: each host's object names the run"
lb -q -i "$T/small.yml" exec web02 -- true
is "$err" "" "-q: no summary, no run id"
lb -i "$T/small.yml" exec --gather 'web*' -- echo same
like "$out" "^web\[01:02\] \(2 hosts\)$" "--gather groups as before"
unlike "$out" "run " "and the run id is not in the gathered output"
like "$(echo "$err" | tail -1)" "^lifeboat: run $(run_id)$" "but on stderr at the end"

# The exec no one interrupts: what every killed one must come back to.
lb -i "$T/inv.yml" exec -f 16 all -- hostname
is "$rc" 1 "an uninterrupted exec over 200 hosts: some fail (exit 1)"
base=$(run_id)
state_of "$base" > "$T/base.state"
is "$(grep -c ' ok command=ok/0/None$' "$T/base.state")" 175 \
    "175 hosts ok, 20 failed, 5 unreachable"
like "$(cat "$T/base.state")" "^1 h017 ams failed command=failed/1/exit status 1$" \
    "h017 failed with exit status 1"
like "$(python3 "$TESTDIR/journal.py" once "$RUNS/$base")" '^200 hosts ended once$' \
    "every host ended once; outputs match their sha256"
t_full=$(python3 -c "
import json
r=[json.loads(l) for l in open('$RUNS/$base/journal')]
print(max(1,(r[-1]['at']-r[0]['at'])))")

# Kill -9 at random points, resume (sometimes killed again) until done.
same=0; once=0; status_ok=0
for i in $(seq 1 "$KILLS"); do
	crash $((i + 100)) "$t_full" -i "$T/inv.yml" exec -f 16 all -- hostname
	id=$CRASH_ID
	case $CRASH_RC in
	1|none) status_ok=$((status_ok + 1)) ;;
	*) echo "resume exit $CRASH_RC" >&2 ;;
	esac
	if state_of "$id" | diff -q - "$T/base.state" >/dev/null; then
		same=$((same + 1))
	else
		state_of "$id" | diff - "$T/base.state" | head -5 >&2
	fi
	if python3 "$TESTDIR/journal.py" once "$RUNS/$id" | grep -q 'ended once$'; then
		once=$((once + 1))
	else
		python3 "$TESTDIR/journal.py" once "$RUNS/$id" | head -5 >&2
	fi
done
is "$same" "$KILLS" "$KILLS execs killed at random points end as the uninterrupted one did"
is "$once" "$KILLS" "in each, every host has exactly one end record"
is "$status_ok" "$KILLS" "in each, the last resume exits 1, as the exec would (some hosts failed)"

# Killed at exact points: the finished journal cut after record N (and
# in the middle of the next), then resumed.
full=$RUNS/$base/journal
nrec=$(wc -l < "$full")
exact=0; tries=0
for n in 1 2 3 $((nrec / 4)) $((nrec / 2)) $((nrec - 2)) $((nrec - 1)); do
	tries=$((tries + 1))
	id=$P-cut-$n
	clone "$n" "$id"
	[ $((n % 2)) = 1 ] && sed -n "$((n + 1))p" "$full" | head -c 30 \
	    >> "$RUNS/$id/journal"
	"$LIFEBOAT" resume "$id" --rerun-unknown -q >/dev/null 2>&1
	if state_of "$id" | diff -q - "$T/base.state" >/dev/null &&
	    python3 "$TESTDIR/journal.py" once "$RUNS/$id" | grep -q 'ended once$'; then
		exact=$((exact + 1))
	else
		echo "cut after $n:" >&2
		state_of "$id" | diff - "$T/base.state" | head -5 >&2
	fi
done
is "$exact" "$tries" "a journal cut after any record resumes to the same end"

# Started and not ended, without --rerun-unknown: unknown, not run again.
n=$(grep -n '"t":"start"' "$full" | sed -n 20p | cut -d: -f1)
h=$(jrec "$base" "$n" | python3 -c 'import json,sys; print(json.load(sys.stdin)["h"])')
hname=$(printf 'h%03d' "$h")
id=$P-unknown
clone "$n" "$id"
lb resume "$id"
is "$rc" 1 "resume with hosts cut short: exit 1"
like "$err" "^  $hname: the command started and did not end$" \
    "resume names a host cut short"
like "$err" 'marked unknown \(--rerun-unknown runs it there again\)' \
    "and says it is marked unknown"
is "$(grep -Ec "\"h\":$h,\"s\":0[,}]" "$RUNS/$id/journal")" 2 \
    "that host has its start and one end (unknown), and was not run again"
lb runs show "$id"
like "$out" "^  $hname +[a-z]+ +unknown +step 1 'command' unknown: it started and did not end" \
    "runs show: the host is unknown"
like "$(python3 "$TESTDIR/journal.py" once "$RUNS/$id")" '^200 hosts ended once$' \
    "every host has one end"
ok "the hosts never started were run" test "$(grep -c ' ok command=ok' \
    <(state_of "$id"))" -gt 100
lb resume "$id"
is "$rc" 2 "a second resume of an exec that ended: exit 2"
like "$err" "has ended \(status 1\): nothing to resume" "it says why"

# A changed inventory: refused unless --force.
id=$P-changed
clone 40 "$id"
cp "$T/inv.yml" "$T/inv.orig"
printf '# a comment\n' >> "$T/inv.yml"
lb resume "$id" --rerun-unknown
is "$rc" 2 "an inventory changed since the exec: exit 2"
like "$err" "the inventory $T/inv.yml changed since run $id started: give --force" \
    "it names the inventory and --force"
lb resume "$id" --rerun-unknown --force -q
is "$rc" 1 "--force carries on"
cp "$T/inv.orig" "$T/inv.yml"
is "$(state_of "$id" | diff - "$T/base.state" | wc -l | tr -d ' ')" 0 \
    "and ends as the uninterrupted exec"
ok "the journal records the resume and its options" \
    grep -q '"t":"resume",.*"force":true,"rerun_unknown":true' \
    "$RUNS/$id/journal"

# Ctrl-C: the hosts never started end cancelled, and the exec is over.
"$LIFEBOAT" -i "$T/inv.yml" exec -f 4 'h00*:!h007' -- sleep 1 >/dev/null \
    2>"$T/e" &
pid=$!
sleep 0.6
kill -INT "$pid"
wait "$pid"
is "$?" 130 "Ctrl-C exits 130, as before"
id=$(run_id)
like "$(cat "$T/e")" "^lifeboat: run $id$" "an interrupted exec gives its run id"
lb --json runs show "$id"
is "$(echo "$out" | python3 -c 'import json,sys; d = json.load(sys.stdin); print(d["status"], d["tally"]["ok"], d["tally"]["cancelled"])')" \
    "130 4 5" "the hosts at work finish, the five never started are cancelled"
like "$(python3 "$TESTDIR/journal.py" once "$RUNS/$id")" '^9 hosts ended once$' \
    "each with one end record"
lb resume "$id"
is "$rc" 2 "an interrupted exec has ended: resume refuses (exit 2)"
# Killed right after the Ctrl-C, before its done record: resume runs
# the hosts cancelled before they started, and only them.
id2=$P-ctrl-c
mkdir -m 700 "$RUNS/$id2"
cp "$RUNS/$id/outputs" "$RUNS/$id2/"
grep -v '"t":"done"' "$RUNS/$id/journal" |
    sed "1s/\"id\":\"$id\"/\"id\":\"$id2\"/" > "$RUNS/$id2/journal"
lb resume "$id2" -q
is "$rc" 0 "resume runs the cancelled hosts"
is "$(state_of "$id2" | grep -c ' ok command=ok/0/None$')" 9 \
    "and all nine end ok"
is "$(grep -c '"t":"start"' "$RUNS/$id2/journal")" 9 \
    "the four done before are not run again"

# rerun: exactly the failed hosts, linked both ways.
lb rerun "$base" --failed --check
is "$rc" 0 "rerun --check: exit 0"
like "$out" "^exec on 20 hosts: " "it says what it would run"
like "$out" "nothing was run" "and runs nothing"
lb rerun "$base" --failed
is "$rc" 1 "rerun --failed of an exec: they fail again (exit 1)"
new=$(run_id)
like "$(echo "$err" | tail -1)" "^lifeboat: run $new$" "the rerun has its own id"
like "$err" "^lifeboat: 20 hosts: 0 ok, 20 failed" "over the 20 failed hosts"
"$LIFEBOAT" --json runs show "$new" > "$T/new.json"
is "$(python3 -c "
import json; d=json.load(open('$T/new.json'))
print(d['kind'], ' '.join(sorted(h['host'] for w in d['waves'] for h in w['hosts'])))")" \
    "exec $(awk '$4 == "failed" { print $2 }' "$T/base.state" | sort | tr '\n' ' ' | sed 's/ $//')" \
    "rerun --failed runs exactly the hosts that failed"
like "$(head -1 "$RUNS/$new/journal")" "\"command\":\"hostname\"" \
    "the same command"
like "$(head -1 "$RUNS/$new/journal")" "\"rerun_of\":\"$base\"" \
    "the new journal names the first run"
like "$(tail -1 "$RUNS/$base/journal")" "\"t\":\"rerun\",.*\"id\":\"$new\"" \
    "the first journal names the rerun"
lb runs show "$base"
like "$out" "^rerun as $new$" "runs show gives the link"
lb rerun "$base" --unreachable -q
is "$rc" 1 "rerun --unreachable: the five are unreachable again"

# runs list shows the exec runs.
lb runs
like "$out" "^$base +done +[-0-9T:Z]+ +200 +175 +20 +5 +hostname$" \
    "runs list: an exec run with its counts and command"
lb --json runs
is "$(echo "$out" | python3 -c "
import json,sys; print([r['kind'] for r in json.load(sys.stdin) if r['id'] == '$base'][0])")" \
    exec "runs list --json: kind exec"

# LIFEBOAT_JOURNAL=off: a run directory and no journal.
ls "$RUNS" | sort > "$T/before"
LIFEBOAT_JOURNAL=off lb -i "$T/small.yml" exec web02 -- true
is "$rc" 0 "an exec with LIFEBOAT_JOURNAL=off works"
new=$(ls "$RUNS" | sort | comm -13 "$T/before" -)
ok "it has a run directory and no journal" \
    test -n "$new" -a -d "$RUNS/$new" -a ! -e "$RUNS/$new/journal"

# A run directory that cannot be made: nothing runs, exit 1.
XDG_STATE_HOME=$T/small.yml lb -i "$T/small.yml" exec web02 -- true
is "$rc" 1 "no run directory: exit 1"
like "$err" "^lifeboat: exec: " "it says why"
unlike "$out" "web02" "and runs nothing"

# A journal that cannot be written mid-way (a full disk): no more hosts
# start, and it says so.  Root only, in the test's own mount namespace.
mkdir "$T/small"
if [ "${LB_NETNS:-}" = 1 ] &&
    mount -t tmpfs -o size=200k tmpfs "$T/small" 2>/dev/null; then
	XDG_STATE_HOME=$T/small lb -i "$T/inv.yml" exec -f 8 all -- big
	is "$rc" 1 "a full disk under the journal: exit 1"
	like "$err" "cannot write .*/journal: No space left on device: starting no more hosts" \
	    "it says the journal cannot be written"
	like "$err" "[0-9]+ cancelled" "and the hosts not started are cancelled"
else
	for k in 1 2 3; do
		_n=$((_n + 1))
		echo "ok $_n # skip a full disk needs root and a mount namespace"
	done
fi

# One exec over a real sshd: the journal holds what the host sent.
sshd_setup "$T/sshd" >"$T/setup.log" 2>&1
D=$T/sshd
if ! sshd_start; then
	_report 1 "sshd starts" "$(tail -n 5 "$D/sshd.log" 2>/dev/null)"
	done_testing
	exit 1
fi
cat >"$T/ssh.yml" <<EOF
defaults:
  transport: ssh
  user: $SSHD_USER
  ssh: { port: $SSHD_PORT, identity: $D/id_ed25519,
         known_hosts: $D/known_hosts, agent: false }
hosts:
  real: { address: 127.0.0.1, os: linux }
EOF
unset SSH_AUTH_SOCK
printf '%s\n' "leak:libssh2_userauth_publickey_frommemory" \
    "leak:libssh2_session_handshake" >"$T/lsan.supp"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp:print_suppressions=0"
lb -i "$T/ssh.yml" exec real -- \
    'echo "real $(id -un) $((6 * 7))"; echo to-stderr >&2; exit 4' </dev/null
is "$rc" 1 "an exec over ssh that exits 4: exit 1"
like "$out" "^real: real $SSHD_USER 42$" "its output, as before"
id=$(run_id)
python3 - "$RUNS/$id" > "$T/ssh.check" <<'EOF'
import hashlib, json, os, sys
d = sys.argv[1]
recs = [json.loads(l) for l in open(os.path.join(d, "journal"))]
outs = open(os.path.join(d, "outputs"), "rb").read()
for x in recs:
    if x["t"] == "end":
        o, e = x["stdout"], x["stderr"]
        so = outs[o["off"]:o["off"] + o["len"]]
        se = outs[e["off"]:e["off"] + e["len"]]
        print(x["outcome"], x["rc"], x["sent"], repr(so.decode()),
              repr(se.decode()),
              hashlib.sha256(so).hexdigest() == o["sha256"],
              hashlib.sha256(se).hexdigest() == e["sha256"])
EOF
is "$(cat "$T/ssh.check")" \
    "failed 4 True 'real $SSHD_USER 42\\n' 'to-stderr\\n' True True" \
    "the journal holds the real output, rc 4, its digests"

done_testing
