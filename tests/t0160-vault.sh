#!/usr/bin/env bash
# The key vault against the real age 1.1: vaults lifeboat writes (with
# a passphrase, and to two X25519 recipients from age-keygen) open with
# `age -d` (the passphrase typed on a pseudo-terminal, as age reads it
# only from one) and with each identity; files made by `age -r` and
# `age -p` open in lifeboat; a wrong passphrase, a truncated or
# tampered file is named as such and never overwritten; the file is
# 0600 in a 0700 directory; eight writers at once lose nothing; a held
# lock makes a writer give up in time; and no recovery password ever
# lands in a file under $T but the vault itself.
. "$(dirname "$0")/lib.sh"

VT=${BUILD:?}/tests/vault-tool
export LIFEBOAT_VAULT_WORK_FACTOR=10
if ! command -v age >/dev/null || ! command -v age-keygen >/dev/null ||
    [ ! -x "$VT" ]; then
	echo "1..0 # SKIP needs age, age-keygen and $VT"
	exit 0
fi

V=$XDG_DATA_HOME/lifeboat/vault.age
CANARIES=()

# A valid recovery password (8 groups of 6 digits, each 11 times a
# 16-bit number), remembered as a canary.
newpw() {
	local i g s=
	for i in 1 2 3 4 5 6 7 8; do
		g=$(( ((RANDOM << 1) ^ RANDOM) % 65536 * 11 ))
		s=$s${s:+-}$(printf '%06d' "$g")
	done
	CANARIES+=("$s")
	pw=$s
}

# A record as a JSON line: ID HOST SITE PASSWORD FETCHED
rec() {
	printf '{"id":"%s","host":"%s","site":"%s","volume":"C:",' "$1" "$2" "$3"
	printf '"password":"%s","source":"ad","created":"2024-07-19T04:09:00Z",' "$4"
	printf '"fetched":%s}\n' "$5"
}

# vt ARGS...: runs vault-tool; sets $out, $err and $rc.
vt() {
	out=$("$VT" "$@" 2>"$T/.err")
	rc=$?
	err=$(cat "$T/.err")
}

# agepty PASSFILE age ARGS...: runs age with stdin and stdout as they
# are, its terminal a pseudo-terminal on which the passphrase is typed
# at each prompt.  Exits as age does (124 when it hangs).
agepty() {
	python3 -c '
import fcntl, os, pty, select, subprocess, sys, termios, time
pw = open(sys.argv[1]).read().split("\n")[0].encode()
m, s = pty.openpty()
def ctty():
	os.setsid()
	fcntl.ioctl(s, termios.TIOCSCTTY, 0)
p = subprocess.Popen(sys.argv[2:], stderr=s, preexec_fn=ctty, pass_fds=(s,))
seen, end = b"", time.time() + 60
while p.poll() is None and time.time() < end:
	r, _, _ = select.select([m], [], [], 0.1)
	if m in r:
		seen += os.read(m, 4096)
		if b"passphrase" in seen and seen.rstrip().endswith(b":"):
			os.write(m, pw + b"\n")
			seen = b""
if p.poll() is None:
	p.kill()
	sys.exit(124)
sys.stderr.write(seen.decode(errors="replace"))
sys.exit(p.returncode)' "$@"
}

# keys_of: the "id host password" of each record of a vault's JSON.
keys_of() {
	python3 -c 'import json, sys
d = json.load(sys.stdin)
assert d["lifeboat_vault"] == 1
for k in d["keys"]:
	print(k["id"], k["host"], k["password"])'
}

printf 'pass phrase for t0160\n' >"$T/pass"
printf 'not the pass phrase\n' >"$T/wrong"
export LIFEBOAT_VAULT_PASSPHRASE_FILE=$T/pass

# A vault with a passphrase.
newpw; p1=$pw
newpw; p2=$pw
newpw; p3=$pw
recs=$(rec 1A2B3C4D-0000-1111-2222-333344445555 ams-ws017 ams "$p1" 1721370612
rec 2B3C4D5E-0000-1111-2222-333344445555 ams-ws018 ams "$p2" 1721370612
rec 3C4D5E6F-0000-1111-2222-333344445555 fra-ws001 fra "$p3" 1721370612)
out=$(printf '%s\n' "$recs" | "$VT" put "$V" 2>"$T/.err"); rc=$?
is "$rc" 0 "put: three records saved"
is "$out" "3 new, 0 updated, 0 older, 0 same" "put: three new"
is "$(stat -c %a "$V")" 600 "the vault is 0600"
is "$(stat -c %a "$(dirname "$V")")" 700 "its directory is made 0700"
like "$(sed -n 2p "$V")" '^-> scrypt [A-Za-z0-9+/]{22} 10$' \
    "one scrypt stanza, work factor from LIFEBOAT_VAULT_WORK_FACTOR"

plain=$(agepty "$T/pass" age -d "$V" 2>"$T/age.err" </dev/null); rc=$?
is "$rc" 0 "age -d opens the vault with the passphrase"
is "$(printf '%s\n' "$plain" | keys_of)" \
    "1A2B3C4D-0000-1111-2222-333344445555 ams-ws017 $p1
2B3C4D5E-0000-1111-2222-333344445555 ams-ws018 $p2
3C4D5E6F-0000-1111-2222-333344445555 fra-ws001 $p3" \
    "age -d: the records, as written"
plain=$(agepty "$T/wrong" age -d "$V" 2>&1 </dev/null); rc=$?
isnt() { [ "$1" != "$2" ]; }
ok "age -d with another passphrase fails" isnt "$rc" 0

vt dump "$V"
is "$rc" 0 "dump: opens"
is "$(printf '%s\n' "$out" | wc -l)" 3 "dump: three records"
like "$out" "\"id\":\"1A2B3C4D-0000-1111-2222-333344445555\",\"host\":\"ams-ws017\",\"site\":\"ams\",\"volume\":\"C:\",\"password\":\"$p1\"" \
    "dump: a record whole"

# The same again: nothing changes, not a byte.
cp "$V" "$T/before.age"
out=$(printf '%s\n' "$recs" | "$VT" put "$V" 2>&1)
is "$out" "0 new, 0 updated, 0 older, 3 same" "put again: all the same"
ok "put again: the file is not rewritten" cmp -s "$V" "$T/before.age"

# Renamed later: updated, the old record in history.
out=$(rec 1a2b3c4d00001111222233334444555 ams-ws017 ams "$p1" 1 2>&1 |
    "$VT" put "$V" 2>&1)
like "$out" "not a key protector ID" "put: a short key id is refused"
out=$(rec "{1a2b3c4d-0000-1111-2222-333344445555}" ams-ws099 ams "$p1" \
    1721400000 | "$VT" put "$V" 2>&1)
is "$out" "0 new, 1 updated, 0 older, 0 same" "put: a renamed host updates"
vt dump --history "$V"
like "$out" '"host":"ams-ws099".*"fetched":"2024-07-19T14:40:00Z"}$' \
    "dump: the update is current"
like "$out" '"host":"ams-ws017".*"history":true}$' "dump: the old one is history"

vt find "$V" 1a2b3c4d
is "$rc" 0 "find: 8 digits"
like "$out" '"host":"ams-ws099"' "find: the current record"
vt find "$V" '{2B3C4D5E-0000}'
like "$out" '"host":"ams-ws018"' "find: braces, dashes, 12 digits"
vt find "$V" 4D5E6F70
is "$rc" 1 "find: no such key"
vt find "$V" 4D5E
is "$rc" 2 "find: too few digits"

# A wrong passphrase: named, and the file left alone.
cp "$V" "$T/before.age"
LIFEBOAT_VAULT_PASSPHRASE_FILE=$T/wrong vt dump "$V"
is "$rc" 1 "wrong passphrase: dump fails"
is "$err" "vault-tool: $V: wrong passphrase" "wrong passphrase: said so"
newpw
out=$(rec 4D5E6F70-0000-1111-2222-333344445555 nyc-ws001 nyc "$pw" 1 |
    LIFEBOAT_VAULT_PASSPHRASE_FILE=$T/wrong "$VT" put "$V" 2>&1); rc=$?
is "$rc" 1 "wrong passphrase: put refuses"
ok "wrong passphrase: the vault is byte for byte as before" \
    cmp -s "$V" "$T/before.age"

# Truncated and tampered files: detected, never overwritten.
size=$(stat -c %s "$V")
damaged() {	# NAME DESC ERROR-REGEX: puts into $T/NAME.age
	local f=$T/$1.age before
	before=$(sha256sum <"$f")
	newpw
	out=$(rec 5E6F7081-0000-1111-2222-333344445555 nyc-ws002 nyc "$pw" 1 |
	    "$VT" put "$f" 2>&1)
	rc=$?
	is "$rc" 1 "$2: put refuses"
	like "$out" "$3" "$2: named"
	is "$(sha256sum <"$f")" "$before" "$2: the file is unchanged"
}
head -c 30 "$V" >"$T/cut-header.age"
damaged cut-header "cut in the header" "cut-header.age: truncated$"
head -c $((size - 200)) "$V" >"$T/cut-payload.age"
damaged cut-payload "cut in the payload" "cut-payload.age: .*(truncated|tampered)"
: >"$T/empty.age"
damaged empty "an empty file" "empty.age: truncated$"
tamper() {	# IN OUT OFFSET: flips the low bit of one byte
	python3 -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[int(sys.argv[3])] ^= 1
open(sys.argv[2], "wb").write(b)' "$@"
}
tamper "$V" "$T/payload.age" $((size - 10))
damaged payload "a payload byte changed" "payload.age: payload .*tampered"
mac=$(grep -abo -- '--- ' "$V" | head -n 1 | cut -d: -f1)
# The MAC's second base64 character, swapped for another valid one: a
# flipped bit could leave the alphabet and read as a malformed header.
python3 -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = int(sys.argv[3])
b[i] = ord("B") if b[i] == ord("A") else ord("A")
open(sys.argv[2], "wb").write(b)' "$V" "$T/mac.age" $((mac + 5))
damaged mac "a MAC byte changed" "mac.age: header MAC mismatch$"
tamper "$V" "$T/stanza.age" 35
damaged stanza "a stanza byte changed" "stanza.age: (wrong passphrase|malformed age header)$"
printf '{"lifeboat_vault": 1}\n' >"$T/plain.age"
damaged plain "a file in the clear" "plain.age: not an age file$"

# Two recipients from age-keygen: each identity opens the vault.
age-keygen -o "$T/id1" 2>/dev/null
age-keygen -o "$T/id2" 2>/dev/null
sed -n 's/^# public key: //p' "$T/id1" "$T/id2" >"$T/recipients"
R=$T/data/recipients.age
newpw; q1=$pw
newpw; q2=$pw
out=$(rec 6F708192-0000-1111-2222-333344445555 ams-dc01 ams "$q1" 1721370612 |
    LIFEBOAT_VAULT_RECIPIENTS=$T/recipients "$VT" put "$R" 2>&1)
is "$out" "1 new, 0 updated, 0 older, 0 same" "recipients: saved"
is "$(grep -c '^-> X25519 ' "$R")" 2 "recipients: two X25519 stanzas"
for id in id1 id2; do
	plain=$(age -d -i "$T/$id" "$R" 2>&1)
	is "$(printf '%s\n' "$plain" | keys_of)" \
	    "6F708192-0000-1111-2222-333344445555 ams-dc01 $q1" \
	    "recipients: age -d -i $id opens it"
done
out=$(rec 708192A3-0000-1111-2222-333344445555 ams-dc02 ams "$q2" 1721370612 |
    LIFEBOAT_VAULT_IDENTITY=$T/id2 LIFEBOAT_VAULT_RECIPIENTS=$T/recipients \
    "$VT" put "$R" 2>&1)
is "$out" "1 new, 0 updated, 0 older, 0 same" "recipients: opened with id2, merged"
LIFEBOAT_VAULT_IDENTITY=$T/id1 vt find "$R" 708192a3
like "$out" "\"password\":\"$q2\"" "recipients: id1 reads what id2's writer added"
vt dump "$R"
is "$rc" 1 "recipients: a passphrase does not open it"
like "$err" "recipients.age: encrypted to recipients, and no identity given" \
    "recipients: said so"

# Files that age made.
vaultjson() {	# ID HOST PASSWORD
	printf '{"lifeboat_vault": 1, "keys": [{"id": "%s", "host": "%s", ' "$1" "$2"
	printf '"password": "%s", "source": "import", ' "$3"
	printf '"fetched": "2024-07-19T06:30:12Z"}], "history": []}\n'
}
newpw
vaultjson 8192A3B4-0000-1111-2222-333344445555 by-age-r "$pw" |
    age -r "$(head -n 1 "$T/recipients")" -o "$T/by-age-r.age"
LIFEBOAT_VAULT_IDENTITY=$T/id1 vt dump "$T/by-age-r.age"
like "$out" "\"host\":\"by-age-r\".*\"password\":\"$pw\"" \
    "a file from age -r opens in lifeboat"
newpw
vaultjson 92A3B4C5-0000-1111-2222-333344445555 by-age-p "$pw" |
    agepty "$T/pass" age -p -o "$T/by-age-p.age" 2>"$T/age.err"
is "$?" 0 "age -p on a terminal: made a file"
vt dump "$T/by-age-p.age"
like "$out" "\"host\":\"by-age-p\".*\"password\":\"$pw\"" \
    "a file from age -p opens in lifeboat (work factor 18)"
LIFEBOAT_VAULT_PASSPHRASE_FILE=$T/wrong vt dump "$T/by-age-p.age"
like "$err" "by-age-p.age: wrong passphrase$" "age -p file, wrong passphrase: said so"

# Eight writers at once, each with its own record: none is lost.
C=$T/data/concurrent.age
pids=()
for i in 1 2 3 4 5 6 7 8; do
	newpw
	rec "A${i}000000-0000-1111-2222-333344445555" "host$i" c "$pw" \
	    1721370612 | "$VT" put "$C" >"$T/w$i.out" 2>&1 &
	pids+=("$!")
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "eight writers: all succeed"
vt dump "$C"
is "$(printf '%s\n' "$out" | grep -o '"host":"host[1-8]"' | sort -u | wc -l)" \
    8 "eight writers: all eight records are there"

# A held lock: a writer waits a bounded time, then gives up.
"$VT" hold "$C" 5 >"$T/hold.out" 2>&1 &
holder=$!
for i in $(seq 1 50); do
	grep -q locked "$T/hold.out" 2>/dev/null && break
	sleep 0.1
done
cp "$C" "$T/before.age"
newpw
out=$(rec B0000000-0000-1111-2222-333344445555 late c "$pw" 1 |
    VAULT_TOOL_LOCK_MS=300 "$VT" put "$C" 2>&1); rc=$?
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
is "$rc" 1 "a held lock: the writer gives up"
like "$out" "concurrent.age.lock: held by another process" "a held lock: said so"
ok "a held lock: the vault is unchanged" cmp -s "$C" "$T/before.age"

# No password in any file but the vaults (encrypted), temp files gone.
leaks=
for c in "${CANARIES[@]}"; do
	f=$(grep -rlF -- "$c" "$T" --exclude='*.age' 2>/dev/null)
	leaks=$leaks$f
done
is "$leaks" "" "no recovery password in any file under \$T but the vaults"
ok "every canary was planted" test "${#CANARIES[@]}" -eq 24
is "$(find "$T" -name '.*.age.*' | wc -l)" 0 "no temporary file left"

done_testing
