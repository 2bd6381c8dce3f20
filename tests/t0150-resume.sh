#!/usr/bin/env bash
# The run journal and lifeboat resume: a run of 200 simulated hosts is
# killed with SIGKILL at random moments (seeded, so a failure can be
# replayed) and resumed until it ends; every host-step must end exactly
# once and the final state must equal that of a run never interrupted.
# Then crashes at exact points (the journal cut at record boundaries and
# mid-record), torn and damaged journals, unknown steps, changed inputs,
# a run in progress, rerun and its links, and secrets kept out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crash.sh"

export LIFEBOAT_PLUGIN_PATH="${BUILD:-$TESTDIR/../build}/plugins"
RUNS=$XDG_STATE_HOME/lifeboat/runs
KILLS=${LIFEBOAT_KILLS:-10}

python3 - "$T/inv.yml" <<'EOF'
import sys
sites = ["ams", "fra", "nyc", "sin"]
out = ["defaults:", "  transport: sim", "  sim:", "    latency: 15ms",
       "    commands:",
       "      - { match: '*two ?h??7?*', rc: 1, stderr: \"two failed\\n\" }",
       "sites:"]
for k, s in enumerate(sites):
    out.append(f"  {s}:")
    out.append("    hosts:")
    for i in range(50):
        n = k * 50 + i
        out.append(f"      h{n:03d}: {{ os: linux, tier: {n % 3} }}")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
EOF

cat > "$T/pb.yml" <<'EOF'
name: crash-test
kind: exercise
targets: all
rollout:
  canary: 4
  waves: [10%, 50%, 100%]
  max_fail: 50%
  max_unreachable: 50%
steps:
  - name: one
    shell: echo one {{ host.name }}
    register: one
    idempotent: true
  - name: two
    shell: echo two {{ host.name }}
  - name: three
    assert:
      that: [ "one.rc == 0" ]
  - name: four
    shell: echo four
    idempotent: true
EOF

# Made-up runs below are dated 2000, so that run_id (the latest) is
# never one of them.
P=20000101T000000Z
# clone N ID: a run ID whose journal is the uninterrupted one's first N
# records: the state a crash right after record N leaves.
clone() {
	mkdir -m 700 "$RUNS/$2"
	cp "$RUNS/$base/outputs" "$RUNS/$base/run.json" "$RUNS/$2/"
	head -n "$1" "$RUNS/$base/journal" |
	    sed "1s/\"id\":\"$base\"/\"id\":\"$2\"/" > "$RUNS/$2/journal"
}
state_of() { "$LIFEBOAT" runs show --json "$1" | python3 "$TESTDIR/journal.py" state; }

# The run no one interrupts: what every crashed run must come back to.
lb -i "$T/inv.yml" run "$T/pb.yml" -f 16 -q
is "$rc" 1 "an uninterrupted run: some hosts fail (exit 1)"
base=$(run_id)
state_of "$base" > "$T/base.state"
like "$(cat "$T/base.state")" '^[0-9] h017 ams failed one=ok/0/None two=failed/1/rc 1: two failed three=None/None/None' \
    "the uninterrupted run: h017 fails at step two"
is "$(grep -c ' ok one=ok' "$T/base.state")" 180 "180 hosts ok, 20 failed"
"$LIFEBOAT" runs show --json "$base" > "$T/base.json"
like "$(python3 "$TESTDIR/journal.py" once "$RUNS/$base" "$T/base.json")" \
    '^[0-9]+ host-steps ended once$' \
    "the uninterrupted journal has one end per host-step"
t_full=$(python3 -c "
import json
r=[json.loads(l) for l in open('$RUNS/$base/journal')]
print(max(1,(r[-1]['at']-r[0]['at'])))")

# Kill -9 at random points, resume (sometimes killed again) until done.
same=0; once=0; status_ok=0
for i in $(seq 1 "$KILLS"); do
	crash "$i" "$t_full" -i "$T/inv.yml" run "$T/pb.yml" -f 16 -q
	id=$CRASH_ID
	# The resume that ends the run exits as the run would have: 1,
	# some hosts failed.
	case $CRASH_RC in
	1|none) status_ok=$((status_ok + 1)) ;;
	*) echo "resume exit $CRASH_RC" >&2 ;;
	esac
	if state_of "$id" | diff -q - "$T/base.state" >/dev/null; then
		same=$((same + 1))
	else
		state_of "$id" | diff - "$T/base.state" | head -5 >&2
	fi
	"$LIFEBOAT" runs show --json "$id" > "$T/final.json"
	if python3 "$TESTDIR/journal.py" once "$RUNS/$id" "$T/final.json" |
	    grep -q 'host-steps ended once$'; then
		once=$((once + 1))
	else
		python3 "$TESTDIR/journal.py" once "$RUNS/$id" "$T/final.json" |
		    head -5 >&2
	fi
done
is "$same" "$KILLS" "$KILLS runs killed at random points end as the uninterrupted run did"
is "$once" "$KILLS" "in each, every host-step ended exactly once"
is "$status_ok" "$KILLS" "in each, the last resume exits 1, as the run would (some hosts failed)"

# Crashes at exact points: the finished journal cut after record N
# (and mid-record), then resumed.
full=$RUNS/$base/journal
nrec=$(wc -l < "$full")
exact=0; tries=0
for n in 1 2 5 9 $((nrec / 4)) $((nrec / 2)) $((nrec * 3 / 4)) $((nrec - 2)); do
	tries=$((tries + 1))
	id=$P-cut-$n
	clone "$n" "$id"
	# Half of them torn in the middle of the next record.
	[ $((n % 2)) = 1 ] && sed -n "$((n + 1))p" "$full" | head -c 40 \
	    >> "$RUNS/$id/journal"
	"$LIFEBOAT" resume "$id" --rerun-unknown -q >/dev/null 2>"$T/cut.err"
	if state_of "$id" | diff -q - "$T/base.state" >/dev/null; then
		exact=$((exact + 1))
	else
		echo "cut after $n:" >&2
		state_of "$id" | diff - "$T/base.state" | head -5 >&2
	fi
done
is "$exact" "$tries" "a journal cut after any record resumes to the same end"

# A torn last record: reported, left out, kept aside.
clone 30 $P-torn
good=$(wc -c < "$RUNS/$P-torn/journal")
printf '{"t":"end","at":17952' >> "$RUNS/$P-torn/journal"
lb resume $P-torn --rerun-unknown
like "$err" "journal: 21 bytes after the last whole record \(line 31\) are torn and left out" \
    "a torn last record is reported, not fatal"
is "$(cat "$RUNS/$P-torn/journal.torn-$good")" '{"t":"end","at":17952' \
    "the torn bytes are kept aside in journal.torn-OFFSET"
is "$(state_of $P-torn | diff - "$T/base.state" | wc -l | tr -d ' ')" 0 \
    "and the run ends as the uninterrupted one"

# A step cut short without --rerun-unknown: marked unknown, not rerun.
n=$(grep -n '"t":"start".*"s":1}' "$full" | head -1 | cut -d: -f1)
id=$P-unknown-1
clone "$n" "$id"
h=$(sed -n "${n}p" "$full" | python3 -c 'import json,sys; print(json.load(sys.stdin)["h"])')
hname=$(python3 -c "import json; print(json.loads(open('$full').readline())['hosts'][$h]['name'])")
lb resume "$id"
is "$rc" 1 "resume with a step cut short: exit 1"
like "$err" "^  $hname: step 'two' started and did not end$" \
    "resume names the host-step cut short"
like "$err" 'marked unknown \(--rerun-unknown runs them again\)' \
    "and says it is marked unknown"
lb runs show "$id"
like "$out" "^  $hname +[a-z]+ +unknown +step 2 'two' unknown" \
    "runs show: the host is unknown at step two"
is "$(grep -Ec "\"h\":$h,\"s\":1[,}]" "$RUNS/$id/journal")" 2 \
    "its step two has a start and one end (unknown), no rerun"
lb resume "$id"
is "$rc" 2 "a second resume of a run that ended: exit 2"
like "$err" "has ended \(status 1\): nothing to resume" "it says why"

# An idempotent step cut short is run again without asking.
n=$(grep -n '"t":"start".*"s":0}' "$full" | sed -n 3p | cut -d: -f1)
id=$P-idem-1
clone "$n" "$id"
lb resume "$id" -q
is "$(state_of "$id" | diff - "$T/base.state" | wc -l | tr -d ' ')" 0 \
    "an idempotent step cut short is rerun: the end equals the uninterrupted run"
unlike "$err" 'unknown' "and nothing is unknown"

# Damage in the middle of a journal: one clear line, nothing written.
id=$P-damaged
clone 20 "$id"
sed -i '7s/"outcome"/"outc\x01ome"/' "$RUNS/$id/journal"
sum=$(sha256sum < "$RUNS/$id/journal")
lb resume "$id"
is "$rc" 2 "a damaged journal: exit 2"
like "$err" "^lifeboat: resume: $RUNS/$id/journal:7:[0-9]+: " \
    "the error names the journal, line and column"
is "$(echo "$err" | wc -l | tr -d ' ')" 1 "in one line"
is "$(sha256sum < "$RUNS/$id/journal")" "$sum" "the journal is untouched"
lb runs show "$id"
is "$rc" 2 "runs show of a damaged journal: exit 2"
mkdir -m 700 "$RUNS/$P-empty"
: > "$RUNS/$P-empty/journal"
lb runs show $P-empty
like "$err" 'journal: the journal is empty' "an empty journal is an error"
lb runs
like "$out" "^$P-damaged +unreadable +7:[0-9]+: " "runs list flags an unreadable journal and goes on"
like "$out" "^$base +done +" "and lists the others"

# Changed inputs: refused unless --force.
n=$(grep -n '"t":"wave"' "$full" | sed -n 2p | cut -d: -f1)
id=$P-changed
clone "$n" "$id"
cp "$T/pb.yml" "$T/pb.orig"
printf '# a comment\n' >> "$T/pb.yml"
lb resume "$id"
is "$rc" 2 "a playbook changed since the run: exit 2"
like "$err" "the playbook $T/pb.yml changed since run $id started: give --force" \
    "it names the playbook and --force"
lb resume "$id" --force -q
is "$rc" 1 "--force carries on"
cp "$T/pb.orig" "$T/pb.yml"
is "$(state_of "$id" | diff - "$T/base.state" | wc -l | tr -d ' ')" 0 \
    "and ends as the uninterrupted run"

# A run in progress cannot be resumed, or rerun, from elsewhere.
cat > "$T/slow.yml" <<'EOF'
name: slow
kind: exercise
targets: h000
steps:
  - name: wait
    pause: 3s
EOF
"$LIFEBOAT" -i "$T/inv.yml" run "$T/slow.yml" -q >/dev/null 2>&1 &
pid=$!
for k in $(seq 1 50); do
	id=$(run_id)
	grep -q '"name":"slow"' "$RUNS/$id/journal" 2>/dev/null &&
	    grep -q '"t":"wave"' "$RUNS/$id/journal" && break
	sleep 0.1
done
lb resume "$id"
is "$rc" 2 "resume of a run in progress: exit 2"
like "$err" "run $id is in progress \(pid $pid\)" "it names the process"
lb runs
like "$out" "^$id +running " "runs list shows it running"
kill -9 "$pid"; wait "$pid" 2>/dev/null
lb runs
like "$out" "^$id +interrupted " "killed, it shows as interrupted"

# rerun: exactly the failed hosts, linked both ways.
lb rerun "$base" --failed --yes --json
is "$rc" 3 "rerun --failed: the canary fails again and the rerun halts (exit 3)"
new=$(echo "$out" | head -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"])')
like "$(echo "$out" | head -1)" "\"rerun_of\":\"$base\"" "the run event names the first run"
is "$("$LIFEBOAT" runs show --json last | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" \
    "$new" "'last' is the rerun, the run begun last"
"$LIFEBOAT" runs show --json "$new" > "$T/new.json"
is "$(python3 -c "
import json; d=json.load(open('$T/new.json'))
print(' '.join(sorted(h['host'] for w in d['waves'] for h in w['hosts'])))")" \
    "$(awk '$4 == "failed" { print $2 }' "$T/base.state" | sort | tr '\n' ' ' | sed 's/ $//')" \
    "rerun --failed runs exactly the hosts that failed"
like "$(head -1 "$RUNS/$new/journal")" "\"rerun_of\":\"$base\"" "the new journal names the first run"
like "$(tail -1 "$RUNS/$base/journal")" "\"t\":\"rerun\",.*\"id\":\"$new\"" "the first journal names the rerun"
lb runs show "$base"
like "$out" "^rerun as $new$" "runs show gives the link"
lb rerun "$base" --unreachable
is "$rc" 0 "rerun --unreachable with none: exit 0"
like "$err" 'no host of run .* ended that way' "it says there is nothing to rerun"
lb rerun "$base"
is "$rc" 2 "rerun without which hosts: exit 2"

# Secrets stay out of the run directory; outputs keep the rest.
cat > "$T/sec.yml" <<'EOF'
defaults:
  transport: sim
  sim:
    commands:
      - { match: '*echo token*', stdout: "token is CANARY-9f3e-SECRET here\n" }
sites:
  ams:
    hosts:
      s1: { os: linux, vars: { api_token: CANARY-9f3e-SECRET } }
EOF
cat > "$T/sec-pb.yml" <<'EOF'
name: secret
kind: exercise
targets: all
steps:
  - name: show
    shell: echo token {{ api_token }}
    expect: { rc: 1 }
EOF
lb -i "$T/sec.yml" run "$T/sec-pb.yml" -v
id=$(run_id)
is "$(grep -rl 'CANARY-9f3e-SECRET' "$RUNS/$id" | wc -l | tr -d ' ')" 0 \
    "the secret is nowhere in the run directory"
unlike "$out$err" 'CANARY-9f3e-SECRET' "nor on the terminal"
like "$(cat "$RUNS/$id/outputs")" '^token is \*\*\*\*\*\*\*\* here$' \
    "the output is kept, the secret masked"

# Killed while waiting for a sign-off, and at a gate between waves: the
# resumed run waits again, and goes on when signed.
cat > "$T/gate.yml" <<'EOF'
name: gated
kind: mirp
targets: h000,h001,h002
rollout:
  canary: 1
  pause: manual
steps:
  - name: declare
    manual: { owner: incident-lead, text: Declare the incident. }
  - name: work
    shell: echo working
EOF
wait_for_record() {	# RUN PATTERN: until the journal has it (10 s)
	for k in $(seq 1 100); do
		grep -q "$2" "$RUNS/$1/journal" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
"$LIFEBOAT" -i "$T/inv.yml" run "$T/gate.yml" -q >/dev/null 2>&1 &
pid=$!
sleep 0.5
id=$(run_id)
ok "the run starts its canary" wait_for_record "$id" '"t":"wave"'
kill -9 "$pid"; wait "$pid" 2>/dev/null
"$LIFEBOAT" resume "$id" -q >"$T/r1.out" 2>&1 &
pid=$!
sleep 0.5
lb signoff "$id" declare --by alice
is "$rc" 0 "signed off to the resumed run"
ok "the canary ends and the gate waits" wait_for_record "$id" '"t":"pause"'
kill -9 "$pid"; wait "$pid" 2>/dev/null
"$LIFEBOAT" resume "$id" -q >"$T/r2.out" 2>&1 &
pid=$!
sleep 1
lb runs show "$id"
like "$out" '^  h001 +ams +pending' "at the gate, wave 1's hosts are pending"
lb signoff "$id" 'wave 1' --by bob
is "$rc" 0 "the gate signed off"
for k in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"
is "$?" 0 "the twice-resumed run ends ok"
lb runs show --json "$id"
is "$(echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(h["state"] for w in d["waves"] for h in w["hosts"]))')" \
    "ok ok ok" "every host ok"
is "$(grep -c '"t":"signoff"' "$RUNS/$id/journal")" 2 \
    "the journal holds each sign-off once"
is "$(grep -c '"t":"end","at":[0-9]*,"h":0,"s":0,' "$RUNS/$id/journal")" 1 \
    "the canary's manual step ended once"

# LIFEBOAT_JOURNAL=off (to measure its cost) writes none.
ls "$RUNS" | sort > "$T/before"
LIFEBOAT_JOURNAL=off lb -i "$T/inv.yml" run "$T/slow.yml" -q
is "$rc" 0 "a run with LIFEBOAT_JOURNAL=off works"
new=$(ls "$RUNS" | sort | comm -13 "$T/before" -)
ok "it has a run directory" test -n "$new" -a -d "$RUNS/$new"
ok "and no journal" test ! -e "$RUNS/$new/journal"

done_testing
