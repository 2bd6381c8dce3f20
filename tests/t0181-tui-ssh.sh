#!/usr/bin/env bash
# lifeboat tui in a real terminal (tmux) against a private OpenSSH sshd
# (tests/sshd.sh): a playbook started from the TUI, its canary and wave
# watched across a sign-off gate, a real shell's output and a real
# failure in the Host view, files written on a real disk, and the report
# on the screen the same as lifeboat report's.  The simulated fleet and
# everything else: t0180-tui.sh.
. "$(dirname "$0")/sshd.sh"
sshd_netns "$@"
. "$(dirname "$0")/lib.sh"

export LIFEBOAT_PLUGIN_PATH="${BUILD:-$TESTDIR/../build}/plugins"
export USER=tui-tester
DATA=$TESTDIR/data/tui
cleanup() {
	sshd_stop
	rm -rf "$T"
}
trap cleanup EXIT
. "$TESTDIR/tmux.sh"
tmux_require
. "$DATA/screen.sh"

sshd_setup "$T/sshd" >"$T/setup.log" 2>&1
D=$T/sshd
if ! sshd_start; then
	_report 1 "sshd starts" "$(tail -n 5 "$D/sshd.log" 2>/dev/null)"
	done_testing
	exit 1
fi
ok "sshd starts" test -n "$SSHD_PORT"
unset SSH_AUTH_SOCK
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp"
export LSAN_OPTIONS="$LSAN_OPTIONS:print_suppressions=0"
printf '%s\n' "leak:libssh2_userauth_publickey_frommemory" \
    "leak:libssh2_session_handshake" >"$T/lsan.supp"

cat >"$T/inv.yml" <<EOF
defaults:
  user: $SSHD_USER
  os: linux
  ssh: { port: $SSHD_PORT, identity: $D/id_ed25519,
         known_hosts: $D/known_hosts, agent: false }
sites:
  ams:
    hosts:
      web1: { address: 127.0.0.1, tier: 0 }
      web2: { address: 127.0.0.1, tier: 1 }
  fra:
    hosts:
      db1: { address: 127.0.0.1, tier: 1 }
EOF
mkdir -p "$T/out"
cat >"$T/ssh.yml" <<EOF
name: over-ssh
kind: exercise
targets: all
vars: { out: $T/out }
rollout:
  canary: 1
  waves: [100%]
  order: tier
  pause: manual
  max_fail: 100%
steps:
  - name: who
    shell: echo on {{ host.name }} as "\$(id -un)", "\$(uname -s)"
  - name: mark
    shell: echo marked >{{ out }}/{{ host.name }}
  - name: not db1
    shell: test {{ host.name }} != db1
EOF
RUNS=$XDG_STATE_HOME/lifeboat/runs
me=$(id -un)
sys=$(uname -s)

tmux_start 100 30 "$LIFEBOAT" -i "$T/inv.yml" tui "$T/ssh.yml"
sees "the plan" 'nothing was run (--check)'
if [ "$_failed" != 0 ]; then
	"$LIFEBOAT" -i "$T/inv.yml" run "$T/ssh.yml" --check 2>&1 |
	    sed 's/^/# /'
	done_testing
	exit 1
fi
like "$(tmux_capture)" '^wave 0 \(canary\): 1 host: web1$' "the canary is web1"
tmux_keys s
sees "the start dialog" 'over-ssh on 3 hosts in 2 waves'
tmux_keys y
sees "the canary runs over SSH; the gate of wave 1 waits" \
    "waiting for the sign-off of 'wave 1'"
id=$(run_id)
is "$(row 1)" "run $id: over-ssh on 3 hosts" "the Run view names the run"
like "$(row 3)" '^. canary +█+ 1/1  1 ok  0 failed  0 unreachable$' \
    "the canary: done, ok"
like "$(row 4)" '^  wave 1 +░+ 0/2  0 ok .*\(not started\)$' "wave 1 to come"
ok "the canary wrote its file" test -f "$T/out/web1"
ok "and only the canary" test ! -e "$T/out/web2"

tmux_keys 3 Enter
sees "the gate's sign-off dialog" "Sign off 'wave 1'"
tmux_keys Enter
tmux_keys 2
sees "wave 1 runs, the run ends" 'done (status 1): r for the report'
like "$(row 4)" '^. wave 1 +█+ 2/2  1 ok  1 failed  0 unreachable$' \
    "wave 1: done, one failure"
tmux_keys j
sees "the hosts of wave 1" 'hosts of wave 1, failures first'
like "$(row 6)" "^✗ db1 +FAILED +step 'not db1': rc 1$" \
    "the failed host first"
like "$(row 7)" '^✓ web2 +ok ' "then the other"
ok "wave 1 wrote its files" test -f "$T/out/web2" -a -f "$T/out/db1"
like "$(row 28)" "\\| run $id ended [0-9:]{8} \\| ✓2 ok ✗1 FAILED" \
    "the status bar: ended, the counts"

tmux_keys Tab Enter
sees "Enter: the Host view of db1" 'Host db1'
scr=$(tmux_capture)
like "$scr" '^address +127\.0\.0\.1$' "its address"
like "$scr" '^transport +ssh$' "its transport"
like "$scr" "^run $id, playbook over-ssh: failed$" "the host in the run"
like "$scr" '^   1\. who +ok +rc 0 ' "a step's outcome"
like "$scr" "^       on db1 as $me, $sys$" "and what the real shell printed"
like "$scr" "^   3\\. not db1 +failed +rc 1 " "the real failure, its exit code"
tmux_keys Escape
tmux_wait 'hosts of wave 1' "$W"
tmux_keys :
tmux_type 'host web1'
tmux_keys Enter
sees "the Host view of web1" 'Host web1'
like "$(tmux_capture)" "^       on web1 as $me, $sys$" "web1's own output"
like "$(tmux_capture)" '^   3\. not db1 +ok +rc 0 ' "and its last step ok"

tmux_keys r
sees "r: the report" "lifeboat report: run $id"
got=$(pager_text 27)
want=$("$LIFEBOAT" report last | cut -c1-100 | sed 's/ *$//')
is "$got" "$want" "the report on the screen is lifeboat report last's"
like "$want" "^db1 \\(fra, linux, wave 1\\): failed" "(it has the failure)"
lb runs
like "$out" "^$id +done +[0-9TZ:-]+ +3 +2 +1 +0 +over-ssh$" \
    "lifeboat runs: the TUI's run, done"

tmux_keys Q
tmux_wait_dead "$W"
is "$(tmux_status)" 1 "the TUI exits with the run's status (a host failed)"
# The pane may be dead before tmux has read the last of its output.
tmux_wait 'done with failures (status 1)' "$W"
like "$(tmux_capture -J)" "^run $id: done with failures \\(status 1\\)" \
    "and says how the run ended"
is "$(pane '#{alternate_on}')" 0 "the normal screen"

done_testing
