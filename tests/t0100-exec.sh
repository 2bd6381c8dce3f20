#!/usr/bin/env bash
# lifeboat exec over the simulated transport: output formats, exit
# statuses, usage errors, timeouts, truncation, the progress line and
# Ctrl-C.  The SSH side is in t0110-ssh.sh.
. "$(dirname "$0")/lib.sh"

inv=$T/sim.yml
cat > "$inv" <<'EOF'
defaults:
  transport: sim
  sim: { latency: 5ms, jitter: 3ms }
sites:
  ams:
    hosts:
      web01: {}
      web02: {}
      web03: {}
  fra:
    hosts:
      db01: { sim: { commands: [ { match: 'check*', stdout: "disk full\n", stderr: "df: warning\n", rc: 3 } ] } }
      down: { sim: { unreachable: true } }
      slow: { sim: { commands: [ { match: '*', stdout: "late\n", delay: 30s } ] } }
      chatty: { sim: { commands: [ { match: '*', stdout: "0123456789abcdefghij\nmore\n" } ] } }
EOF

# Plain lines, stdout and stderr apart, a summary on stderr.
lb -i "$inv" exec 'ams' -- echo hello world
is "$rc" 0 "all hosts ok exits 0"
is "$(printf '%s\n' "$out" | sort)" "$(printf 'web01: hello world\nweb02: hello world\nweb03: hello world')" \
    "each host's line is 'host: line'"
like "$err" "^lifeboat: 3 hosts: 3 ok, 0 failed, 0 unreachable in [0-9.]+ s$" \
    "the summary counts the hosts"

lb -i "$inv" exec db01 -- check disk
is "$rc" 1 "a failed host exits 1"
is "$out" "db01: disk full" "stdout of a failed host is shown"
like "$err" "^db01: df: warning$" "its stderr goes to stderr"
like "$err" "^lifeboat: db01: exit status 3$" "the exit status is said"

lb -q -i "$inv" exec down -- true
is "$rc" 1 "an unreachable host exits 1"
like "$err" "^lifeboat: down: unreachable: no route to host" \
    "an unreachable host says why"
unlike "$err" "hosts:" "-q leaves out the summary"

# Options before and after the pattern; the command's own options stay.
lb -i "$inv" exec web01 -f 2 -- echo -n x
is "$out" "web01: -n x" "options after the pattern, -- keeps the command's"

# --json: one object per host per line.
lb -i "$inv" --json exec 'db01,web01,down' -- check x
is "$rc" 1 "--json run with failures exits 1"
is "$(printf '%s\n' "$out" | wc -l)" 3 "one JSON line per host"
got=$(printf '%s\n' "$out" | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    print(o["host"], o["site"], o["status"], o["rc"], repr(o["stdout"]),
          repr(o["stderr"]), o["error"], o["stdout_bytes"],
          o["stdout_truncated"], o["attempts"],
          isinstance(o["duration_ms"], int))
' | sort)
is "$got" "db01 fra failed 3 'disk full\\n' 'df: warning\\n' None 10 False 1 True
down fra unreachable None '' '' unreachable 0 False 1 True
web01 ams ok 0 '' '' None 0 False 1 True" "--json fields per host"

# --gather: identical results grouped, names folded into ranges.
lb -i "$inv" exec --gather 'ams,db01' -- echo same
is "$out" "----------------
db01,web[01:03] (4 hosts)
----------------
same" "--gather groups identical output and folds names"
lb -i "$inv" exec --gather 'ams,db01' -- check it
like "$out" "^db01 \\[exit 3\\]$" "--gather marks a failed group"
like "$out" "^-- stderr --$" "--gather shows stderr apart"

# Output is capped; the cut is said.
lb -i "$inv" exec --max-output 8 chatty -- x
is "$out" "chatty: 01234567
chatty: [truncated: 26 bytes in all, the first 8 shown]" \
    "--max-output cuts the stream and says so"
lb -i "$inv" --json exec --max-output 8 chatty -- x
like "$out" '"stdout":"01234567\\n\[truncated: 26 bytes in all, the first 8 shown\]\\n","stdout_truncated":true,"stdout_bytes":26' \
    "--json marks the cut"

# Command timeout: the slow host fails, the others do not wait for it.
start=$(date +%s)
lb -i "$inv" exec -t 1 'slow,web01' -- echo done
end=$(date +%s)
is "$rc" 1 "a timed-out host exits 1"
like "$err" "^lifeboat: slow: timeout: command timed out after 1 s" \
    "the timeout is said"
like "$out" "^web01: " "other hosts finish"
ok "the run ends soon after the timeout" test $((end - start)) -lt 10

# Usage errors exit 2 and run nothing.
lb -i "$inv" exec web01
is "$rc" 2 "no command exits 2"
like "$err" "a command is needed" "no command says so"
lb -i "$inv" exec nosuch -- true
is "$rc" 2 "a pattern that matches nothing exits 2"
like "$err" "pattern 'nosuch' matches no host" "and says so"
lb -i "$inv" exec -f 0 web01 -- true
is "$rc" 2 "-f 0 exits 2"
like "$err" "-f: '0' is not a number from 1 to 65536" "-f 0 says the range"
lb -i "$inv" exec -t soon web01 -- true
is "$rc" 2 "a bad duration exits 2"
lb -i "$inv" --json exec --gather web01 -- true
is "$rc" 2 "--json with --gather exits 2"
lb -i "$inv" exec --fanuot 3 web01 -- true
like "$err" "did you mean '--fanout'" "a mistyped option gets a suggestion"
lb exec --help
is "$rc" 0 "exec --help exits 0"
like "$out" "--per-site N" "exec --help lists the options"

# The progress line appears on a terminal only.
if command -v script >/dev/null; then
	TERM=xterm script -qec "'$LIFEBOAT' -i '$inv' exec -t 1 'ams,slow' -- x" \
	    /dev/null > "$T/tty" 2>&1
	like "$(tr '\r' '\n' < "$T/tty")" '\[[0-9]+/4\] [0-9]+ ok, 0 failed, 0 unreachable, [0-9]+ running  [0-9.]+ hosts/s' \
	    "a terminal gets a progress line"
fi
lb -i "$inv" exec ams -- true
unlike "$err" "hosts/s" "no progress line when stderr is not a terminal"

# Ctrl-C: no new hosts start, the ones at work finish, exit 130.
{
	echo "defaults: { transport: sim, sim: { latency: 1ms } }"
	echo "hosts:"
	for i in $(seq 1 40); do echo "  h$i: {}"; done
} > "$T/many.yml"
"$LIFEBOAT" -i "$T/many.yml" exec -f 4 all -- sleep 1 >"$T/o" 2>"$T/e" &
pid=$!
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
is "$rc" 130 "Ctrl-C exits 130"
like "$(cat "$T/e")" "interrupted: starting no more hosts; waiting for the 4 at work" \
    "the first Ctrl-C says what happens next"
like "$(cat "$T/e")" "40 hosts: 4 ok, 0 failed, 0 unreachable, 36 cancelled" \
    "the hosts at work finish, the rest never start"

# A second Ctrl-C stops the hosts at work at once.
"$LIFEBOAT" -i "$T/many.yml" exec -f 4 all -- sleep 30 >"$T/o" 2>"$T/e" &
pid=$!
sleep 0.3
kill -INT "$pid"
sleep 0.2
kill -INT "$pid"
start=$(date +%s)
wait "$pid"
rc=$?
end=$(date +%s)
is "$rc" 130 "a second Ctrl-C exits 130"
ok "a second Ctrl-C stops at once" test $((end - start)) -lt 3
like "$(cat "$T/e")" "0 ok, 0 failed, 0 unreachable, 40 cancelled" \
    "the dropped hosts count as cancelled"

done_testing
