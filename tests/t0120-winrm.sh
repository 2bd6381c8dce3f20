#!/usr/bin/env bash
# The WinRM transport against tests/winrm-server.py, a fake endpoint on
# 127.0.0.1.  First the endpoint itself is checked with an independent
# client (Debian's python3-winrm), then lifeboat runs the same commands
# through it over http and https, with every fault mode it offers, in a
# fleet mixed with simulated hosts.
. "$(dirname "$0")/lib.sh"

PW='S3cr3t!pw&<x>'
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 WINRM_PW="$PW"
pids=
cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

# start NAME [ARGS...]: a server; its port in $port.
start() {
	local name=$1 i
	shift
	python3 "$TESTDIR/winrm-server.py" --port-file "$T/$name.port" \
	    --password "$PW" "$@" 2>"$T/$name.log" &
	pids="$pids $!"
	for i in $(seq 50); do
		[ -s "$T/$name.port" ] && break
		sleep 0.1
	done
	port=$(cat "$T/$name.port")
}

mkdir "$T/disk"
start http --root "$T/disk"
hport=$port
start small --root "$T/disk" --envelope-kb 150
smallport=$port
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" \
    -out "$T/cert.pem" >/dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other \
    -keyout "$T/other-key.pem" -out "$T/other.pem" >/dev/null 2>&1
start https --cert "$T/cert.pem" --key "$T/key.pem"
sport=$port

ps_enc() {	# SCRIPT: the -EncodedCommand command line
	printf 'powershell -NoProfile -NonInteractive -EncodedCommand %s' \
	    "$(printf '%s' "$1" | iconv -t UTF-16LE | base64 -w0)"
}
PS_OUT=$(ps_enc "Write-Output 'it''s \"quoted\" & ünïcode ✓'
Write-Output 'line two'")
PS_ERR=$(ps_enc "Write-Output 'before'; Write-Error 'it broke'; exit 4")

# 1. The endpoint speaks WinRM as a real client sees it.  Run with the
# system's python3, where apt installs python3-winrm.
if /usr/bin/python3 -c 'import winrm' 2>/dev/null; then
	got=$(/usr/bin/python3 - "$hport" "$PW" "$PS_OUT" "$PS_ERR" <<'EOF' 2>&1
import sys, winrm
port, pw, ps_out, ps_err = sys.argv[1:]
def s(user, p=pw):
    return winrm.Session('127.0.0.1:' + port, auth=(user, p),
                         transport='plaintext')
r = s('alice').run_cmd('echo', ['hello world'])
print('echo', repr(r.std_out), r.status_code)
print('exit', s('alice').run_cmd('exit /b 3').status_code)
r = s('alice').run_cmd('nosuch')
print('nosuch', r.status_code, b'not recognized' in r.std_err)
r = s('alice').run_ps("Write-Output 'it''s ok'")
print('ps', repr(r.std_out), r.status_code)
r = s('alice').run_cmd(ps_err)
print('pserr', repr(r.std_out), r.std_err.startswith(b'#< CLIXML'),
      r.status_code)
print('big', len(s('alice').run_cmd('bigout 300000').std_out))
print('timedout', repr(s('timeout').run_cmd('echo late').std_out))
for u in ('deny', 'badcmd'):
    try:
        s(u).run_cmd('echo x')
    except winrm.exceptions.WinRMError as e:
        print(u, str(e).split(' (')[0].strip())
try:
    s('alice', 'wrong').run_cmd('echo x')
except winrm.exceptions.InvalidCredentialsError:
    print('401 ok')
EOF
)
	is "$(printf '%s\n' "$got" | grep -v '^badcmd ')" "echo b'hello world\\r\\n' 0
exit 3
nosuch 1 True
ps b\"it's ok\\r\\n\" 0
pserr b'before\\r\\n' True 4
big 300000
timedout b'late\\r\\n'
deny Access is denied.
401 ok" "pywinrm runs commands against the fake endpoint"
	like "$got" "^badcmd .*CommandId .* does not exist\. ?$" \
	    "pywinrm gets the fault message"
else
	_n=$((_n + 1)); echo "ok $_n # skip python3-winrm not installed"
	_n=$((_n + 1)); echo "ok $_n # skip python3-winrm not installed"
fi

# 2. lifeboat through the same endpoint.
inv=$T/inv.yml
cat > "$inv" <<EOF
defaults:
  transport: winrm
  os: windows
  winrm: { scheme: http, port: $hport, allow_unencrypted: true, auth: basic,
           password_env: WINRM_PW, operation_timeout: 2s }
sites:
  lab:
    hosts:
      win1: { address: 127.0.0.1, user: alice }
      win2: { address: 127.0.0.1, user: bob }
      lin1: { transport: sim, os: linux }
      lin2: { transport: sim, os: linux }
      denied: { address: 127.0.0.1, user: deny }
      quota: { address: 127.0.0.1, user: quota }
      garbage: { address: 127.0.0.1, user: garbage }
      trunc: { address: 127.0.0.1, user: truncated }
      huge: { address: 127.0.0.1, user: huge }
      slow: { address: 127.0.0.1, user: slow,
              winrm: { operation_timeout: 1s } }
      tmo: { address: 127.0.0.1, user: timeout }
      badcmd: { address: 127.0.0.1, user: badcmd }
      badpw: { address: 127.0.0.1, user: alice,
               winrm: { password_env: WRONG_PW } }
      closed: { address: 127.0.0.1, user: alice, winrm: { port: 1 } }
      tls: { address: 127.0.0.1, user: alice,
             winrm: { scheme: https, port: $sport, ca_file: $T/cert.pem,
                      allow_unencrypted: false } }
      tls-wrong: { address: 127.0.0.1, user: alice,
                   winrm: { scheme: https, port: $sport,
                            ca_file: $T/other.pem } }
      tls-skip: { address: 127.0.0.1, user: alice,
                  winrm: { scheme: https, port: $sport,
                           insecure_skip_verify: true } }
EOF
export WRONG_PW=not-it

lb -i "$inv" exec 'win1,win2,lin1,lin2' -- echo hello world
is "$rc" 0 "a mixed WinRM and sim fleet runs in one exec"
is "$(printf '%s\n' "$out" | tr -d '\r' | sort)" "lin1: hello world
lin2: hello world
win1: hello world
win2: hello world" "every host, Windows or not, answers"

lb -i "$inv" --json exec win1 -- exit /b 7
is "$rc" 1 "a non-zero exit code fails the host"
like "$out" '"rc":7' "the exit code is the host's rc"

lb -i "$inv" --json exec win1 -- nosuch
like "$out" '"stderr":"'"'"'nosuch'"'"' is not recognized' \
    "stderr comes back apart from stdout"

lb -i "$inv" exec win1 -- "$PS_OUT"
is "$rc" 0 "an encoded PowerShell script runs"
is "$(printf '%s\n' "$out" | tr -d '\r')" "win1: it's \"quoted\" & ünïcode ✓
win1: line two" "quotes, unicode and newlines survive"

lb -i "$inv" exec win1 -- "$PS_ERR"
is "$rc" 1 "Write-Error; exit 4 fails"
like "$err" "^win1: it broke$" "CLIXML on stderr is decoded into text"
like "$err" "exit status 4" "and the exit code is kept"

lb -i "$inv" --json exec win1 -- bigout 5000000
is "$rc" 0 "5 MB of output over many Receives"
got=$(printf '%s\n' "$out" | python3 -c '
import json, sys
o = json.loads(sys.stdin.readline())
print(o["stdout_bytes"], o["stdout_truncated"])')
is "$got" "5000000 True" "all of it counted, the kept part capped"

lb -i "$inv" exec tmo -- echo late
is "$rc" 0 "a Receive that times out on the server is sent again"
is "$(printf '%s' "$out" | tr -d '\r')" "tmo: late" "and the output comes"

lb -i "$inv" exec -t 1 win1 -- timeout /t 30
is "$rc" 1 "a command past its timeout fails"
like "$err" "win1: timeout: command timed out" "with a timeout error"

lb -i "$inv" exec denied -- echo x
like "$err" "denied: auth: WinRM fault w:AccessDenied \(code 5\) from 127\.0\.0\.1:$hport during create shell: Access is denied\.$" \
    "access denied is an auth error with the WSMan code and message"
lb -i "$inv" exec quota -- echo x
like "$err" "quota: protocol: WinRM fault w:QuotaLimit \(code 2150859173\).*30 concurrent shells" \
    "a quota fault (MSFT_WmiError) is readable"
lb -i "$inv" exec badcmd -- echo x
like "$err" "badcmd: protocol: WinRM fault w:InvalidSelectors \(code 2150858843\).*during receive" \
    "a fault during receive names the step"
lb -i "$inv" exec badpw -- echo x
like "$err" "badpw: auth: basic auth as alice rejected by 127\.0\.0\.1:$hport$" \
    "401 says which auth was rejected"
lb -i "$inv" exec garbage -- echo x
like "$err" "garbage: protocol: malformed response" "malformed XML fails the host"
lb -i "$inv" exec trunc -- echo x
like "$err" "trunc: protocol: truncated response" "a truncated response fails the host"
cat > "$T/plain.yml" <<EOF
hosts:
  plain: { transport: winrm, address: 127.0.0.1, user: alice,
           winrm: { scheme: http, port: $hport, auth: basic } }
EOF
lb -i "$T/plain.yml" exec plain -- echo x
is "$rc" 2 "http without allow_unencrypted is refused before anything runs"
like "$err" "uses WinRM over plain http: set winrm.allow_unencrypted" \
    "and says how to allow it"
lb -i "$inv" exec closed -- echo x
like "$err" "closed: refused: " "nothing listening is refused"

start=$(date +%s)
lb -i "$inv" --json exec 'huge,slow,win2' -- echo x
end=$(date +%s)
like "$out" '"host":"huge".*"message":"response too large from' \
    "a huge response fails the host"
like "$out" '"host":"slow".*"status":"unreachable".*no answer from' \
    "a server that never answers fails the host"
like "$out" '"host":"win2","site":"lab","status":"ok"' "the other hosts go on"
ok "the silent server costs the operation timeout and a margin" \
    test $((end - start)) -lt 15
if [ -x /usr/bin/time ]; then
	/usr/bin/time -o "$T/peak" -f %M "$LIFEBOAT" -i "$inv" exec huge \
	    -- echo x >/dev/null 2>&1
	peak=$(tail -1 "$T/peak")
	ok "memory stays bounded with a 300 MB response ($peak KB)" \
	    test "${peak:-999999}" -lt 100000
else
	_n=$((_n + 1)); echo "ok $_n # skip no /usr/bin/time"
fi

lb -i "$inv" exec tls -- echo secure
is "$(printf '%s' "$out" | tr -d '\r')" "tls: secure" "https with ca_file works"
lb -i "$inv" exec tls-wrong -- echo x
like "$err" "tls-wrong: protocol: TLS with 127\.0\.0\.1:$sport failed" \
    "a certificate from another CA fails verification"
lb -i "$inv" exec tls-skip -- echo x
is "$(printf '%s' "$out" | tr -d '\r')" "tls-skip: x" "insecure_skip_verify connects"
like "$err" "will not be verified \(winrm.insecure_skip_verify\)" \
    "and warns"

lb -i "$inv" exec win1 -- echo plain line
is "$out" "win1: plain line" "CRLF line ends print as plain lines"

lb -i "$inv" --json exec all -- echo x
unlike "$out$err" "S3cr3t" "the password never appears in the output"

# 3. put, get, stdin over many Sends and long scripts, through the C
# driver (tests/unit/test-winrm-live.c), against this server and one that
# takes 150 KiB requests only, as old Windows does.
BUILD=${BUILD:-$TESTDIR/../build}
if [ -x "$BUILD/tests/test-winrm-live" ]; then
	drv=$(LB_WINRM_PORT=$hport LB_WINRM_SMALL_PORT=$smallport \
	    LB_WINRM_ROOT=$T/disk LB_WINRM_USER=alice LB_WINRM_PW=$PW \
	    CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 \
	    "$BUILD/tests/test-winrm-live" 2>&1)
	drc=$?
	is "$drc" 0 "C driver: every test passes"
	[ "$drc" = 0 ] || printf '%s\n' "$drv" | grep -v '^ok' | sed 's/^/# /'
	for t in test_local_errors test_round_trip_small test_round_trip_big \
	    test_put_replace_and_env test_put_get_errors test_corrupt \
	    test_big_stdin test_long_script; do
		like "$drv" "^ok [0-9]+ - $t\$" "C driver: $t ran and passed"
	done
	is "$(printf '%s\n' "$drv" | grep -c '^ok ')" 11 \
	    "C driver: 11 tests, 3 of them against 150 KiB envelopes"
	unlike "$drv" "S3cr3t" "no password in the driver's output"
else
	_n=$((_n + 1)); echo "not ok $_n - $BUILD/tests/test-winrm-live is built"
fi

done_testing
