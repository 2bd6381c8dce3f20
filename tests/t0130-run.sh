#!/usr/bin/env bash
# lifeboat run and lifeboat signoff over the simulated transport: the
# plan (--check), waves and halting (a failing canary, max_fail at its
# exact threshold), when and register, errors before anything runs, the
# JSON events, sign-offs from another process, and the shipped playbooks
# end to end.  Against a real sshd: t0131-run-ssh.sh.
. "$(dirname "$0")/lib.sh"

export LIFEBOAT_PLUGIN_PATH="${BUILD:-$TESTDIR/../build}/plugins"
PB=$TESTDIR/../playbooks

inv=$T/sim.yml
cat > "$inv" <<'EOF'
defaults:
  transport: sim
  sim:
    latency: 5ms
    commands:
      - { match: '*C-00000291*lb-file*', stdout: "lb-file match C:\\d\\C-00000291-1.sys\r\nlb-file removed C:\\d\\C-00000291-1.sys\r\nlb-file matched 1\r\nlb-file remaining 0\r\n" }
      - { match: '*Write-Output "remaining: *', stdout: "remaining: 0\r\n" }
      - { match: '*lb-service*', stdout: "lb-service before running\nlb-service after running\n" }
      - { match: 'ls -1 *', stdout: "nightly.tar.gz\n" }
sites:
  ams:
    hosts:
      a1: { os: linux, tier: 1 }
      a2: { os: linux, tier: 0 }
      a3: { os: linux, tier: 2 }
      w1: { os: windows, tier: 0 }
      w2: { os: windows, tier: 1, sim: { boot_loop: { up: 2s, every: 8s } } }
  fra:
    hosts:
      bad: { os: linux, tier: 3, sim: { fail_rate: 1 } }
      f1: { os: linux, tier: 0 }
      f2: { os: linux, tier: 1 }
      f3: { os: linux, tier: 2 }
      down: { os: linux, tier: 3, sim: { unreachable: true } }
EOF

runs() { ls "$XDG_STATE_HOME/lifeboat/runs" 2>/dev/null | wc -l; }

# --check: the plan, what runs where; nothing runs, no run directory.
lb -i "$TESTDIR/../inventory/demo.yml" run "$PB/remediate-bad-driver-file.yml" --check
is "$rc" 0 "--check exits 0"
like "$out" '^rollout: 8 hosts in 4 waves$' "--check: hosts and waves"
like "$out" '^wave 0 \(canary\): 2 hosts: ams-dc01,fra-dc01$' \
    "--check: the canary, spread over sites, tier 0 first"
like "$out" '^halt: more than 5% failed, more than 30% unreachable$' \
    "--check: what halts the run"
like "$out" "^  2\. remove the bad files: file on 8 hosts, needs confirmation$" \
    "--check: each step, where it runs, confirm"
like "$out" "when removed.changed == true, failure ignored" \
    "--check: when and on_failure"
like "$out" '^nothing was run \(--check\)$' "--check says nothing ran"
is "$(runs)" 0 "--check makes no run directory"

# A failing canary halts the run before its first wave.
cat > "$T/canary.yml" <<'EOF'
name: canary
kind: exercise
targets: 'bad,f1,f2,f3'
rollout: { canary: 1, waves: [2] }
steps:
  - name: work
    shell: echo working
EOF
lb -i "$inv" run "$T/canary.yml" -l 'bad,f1,f2' --json
is "$rc" 3 "a failed canary halts: exit 3"
is "$(printf '%s\n' "$out" | grep -c '"event":"wave_start"')" 1 \
    "no wave after the canary starts"
like "$out" '"event":"halt","run":"[^"]+","reason":"1 of 1 canary host failed[^"]*","not_run":2' \
    "the halt event says why, and how many hosts never ran"
like "$out" '"event":"step","run":"[^"]+","host":"bad","step":"work","index":1,"outcome":"failed","rc":1' \
    "the canary's failure is a step event"
like "$out" '"event":"done".*"halted":true,"status":3' "the done event"
lb -i "$inv" run "$T/canary.yml"
like "$out" '^HALTED: 1 of 1 canary host failed; 3 hosts not run$' \
    "text: HALTED and why"
like "$out" '^canary +1 +0 +0 +1 +0 +0$' "text: the summary table"

# max_fail counts the whole run: 1 failure goes on, the 2nd halts.
cat > "$T/budget.yml" <<'EOF'
name: budget
kind: exercise
targets: 'fra:ams:!down:!w2:!w1:!bad'
rollout: { waves: [2], max_fail: 1 }
steps:
  - name: work
    shell: 'true'
    when: not (host.name in ['a2', 'a3'])
  - name: fail some
    shell: exit 1
    when: host.name in ['a2', 'a3']
EOF
lb -i "$inv" run "$T/budget.yml" --json
is "$rc" 3 "max_fail 1: the second failure halts"
is "$(printf '%s\n' "$out" | grep -c '"event":"wave_start"')" 2 \
    "halted after the wave with the second failure, not before"
like "$out" '"reason":"2 of 4 hosts failed, more than max_fail 1"' \
    "the budget is of the run so far"
sed -i 's/max_fail: 1/max_fail: 2/' "$T/budget.yml"
lb -i "$inv" run "$T/budget.yml" --json
is "$rc" 1 "max_fail 2: two failures go on; exit 1"
is "$(printf '%s\n' "$out" | grep -c '"event":"wave_start"')" 3 \
    "every wave ran"
like "$out" '"event":"step","run":"[^"]+","host":"a1","step":"fail some","index":2,"outcome":"skipped"' \
    "a false when skips the step"

# register, when on a result, -e over the playbook's vars.  (The sim's
# echo prints its words as given, quotes and all.)
cat > "$T/reg.yml" <<'EOF'
name: reg
kind: audit
targets: a1
vars: { word: playbook }
steps:
  - name: say
    shell: echo {{ word }}
    register: said
  - name: only if the word came from -e
    shell: 'true'
    when: said.stdout =~ 'cli'
  - name: check
    assert:
      that: said.rc == 0 and said.stdout == "'cli word'\n"
      msg: 'said {{ said.stdout }}'
EOF
lb -i "$inv" run "$T/reg.yml" -e 'word=cli word' -v
is "$rc" 0 "register and when: exit 0"
like "$out" "^a1: step 'only if the word came from -e': ok" \
    "a when on a registered result, true"
lb -i "$inv" run "$T/reg.yml" -v
is "$rc" 1 "the assert fails without -e"
like "$out" "^a1: step 'only if the word came from -e': skipped" \
    "a when on a registered result, false"
like "$out" "^a1: step 'check': failed: said 'playbook'$" \
    "an assert's msg, with the result in it"

# Errors before anything runs: file:line:column, the step, exit 2.
cat > "$T/undef.yml" <<'EOF'
name: undef
kind: audit
targets: all
steps:
  - name: uses a variable
    shell: echo {{ nobody_sets_this }}
EOF
lb -i "$inv" run "$T/undef.yml"
is "$rc" 2 "an undefined variable: exit 2"
like "$err" "undef\.yml:6:17: error: step 'uses a variable': undefined variable 'nobody_sets_this'" \
    "an undefined variable at file:line:column"
cat > "$T/cmdvar.yml" <<'EOF'
name: cmdvar
kind: audit
targets: w1
vars: { x: y }
steps:
  - name: cmd
    shell: echo {{ x }}
EOF
lb -i "$inv" run "$T/cmdvar.yml"
is "$rc" 2 "a shell step with a variable and a Windows host: exit 2"
like "$err" "cmdvar\.yml:7:5: error: step 'cmd': shell with \{\{ \}\} would go to cmd.exe on 1 Windows host" \
    "cmd.exe never gets a variable"
lb -i "$inv" run "$PB/remediate-bad-driver-file.yml" --plugin-path "$T"
is "$rc" 2 "a plugin not on the path: exit 2"
like "$err" "remediate-bad-driver-file\.yml:[0-9]+:5: error: step 'remove the bad files': no plugin 'file' on the plugin path" \
    "a missing plugin, where it is used"
cat > "$T/badarg.yml" <<'EOF'
name: badarg
kind: audit
targets: a1
steps:
  - name: look
    file: { path: /x, stat: absent }
EOF
lb -i "$inv" run "$T/badarg.yml"
like "$err" "badarg\.yml:6:23: error: step 'look': file: unknown argument 'stat'.*did you mean 'state'" \
    "a plugin's unknown argument at its place"
before=$(runs)
lb -i "$inv" run "$PB/remediate-bad-driver-file.yml" </dev/null
is "$rc" 2 "a confirm step without --yes and no terminal: exit 2"
like "$err" "step 'remove the bad files' changes hosts and is marked confirm: run again with --yes" \
    "and says so"
is "$(runs)" "$before" "a run refused makes no run directory"
lb -i "$inv" run "$T/reg.yml" -l nosuchhost
is "$rc" 2 "-l that matches nothing: exit 2"

# A variable the inventory marks secret reaches the command, but never a
# message.
cat > "$T/secret-inv.yml" <<'EOF'
defaults:
  transport: sim
  sim:
    latency: 5ms
    commands:
      - { match: "echo 'Canary-Pw-7731'", stdout: "sent\n" }
hosts:
  s1: { os: linux, vars: { db_password: Canary-Pw-7731 } }
EOF
cat > "$T/secret.yml" <<'EOF'
name: secret
kind: audit
targets: all
steps:
  - name: use it
    shell: echo {{ db_password }}
    register: used
  - name: tell
    assert:
      that: used.stdout == 'nothing'
      msg: 'got {{ used.stdout }} with {{ db_password }}'
EOF
lb -i "$T/secret-inv.yml" run "$T/secret.yml" -v
like "$out" "^s1: step 'use it': ok" "the secret went into the command"
like "$out" "^s1: step 'tell': failed: got sent with \*\*\*\*\*\*\*\*$" \
    "and is redacted in the message"
unlike "$out$err" "Canary-Pw-7731" "it appears nowhere in the output"

# The shipped remediation, canary only: strike a boot-looping host, the
# plugin removes the file, the check proves it, reboot, back.
lb -i "$inv" run "$PB/remediate-bad-driver-file.yml" --yes -l 'w1,w2' -v
is "$rc" 0 "remediation on the canary: exit 0"
like "$out" "^w2: step 'catch the host while it is up': ok: up after" \
    "the strike catches the boot-looping host"
like "$out" "^w1: step 'remove the bad files': changed" "the file plugin removed"
like "$out" "^w2: step 'prove they are gone': ok" "and proved it"
like "$out" "^w1: step 'reboot into the fixed system': ok: back after" \
    "the reboot, and back"
like "$out" '^canary +2 +2 +2 +0 +0 +0$' "both canary hosts changed"

# The shipped triage, by site.  With seed 1, w2 is down when the run
# starts: refused first, it is up 6 s later.
lb -i "$inv" run "$PB/triage-reachability.yml" -l 'ams:f1:bad' --seed 1
is "$rc" 1 "triage: a boot loop is a failure: exit 1"
like "$out" "^w2: step 'not in a boot loop': failed: rebooting" \
    "triage finds the boot loop"
like "$out" '^ams +5 +4 +0 +1 +0 +0$' "triage: the ams row"
like "$out" '^fra +2 +2 +0 +0 +0 +0$' \
    "triage: the fra row (bad's failed uptime is let go)"
like "$out" "^bad: step 'read the uptime': failed: rc 1" \
    "but shown"

# Sign-offs: the MIRP checklist, signed from another process.
signoff_wait() {	# FILE STEP: waits (10 s at most) for the wait line
	local i
	for i in $(seq 100); do
		grep -q "waiting for sign-off of step '$2'" "$1" && return 0
		sleep 0.1
	done
	return 1
}
# Bounded: a run that waits for a sign-off that never comes is killed.
timeout 120 "$LIFEBOAT" -i "$inv" run "$PB/mirp-major-incident.yml" -l 'a1,f1' \
    >"$T/mirp.out" 2>"$T/mirp.err" &
mirp=$!
ok "mirp waits for 'declare'" signoff_wait "$T/mirp.out" declare
id=$(sed -n 's/^run \([^:]*\): .*/\1/p' "$T/mirp.out")
like "$(cat "$T/mirp.out")" "lifeboat signoff $id 'declare' --by NAME" \
    "the wait says how to sign off"
lb signoff "$id" declar --by alice
is "$rc" 2 "signing off an unknown step: exit 2"
like "$err" "has no manual step 'declar' \(did you mean 'declare'\?\)" \
    "with a suggestion"
lb signoff nosuchrun declare --by alice
is "$rc" 2 "an unknown run: exit 2"
signed=0
for s in declare 'assemble the bridge' notify contain recover communicate \
    review; do
	signoff_wait "$T/mirp.out" "$s" || break
	lb signoff "$id" "$s" --by "alice o'neil"
	[ "$rc" = 0 ] || break
	signed=$((signed + 1))
done
is "$signed" 7 "every step waited for, and was signed off"
wait "$mirp"
is "$?" 0 "the checklist run ends: exit 0"
like "$(cat "$T/mirp.out")" "^signed off: step 'review' by alice o'neil at [0-9-]+T" \
    "each sign-off, with who and when"
like "$(cat "$T/mirp.out")" '^total +2 +2 +0 +0 +0 +0$' "both hosts went through"
is "$(grep -c '"by":"alice o' "$XDG_STATE_HOME/lifeboat/runs/$id/signoffs")" \
    7 "the run directory keeps the seven sign-offs"

lb signoff "$id" declare --by mallory
is "$rc" 2 "a step is signed off once"
like "$err" "step 'declare' of run $id was signed off already, by alice o'neil at [0-9-]+T" \
    "and says by whom and when"

# A run that is gone: the sign-off is kept (a resumed run reads it), and
# the signer is told nothing waits for it.
timeout 120 "$LIFEBOAT" -i "$inv" run "$PB/mirp-major-incident.yml" -l a1 \
    >"$T/gone.out" 2>&1 &
gone=$!
ok "a second checklist waits" signoff_wait "$T/gone.out" declare
gid=$(sed -n 's/^run \([^:]*\): .*/\1/p' "$T/gone.out")
# lifeboat itself, not timeout: timeout would send it a second TERM
# through the process group, which may land after the run has ended.
pkill -TERM -P "$gone"
wait "$gone"
is "$?" 130 "interrupted while waiting for a sign-off: exit 130"
lb signoff "$gid" declare --by alice
is "$rc" 0 "signing off a run that is gone still records it"
like "$err" "warning: run $gid is not running .* nothing waits for it now" \
    "with a warning"

# The BCP checklist, with a plugin check and the JSON events.
timeout 120 "$LIFEBOAT" -i "$inv" --json run "$PB/bcp-site-failover.yml" -l 'f1' \
    -e backup_dir=/srv/backup >"$T/bcp.out" 2>"$T/bcp.err" &
bcp=$!
jwait() {	# STEP
	local i
	for i in $(seq 100); do
		grep -q "\"event\":\"signoff_wait\".*\"step\":\"$1\"" \
		    "$T/bcp.out" && return 0
		sleep 0.1
	done
	return 1
}
ok "bcp waits (JSON)" jwait 'declare the site lost'
id=$(sed -n 's/.*"event":"run","run":"\([^"]*\)".*/\1/p' "$T/bcp.out")
signed=0
for s in 'declare the site lost' 'switch traffic' 'verify from outside' \
    'stand down'; do
	jwait "$s" || break
	lb signoff "$id" "$s" --by bob
	[ "$rc" = 0 ] || break
	signed=$((signed + 1))
done
is "$signed" 4 "the BCP's four manual steps signed off"
wait "$bcp"
is "$?" 0 "the BCP run ends: exit 0"
like "$(cat "$T/bcp.out")" '"step":"service runs on the standby","index":3,"outcome":"ok"' \
    "the service plugin's check"
like "$(cat "$T/bcp.out")" '"step":"backups are there","index":5,"outcome":"ok"' \
    "the backup check"
like "$(cat "$T/bcp.out")" '"event":"done".*"ok":1,"failed":0' "the done event"
ok "every line is JSON" python3 -c '
import json, sys
for l in open(sys.argv[1]):
    json.loads(l)' "$T/bcp.out"

done_testing
