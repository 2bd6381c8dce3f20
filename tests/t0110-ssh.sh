#!/usr/bin/env bash
# The SSH transport against a private OpenSSH sshd (tests/sshd.sh), through
# `lifeboat exec`: keys of each type, an encrypted key, ssh-agent, a
# password file, a key the server does not know, host keys changed (also
# hashed, also of another type), unknown and accepted, a closed port, a
# silent server, command timeouts, exit statuses, stderr, 10 MB and
# binary output, 300 hosts at once; then put and get through the C driver
# (tests/unit/test-transport-ssh.c).  No password or passphrase may appear
# in any output.
. "$(dirname "$0")/sshd.sh"
sshd_netns "$@"
. "$(dirname "$0")/lib.sh"

BUILD=${BUILD:-$TESTDIR/../build}
agent_pid=
silent_pid=

cleanup() {
	sshd_stop
	[ -z "$agent_pid" ] || kill "$agent_pid" 2>/dev/null
	[ -z "$silent_pid" ] || kill "$silent_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

sshd_setup "$T/sshd" >"$T/setup.log" 2>&1
ok "sshd set up" test -s "$T/sshd/known_hosts"
D=$T/sshd
# libssh2 1.10 signs with RSA only as ssh-rsa (SHA-1), which OpenSSH 8.8
# and later refuse unless told otherwise.
echo "PubkeyAcceptedAlgorithms +ssh-rsa" >>"$D/sshd_config"
if ! sshd_start; then
	_report 1 "sshd starts" "$(tail -n 5 "$D/sshd.log" 2>/dev/null)"
	done_testing
	exit 1
fi
P=$SSHD_PORT
U=$SSHD_USER

# No test may reach a terminal: without a controlling one, lifeboat's
# prompts fail at once instead of waiting.
# Under LeakSanitizer (make check): libssh2 1.10 leaks a bignum each time
# it reads an ECDSA private key, and the curve25519 key pair of a key
# exchange cut short by a free; nothing else may leak.  Full stacks, so
# that the suppressions can see through libcrypto and libssh2.
printf '%s\n' "leak:libssh2_userauth_publickey_frommemory" \
    "leak:libssh2_session_handshake" >"$T/lsan.supp"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"

REAL_LIFEBOAT=$LIFEBOAT
cat >"$T/lb-notty" <<EOF
#!/bin/sh
exec setsid -w "$REAL_LIFEBOAT" "\$@"
EOF
chmod +x "$T/lb-notty"
LIFEBOAT=$T/lb-notty
unset SSH_AUTH_SOCK

# Everything lifeboat printed, for the check that no secret leaks.
all_output=$T/all-output
: >"$all_output"
run() {
	lb "$@"
	printf '%s\n%s\n' "$out" "$err" >>"$all_output"
}

# jget FIELD HOST: that field of HOST's JSON line in $out.
jget() {
	printf '%s\n' "$out" | python3 -c '
import json, sys
f, h = sys.argv[1], sys.argv[2]
for l in sys.stdin:
    if not l.strip():
        continue
    o = json.loads(l)
    if o.get("host") == h:
        v = o.get(f)
        if v is None:
            print("null")
        elif isinstance(v, bool):
            print(str(v).lower())
        else:
            print(v)
' "$1" "$2"
}

fp() {	# the SHA256 fingerprint of a public key file
	ssh-keygen -lf "$1" | awk '{ print $2 }'
}

re() {	# s, quoted for an extended regex (fingerprints hold +)
	printf '%s' "$1" | sed 's/[][\\.^$*+?(){}|]/\\&/g'
}

printf '%s\n' "$SSHD_PASSWORD" >"$T/password"
printf 'not-the-password\n' >"$T/wrong-password"
chmod 600 "$T/password" "$T/wrong-password"
ssh-keygen -q -t ed25519 -N '' -C other -f "$T/other_ed25519"
ssh-keygen -q -t ecdsa -N '' -C other -f "$T/other_ecdsa"
other_key=$(cut -d' ' -f1,2 "$T/other_ed25519.pub")
echo "[127.0.0.1]:$P $other_key" >"$T/kh-changed"
echo "[127.0.0.1]:$P $(cut -d' ' -f1,2 "$T/other_ecdsa.pub")" >"$T/kh-type"
cp "$D/known_hosts" "$T/kh-hashed"
ssh-keygen -q -H -f "$T/kh-hashed" >/dev/null 2>&1
cp "$T/kh-changed" "$T/kh-hashed-changed"
ssh-keygen -q -H -f "$T/kh-hashed-changed" >/dev/null 2>&1
rm -f "$T"/kh-*.old

cat >"$T/inv.yml" <<EOF
defaults:
  transport: ssh
  user: $U
  ssh: { port: $P, identity: $D/id_ed25519, known_hosts: $D/known_hosts,
         agent: false }
hosts:
  ed:       { address: 127.0.0.1 }
  ec:       { address: 127.0.0.1, ssh: { identity: $D/id_ecdsa } }
  rsa:      { address: 127.0.0.1, ssh: { identity: $D/id_rsa } }
  locked:   { address: 127.0.0.1, ssh: { identity: $D/id_locked,
              passphrase_env: LB_TEST_PASSPHRASE } }
  stranger: { address: 127.0.0.1, ssh: { identity: $D/id_stranger } }
  viaagent: { address: 127.0.0.1, ssh: { identity: $D/id_stranger,
              agent: true } }
  pw:       { address: 127.0.0.1, ssh: { identity: $D/id_stranger,
              password_file: $T/password } }
  badpw:    { address: 127.0.0.1, ssh: { identity: $D/id_stranger,
              password_file: $T/wrong-password } }
  changed:  { address: 127.0.0.1, ssh: { known_hosts: $T/kh-changed } }
  typechg:  { address: 127.0.0.1, ssh: { known_hosts: $T/kh-type } }
  hashed:   { address: 127.0.0.1, ssh: { known_hosts: $T/kh-hashed } }
  hashchg:  { address: 127.0.0.1,
              ssh: { known_hosts: $T/kh-hashed-changed } }
  new:      { address: 127.0.0.1, ssh: { known_hosts: $T/new/known_hosts } }
  closed:   { address: 127.0.0.1, ssh: { port: 2223 } }
  silent:   { address: 127.0.0.1, ssh: { port: 2224 } }
EOF
INV=$T/inv.yml

# Keys of each type.
run -i "$INV" exec -q 'ed:ec:rsa' -- 'echo ok'
is "$rc" 0 "ed25519, ecdsa and rsa keys: exit 0"
is "$(printf '%s\n' "$out" | sort)" "ec: ok
ed: ok
rsa: ok" "ed25519, ecdsa and rsa keys: each host answers"
is "$err" "" "ed25519, ecdsa and rsa keys: nothing on stderr with -q"

# An encrypted key, its passphrase from the environment.
LB_TEST_PASSPHRASE=$SSHD_PASSPHRASE run -i "$INV" exec -q locked -- \
    'echo unlocked'
is "$rc/$out" "0/locked: unlocked" "encrypted key with passphrase_env"
unset LB_TEST_PASSPHRASE
run -i "$INV" --json exec -q locked -- 'echo unlocked'
is "$rc/$(jget error locked)" "1/auth" \
    "encrypted key without a passphrase: auth error"
like "$(jget message locked)" \
    'publickey \(id_locked: encrypted, no passphrase given\)' \
    "encrypted key without a passphrase: the message says so"
LB_TEST_PASSPHRASE=wrong-passphrase run -i "$INV" --json exec -q locked \
    -- 'echo unlocked'
is "$rc/$(jget error locked)" "1/auth" "wrong passphrase: auth error"
like "$(jget message locked)" 'publickey \(id_locked: cannot use the key; wrong passphrase\?\)' \
    "wrong passphrase: the message suggests it"
unlike "$out$err" 'wrong-passphrase' "wrong passphrase: not shown"

# A key the server does not know.
run -i "$INV" exec stranger -- 'echo no'
is "$rc" 1 "unknown key: exit 1"
is "$out" "" "unknown key: no output"
like "$err" "^lifeboat: stranger: auth: authentication as $U on 127\.0\.0\.1:$P failed; tried publickey \(id_stranger\)" \
    "unknown key: says what was tried"
run -i "$INV" --json exec -q stranger -- 'echo no'
is "$(jget status stranger)/$(jget error stranger)/$(jget rc stranger)" \
    "failed/auth/null" "unknown key: JSON status, error and rc"

# ssh-agent: the host's own key is refused; the agent's is not.
agent_out=$(ssh-agent -s -a "$T/agent.sock")
agent_pid=$(printf '%s\n' "$agent_out" | sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p')
ok "ssh-agent started" test -n "$agent_pid"
SSH_AUTH_SOCK=$T/agent.sock ssh-add -q "$D/id_ed25519" 2>/dev/null
SSH_AUTH_SOCK=$T/agent.sock run -i "$INV" exec -q 'viaagent:stranger' -- \
    'echo agent ok'
is "$out" "viaagent: agent ok" "ssh-agent: the agent's key logs in"
like "$err" '^lifeboat: stranger: auth: .*tried publickey \(id_stranger\)' \
    "ssh-agent: not asked when agent is false"
run -i "$INV" exec -q viaagent -- 'echo agent ok'
like "$err" 'tried publickey \(id_stranger\)' \
    "ssh-agent: without SSH_AUTH_SOCK no agent is tried"
kill "$agent_pid"
agent_pid=

# Passwords.
if [ "$SSHD_PASSWORD_OK" = 1 ]; then
	run -i "$INV" exec -q pw -- 'echo by password'
	is "$rc/$out" "0/pw: by password" "password from password_file"
	run -i "$INV" --json exec -q badpw -- 'echo no'
	is "$(jget error badpw)" auth "wrong password: auth error"
	like "$(jget message badpw)" 'tried publickey \(id_stranger\), password' \
	    "wrong password: password was tried"
	unlike "$out$err" 'not-the-password' "wrong password: not shown"
else
	_n=$((_n + 1)); echo "ok $_n # skip no known root password (SSHD_PASSWORD_OK=0)"
	_n=$((_n + 1)); echo "ok $_n # skip no known root password (SSHD_PASSWORD_OK=0)"
fi

# Prompts, on a terminal of their own: a pty answered each time the
# prompt appears.  The passphrase is asked once per key, whatever the
# number of hosts; --ask-pass once for the run.
cat >"$T/answer.py" <<'EOF'
import os, pty, select, sys, time
answer, prompt, argv = sys.argv[1], sys.argv[2].encode(), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out, sent, end = b"", 0, time.time() + 60
while time.time() < end:
    if fd in select.select([fd], [], [], 0.2)[0]:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
        while out.count(prompt) > sent:
            os.write(fd, answer.encode() + b"\n")
            sent += 1
status = os.waitpid(pid, 0)[1]
sys.stdout.buffer.write(out.replace(b"\r", b""))
print("\nprompts=%d rc=%d" % (sent, os.waitstatus_to_exitcode(status)))
EOF
{
	sed -n '1,/^hosts:/p' "$INV"
	for i in 1 2 3; do
		echo "  l$i: { address: 127.0.0.1, ssh: { identity: $D/id_locked } }"
	done
	echo "  askpw: { address: 127.0.0.1, ssh: { identity: $D/id_stranger } }"
} >"$T/prompt.yml"
out=$(python3 "$T/answer.py" "$SSHD_PASSPHRASE" "passphrase for" \
    "$REAL_LIFEBOAT" -i "$T/prompt.yml" exec -q 'l*' -- 'echo unlocked')
printf '%s\n' "$out" >>"$all_output"
like "$out" "^prompts=1 rc=0\$" "passphrase asked once for three hosts"
is "$(printf '%s\n' "$out" | grep -c ': unlocked$')" 3 \
    "the asked passphrase unlocks the key for each host"
like "$out" "^passphrase for $D/id_locked: " "the prompt names the key"
if [ "$SSHD_PASSWORD_OK" = 1 ]; then
	out=$(python3 "$T/answer.py" "$SSHD_PASSWORD" "Password:" \
	    "$REAL_LIFEBOAT" -i "$T/prompt.yml" exec -q --ask-pass askpw -- \
	    'echo by ask-pass')
	printf '%s\n' "$out" >>"$all_output"
	like "$out" "^prompts=1 rc=0\$" "--ask-pass: asked once"
	like "$out" "^askpw: by ask-pass" "--ask-pass: the password logs in"
else
	_n=$((_n + 1)); echo "ok $_n # skip no known root password (SSHD_PASSWORD_OK=0)"
	_n=$((_n + 1)); echo "ok $_n # skip no known root password (SSHD_PASSWORD_OK=0)"
fi

# A changed host key: never connected to, whatever the options; the other
# hosts carry on.
cp "$T/kh-changed" "$T/kh-changed.orig"
run -i "$INV" exec 'ed:changed' -- 'echo ok'
is "$rc" 1 "changed host key: exit 1"
is "$out" "ed: ok" "changed host key: the other host still answers"
like "$err" "^lifeboat: changed: hostkey-changed: HOST KEY CHANGED for \[127\.0\.0\.1\]:$P\$" \
    "changed host key: first line"
like "$err" "^lifeboat: changed: hostkey-changed: known hosts file: $T/kh-changed line 1\$" \
    "changed host key: names the file and line"
like "$err" "expected key: +ssh-ed25519 $(re "$(fp "$T/other_ed25519.pub")")\$" \
    "changed host key: the expected fingerprint"
like "$err" "presented key: ssh-ed25519 $(re "$(fp "$D/host_ed25519.pub")")\$" \
    "changed host key: the presented fingerprint"
like "$err" "someone may be intercepting, or the host was reinstalled; lifeboat will not connect until the old key is removed from $T/kh-changed\$" \
    "changed host key: says what to do"
run -i "$INV" --json exec --accept-new-host-keys 'changed' -- 'echo ok'
is "$rc/$(jget status changed)/$(jget error changed)" \
    "1/failed/hostkey-changed" \
    "changed host key: refused with --accept-new-host-keys too"
like "$(jget message changed)" "^HOST KEY CHANGED" \
    "changed host key: JSON message"
ok "changed host key: known_hosts untouched" \
    cmp "$T/kh-changed" "$T/kh-changed.orig"
run -i "$INV" --json exec -q typechg -- 'echo ok'
is "$(jget error typechg)" hostkey-changed \
    "a host that no longer offers the key type on record: changed"
run -i "$INV" exec -q hashed -- 'echo ok'
is "$rc/$out" "0/hashed: ok" "hashed known_hosts entry matches"
run -i "$INV" --json exec -q hashchg -- 'echo ok'
is "$(jget error hashchg)" hostkey-changed "hashed entry, changed key"

# An unknown host key: refused, then recorded on request, then known.
mkdir -p "$T/new"
run -i "$INV" --json exec new -- 'echo ok'
is "$rc/$(jget error new)" "1/hostkey-unknown" "unknown host key: refused"
like "$(jget message new)" "ssh-ed25519 $(re "$(fp "$D/host_ed25519.pub")") is not in $T/new/known_hosts.*--accept-new-host-keys" \
    "unknown host key: names the fingerprint and the option"
ok "unknown host key: nothing written" test ! -e "$T/new/known_hosts"
run -i "$INV" exec --accept-new-host-keys new -- 'echo ok'
is "$rc/$out" "0/new: ok" "--accept-new-host-keys: connects"
like "$err" "^lifeboat: new: note: recorded new host key $(re "$(fp "$D/host_ed25519.pub")") in $T/new/known_hosts\$" \
    "--accept-new-host-keys: says what it recorded"
is "$(cat "$T/new/known_hosts")" "[127.0.0.1]:$P $(cut -d' ' -f1,2 "$D/host_ed25519.pub")" \
    "--accept-new-host-keys: exactly one line, OpenSSH's format"
is "$(stat -c %a "$T/new/known_hosts")" 600 "new known_hosts file is 0600"
ok "OpenSSH finds the recorded key" \
    ssh-keygen -F "[127.0.0.1]:$P" -f "$T/new/known_hosts"
run -i "$INV" exec new -- 'echo ok'
is "$rc/$out" "0/new: ok" "second run: known without the option"
is "$(wc -l <"$T/new/known_hosts")" 1 "second run: nothing appended"

# A closed port; a server that never says a word.
run -i "$INV" --json exec closed -- 'echo ok'
is "$rc/$(jget status closed)/$(jget error closed)" "1/unreachable/refused" \
    "closed port: refused"
is "$(jget message closed)" "cannot connect to 127.0.0.1:2223: connection refused" \
    "closed port: message"
python3 -c 'import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 2224))
s.listen(16)
conns = []
for _ in range(60):
    s.settimeout(1)
    try:
        conns.append(s.accept()[0])
    except socket.timeout:
        pass' &
silent_pid=$!
sleep 0.3
t0=$(date +%s%N)
run -i "$INV" --json exec --connect-timeout 1 silent -- 'echo ok'
t1=$(date +%s%N)
is "$(jget error silent)" timeout "silent server: timeout"
is "$(jget message silent)" "ssh handshake with 127.0.0.1:2224 timed out after 1 s" \
    "silent server: says which step timed out"
ok "silent server: given up after about a second" \
    test $(((t1 - t0) / 1000000)) -lt 4000
kill "$silent_pid" 2>/dev/null
silent_pid=

# Exit statuses, stderr.
for code in 0 1 4 44; do
	run -i "$INV" --json exec -q ed -- "exit $code"
	is "$(jget rc ed)" "$code" "exit status $code passes through"
done
run -i "$INV" exec ed -- 'exit 44'
like "$err" '^lifeboat: ed: exit status 44$' "exit status 44 is reported"
run -i "$INV" exec -q ed -- 'echo out; echo err >&2'
is "$out" "ed: out" "stdout alone on stdout"
is "$err" "ed: err" "stderr alone on stderr"
run -i "$INV" --json exec -q ed -- 'kill -TERM $$'
is "$(jget signal ed)/$(jget rc ed)" "TERM/null" "a signal is reported, no rc"

# Much output: capped at 1 MiB, counted whole.
run -i "$INV" --json exec -q ed -- \
    'head -c 10485760 /dev/zero | tr "\0" x'
is "$(jget stdout_truncated ed)/$(jget stdout_bytes ed)" "true/10485760" \
    "10 MB of output: truncated, all bytes counted"
is "$(printf '%s\n' "$out" | python3 -c 'import json, sys
o = json.loads(sys.stdin.readline())
print(o["stdout"].count("x"))')" 1048576 "10 MB of output: 1 MiB kept"

# Binary output passes through untouched.
"$LIFEBOAT" -i "$INV" exec -q ed -- \
    "head -c 4096 /dev/urandom >'$T/random'; cat '$T/random'; echo" \
    >"$T/random.out" 2>"$T/random.err"
python3 -c 'import sys
out = open(sys.argv[1], "rb").read()
lines = out.split(b"\n")[:-1]
assert all(l.startswith(b"ed: ") for l in lines)
sys.stdout.buffer.write(b"".join(l[4:] + b"\n" for l in lines))' \
    "$T/random.out" >"$T/random.back"
printf '\n' >>"$T/random"
is "$(sha256sum <"$T/random.back")" "$(sha256sum <"$T/random")" \
    "binary output: the same bytes"
run -i "$INV" exec -q ed -- "od -An -tx1 -v '$T/random'"
is "$(printf '%s\n' "$out" | sed 's/^ed: //')" "$(od -An -tx1 -v "$T/random")" \
    "binary output: the same through od"

# Command timeout: the slow host times out, the others finish, the run
# ends in seconds.  Needs several addresses (a network namespace).
if [ "$SSHD_MANY" = 1 ]; then
	cat >"$T/many.yml" <<EOF
defaults:
  transport: ssh
  user: $U
  ssh: { port: $P, identity: $D/id_ed25519, known_hosts: $T/many_known_hosts,
         agent: false }
hosts:
EOF
	addrs=()
	for i in $(seq 1 300); do
		a=127.0.$((i / 250 + 1)).$((i % 250 + 1))
		addrs+=("$a")
		printf '  h%03d: { address: %s }\n' "$i" "$a" >>"$T/many.yml"
	done
	sshd_known_hosts "${addrs[@]}" >"$T/many_known_hosts"
	t0=$(date +%s%N)
	run -i "$T/many.yml" --json exec -t 1 'h001:h002:h003' -- \
	    'case "$SSH_CONNECTION" in *" 127.0.1.3 "*) sleep 30;; esac; echo done'
	t1=$(date +%s%N)
	is "$rc" 1 "command timeout: exit 1"
	is "$(jget status h002)/$(jget error h002)" "failed/timeout" \
	    "command timeout: the slow host"
	is "$(jget message h002)" "command timed out after 1 s" \
	    "command timeout: message"
	is "$(jget status h001)/$(jget stdout h001)/$(jget status h003)" \
	    "ok/done/ok" "command timeout: the other hosts finish"
	ok "command timeout: the run ends within seconds" \
	    test $(((t1 - t0) / 1000000)) -lt 5000

	t0=$(date +%s%N)
	lb -i "$T/many.yml" exec -f 300 'h*' -- 'echo ok' 2>"$T/many.err"
	t1=$(date +%s%N)
	is "$rc" 0 "300 hosts: exit 0"
	is "$(printf '%s\n' "$out" | grep -c ': ok$')" 300 "300 hosts: all answer"
	is "$(printf '%s\n' "$out" | cut -d: -f1 | sort -u | wc -l)" 300 \
	    "300 hosts: each once"
	echo "# 300 hosts in $(((t1 - t0) / 1000000)) ms"
else
	for i in 1 2 3 4 5 6 7 8; do
		_n=$((_n + 1)); echo "ok $_n # skip one address only (no network namespace)"
	done
fi

# put and get, and the rest, through the C driver.
if [ -x "$BUILD/tests/test-transport-ssh" ]; then
	drv=$(LB_SSHD_DIR=$D LB_SSHD_PORT=$P LB_SSHD_USER=$U \
	    LB_SSH_CONNECTS=${LB_SSH_CONNECTS:-200} CMOCKA_MESSAGE_OUTPUT=TAP \
	    timeout 300 "$BUILD/tests/test-transport-ssh" 2>&1)
	drc=$?
	printf '%s\n' "$drv" >>"$all_output"
	is "$drc" 0 "C driver: every test passes"
	[ "$drc" = 0 ] || printf '%s\n' "$drv" | grep -v '^ok' | sed 's/^/# /' 
	for t in test_put_get test_put_get_errors test_exec \
	    test_interleaved_output test_keepalive test_free_midway \
	    test_cpu_per_connection; do
		like "$drv" "^ok [0-9]+ - $t\$" "C driver: $t ran and passed"
	done
	printf '%s\n' "$drv" | grep '^# .*connections' || true
else
	_n=$((_n + 1)); echo "ok $_n # skip C driver not built (make unit-bins)"
fi

# No secret, anywhere.
unlike "$(cat "$all_output")" "$SSHD_PASSWORD" "no password in any output"
unlike "$(cat "$all_output")" "$SSHD_PASSPHRASE" \
    "no passphrase in any output"

done_testing
