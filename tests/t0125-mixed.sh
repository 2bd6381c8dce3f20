#!/usr/bin/env bash
# One `lifeboat exec` over a fleet that mixes all three transports: Linux
# hosts over SSH (a private OpenSSH sshd, tests/sshd.sh), Windows hosts
# over WinRM (tests/winrm-server.py) and simulated hosts, with a failing
# host of each real kind, in one pass of one event loop.
. "$(dirname "$0")/sshd.sh"
sshd_netns "$@"
. "$(dirname "$0")/lib.sh"

PW='m1xed-Fleet-pw'
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 WINRM_PW="$PW"
wpid=
cleanup() {
	sshd_stop
	[ -z "$wpid" ] || kill "$wpid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

sshd_setup "$T/sshd" >"$T/setup.log" 2>&1
D=$T/sshd
if ! sshd_start; then
	_report 1 "sshd starts" "$(tail -n 5 "$D/sshd.log" 2>/dev/null)"
	done_testing
	exit 1
fi
ok "sshd starts" test -n "$SSHD_PORT"

python3 "$TESTDIR/winrm-server.py" --port-file "$T/winrm.port" \
    --password "$PW" 2>"$T/winrm.log" &
wpid=$!
for i in $(seq 50); do
	[ -s "$T/winrm.port" ] && break
	sleep 0.1
done
wport=$(cat "$T/winrm.port")
ok "the WinRM endpoint starts" test -n "$wport"

cat >"$T/inv.yml" <<EOF
defaults:
  user: $SSHD_USER
  ssh: { port: $SSHD_PORT, identity: $D/id_ed25519,
         known_hosts: $D/known_hosts, agent: false }
  winrm: { scheme: http, port: $wport, allow_unencrypted: true,
           auth: basic, password_env: WINRM_PW }
sites:
  ams:
    hosts:
      lin1: { os: linux, address: 127.0.0.1 }
      lin2: { os: linux, address: 127.0.0.1 }
      win1: { os: windows, address: 127.0.0.1, user: alice }
      win2: { os: windows, address: 127.0.0.1, user: bob }
      sim1: { os: linux, transport: sim }
  fra:
    hosts:
      lin3: { os: linux, address: 127.0.0.1 }
      win3: { os: windows, address: 127.0.0.1, user: carol }
      lin-closed: { os: linux, address: 127.0.0.1, ssh: { port: 1 } }
      win-denied: { os: windows, address: 127.0.0.1, user: deny }
EOF

lb -i "$T/inv.yml" --json exec all -- echo mixed fleet
is "$rc" 1 "one exec over the mixed fleet: two hosts fail, so 1"
got=$(printf '%s\n' "$out" | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    print(o["host"], o["status"], o.get("error") or "-",
          repr(o["stdout"]))' | sort)
is "$got" "lin-closed unreachable refused ''
lin1 ok - 'mixed fleet\\n'
lin2 ok - 'mixed fleet\\n'
lin3 ok - 'mixed fleet\\n'
sim1 ok - 'mixed fleet\\n'
win-denied failed auth ''
win1 ok - 'mixed fleet\\r\\n'
win2 ok - 'mixed fleet\\r\\n'
win3 ok - 'mixed fleet\\r\\n'" \
    "every host answers over its own transport, each failure its own"

lb -i "$T/inv.yml" exec 'all:!lin-closed:!win-denied' -- echo mixed fleet
is "$rc" 0 "the healthy hosts all succeed"
is "$(printf '%s\n' "$out" | sort)" "lin1: mixed fleet
lin2: mixed fleet
lin3: mixed fleet
sim1: mixed fleet
win1: mixed fleet
win2: mixed fleet
win3: mixed fleet" "Windows lines print like the others"

lb -i "$T/inv.yml" exec lin1 -- printf 'x\\r\\n'
is "$(printf '%s' "$out" | od -An -c | tr -s ' ')" " l i n 1 : x \\r" \
    "a Linux host's CR is its own: only Windows lines lose it"

lb -i "$T/inv.yml" exec --gather all -- echo mixed fleet
like "$out" "^lin\[1:3\],sim1,win\[1:3\] \(7 hosts\)" \
    "--gather puts Windows and Linux with the same output in one group"

lb -i "$T/inv.yml" exec 'all:!sim1' -- echo x
like "$err" "lin-closed: refused: cannot connect to 127\.0\.0\.1:1" \
    "the closed SSH port is reported"
like "$err" "win-denied: auth: WinRM fault w:AccessDenied" \
    "the denied WinRM user is reported"
unlike "$out$err" "$PW" "the WinRM password never appears"

done_testing
