#!/usr/bin/env bash
# lifeboat keys fetch --from ad, for real: a private slapd (tests/slapd.sh)
# on 127.0.0.1 with a CA of its own serves an AD-like domain
# (tests/data/ldap/corp.ldif) over ldaps:// and ldap:// with StartTLS.
# The keys fetched are then found by the ID on the recovery screen and
# listed; hosts with none, unknown or ambiguous are told apart; the
# helpdesk account, which the ACL keeps from msFVE-RecoveryPassword, gets
# "access denied"; a wrong CA and a wrong password fail as such; and the
# bind password is never in a file under $T (but the one it came from)
# nor on any command line ps shows.
. "$(dirname "$0")/lib.sh"
# A cheap scrypt: the vault is not what these tests are about.
export LIFEBOAT_VAULT_WORK_FACTOR=10
. "$TESTDIR/slapd.sh"

PLAN=37

cleanup() {
	[ -z "$SLAPD_PID" ] || kill -CONT "$SLAPD_PID" 2>/dev/null
	slapd_stop
	rm -rf "$T"
}
trap cleanup EXIT

if [ -n "$SLAPD_SKIP" ]; then
	for _i in $(seq 1 "$PLAN"); do echo "ok $_i # skip $SLAPD_SKIP"; done
	echo "1..$PLAN"
	exit 0
fi

slapd_setup "$T/slapd" >"$T/setup.log" 2>&1
ok "slapd set up" test -s "$T/slapd/corp.ldif"
slapd_start
ok "slapd answers" kill -0 "$SLAPD_PID"
S=$T/slapd

# The passwords escrowed, from the fixture: NAME -> password.
pw_of() {	# RECOVERY-GUID
	awk -v g="$1" '$1 == "cn:" && index($2, g) { f = 1 }
	    f && $1 == "msFVE-RecoveryPassword:" { print $2; exit }' \
	    "$TESTDIR/data/ldap/corp.ldif"
}
PW_MUELLER=$(pw_of 82F290A2-6E10-4A4C-9B55-1C9EA2D00719)
PW_CJK=$(pw_of 2EB79877-7A5B-4643-A469-C734C442E1DF)
PW_OLD=$(pw_of C19636A8-69A2-41FB-B3E2-C29C6EF5889A)
PW_NEW=$(pw_of 1D092738-03EB-46DF-BF77-8EA8F17F9ABA)

cat > "$T/inv.yml" <<'EOF'
defaults:
  transport: sim
  os: windows
sites:
  hq:
    hosts:
      ws-0001: {}
      ws-0002: {}
      ws-0004: {}
      mueller: { vars: { ad_name: "Müller-PC" } }
      ws-07: { vars: { ad_name: "工作站-07" } }
      dup-pc: {}
      ghost: {}
  dc2:
    hosts:
      srv-file01.corp.example: {}
EOF
printf 'a vault passphrase for t0171\n' > "$T/vault.pass"
export LIFEBOAT_VAULT_PASSPHRASE_FILE=$T/vault.pass
export LIFEBOAT_AD_BASE=$SLAPD_BASE LIFEBOAT_AD_CA_FILE=$S/ca.pem
export LIFEBOAT_AD_BIND_DN=$SLAPD_READER_DN
export LIFEBOAT_AD_PASSWORD_FILE=$S/reader.pw
GOOD='ws-*:srv-*:mueller'

# ldaps://: every host with a key gets them, ws-0004 has none.
lb -i "$T/inv.yml" keys fetch --from ad -o "url=$SLAPD_TLS_URL" "$GOOD"
is "$rc" 1 "ldaps: exit 1, one host without a key"
like "$out" '^ws-0004: no key escrowed' "ldaps: ws-0004 has no key"
like "$out" '^fetched 7 keys for 5 of 6 hosts \(7 new, 0 updated\)' \
    "ldaps: 7 keys for 5 hosts"
unlike "$out$err" "$PW_MUELLER|$PW_NEW" "no recovery password printed"

lb keys list --json
is "$rc" 0 "keys list --json"
ids=$(printf '%s' "$out" | python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sorted(d["keys"], key=lambda k: k["id"]):
	print(k["id"], k["host"], k["volume"], k["source"], k["created"])')
is "$(printf '%s\n' "$ids" | awk '{ print $1 }' | tr '\n' ' ')" \
    "1D092738-03EB-46DF-BF77-8EA8F17F9ABA 2EB79877-7A5B-4643-A469-C734C442E1DF 333A2B81-0FE5-402F-8683-7F30C4375A17 82F290A2-6E10-4A4C-9B55-1C9EA2D00719 95D45A77-DCE4-45B2-B79C-95F729785BA4 C19636A8-69A2-41FB-B3E2-C29C6EF5889A E0AACDAB-627F-4A0D-B30E-C1D5AEDFC48B " \
    "keys list: every id escrowed, once"
like "$ids" '^95D45A77-DCE4-45B2-B79C-95F729785BA4 ws-0001 \{F596E09C-6ADF-4E44-AEAB-5FC498D44658\} ad 2023-03-14T08:26:53Z$' \
    "ws-0001: volume GUID in Windows byte order, time in UTC"
like "$ids" '^C19636A8-69A2-41FB-B3E2-C29C6EF5889A srv-file01.corp.example \{4857EE53-85E6-4BFD-B9C6-5E1E50BA53BB\} ad 2021-11-09T07:15:00Z$' \
    "srv-file01: the old key, by dNSHostName, -08:00 into the next day"
like "$ids" '^1D092738-03EB-46DF-BF77-8EA8F17F9ABA srv-file01.corp.example \{4857EE53-85E6-4BFD-B9C6-5E1E50BA53BB\} ad 2024-01-09T08:00:41Z$' \
    "srv-file01: the new key for the same volume"
is "$(printf '%s\n' "$ids" | grep -c ' ws-0002 ')" 2 "ws-0002: two volumes"
like "$ids" '^2EB79877-7A5B-4643-A469-C734C442E1DF ws-07 .* 2023-01-01T00:30:00Z$' \
    "工作站-07 found through ad_name; its time into the next year"

lb keys find 82f290a2
is "$rc" 0 "keys find by the first 8 hex digits"
like "$out" '^host +mueller' "keys find: the host (Müller-PC)"
like "$out" "^password +$PW_MUELLER\$" "keys find: its password"
lb keys find 2EB79877
like "$out" "^password +$PW_CJK\$" "keys find: 工作站-07's password"
lb keys find '{C19636A8-69A2-41FB-B3E2-C29C6EF5889A}'
like "$out" "^password +$PW_OLD\$" "keys find: the old key's password"
lb keys find 1D092738
like "$out" "^password +$PW_NEW\$" "keys find: the new key's password"

# StartTLS on ldap://, into the same vault: the same keys, none new.
lb -i "$T/inv.yml" keys fetch --json --from ad -o "url=$SLAPD_URL" \
    -o starttls=yes all
is "$rc" 1 "StartTLS: exit 1"
st=$(printf '%s' "$out" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(d["keys"], d["new"], d["updated"])
for h in sorted(d["hosts"], key=lambda h: h["host"]):
	print(h["host"], h["status"], h["keys"])')
like "$st" '^7 0 0$' "StartTLS: 7 keys, none new"
like "$st" '^ws-0004 no-key 0$' "StartTLS: ws-0004 is no-key"
like "$st" '^ghost not-found 0$' "StartTLS: ghost is not-found"
like "$st" '^dup-pc error 0$' "StartTLS: dup-pc, in two OUs, is an error"
like "$st" '^mueller ok 1$' "StartTLS: Müller-PC ok"
q="'"
like "$out" "\"why\":\"${q}dup-pc${q} is ambiguous: 2 computers match" \
    "StartTLS: dup-pc is ambiguous"

# helpdesk sees the recovery objects but not the passwords.
LIFEBOAT_AD_BIND_DN=$SLAPD_HELPDESK_DN \
LIFEBOAT_AD_PASSWORD_FILE=$S/helpdesk.pw \
    lb -i "$T/inv.yml" keys fetch --from ad -o "url=$SLAPD_TLS_URL" \
    'ws-0001:ws-0004'
is "$rc" 1 "helpdesk: exit 1"
like "$out" '^ws-0001: access denied: recovery information is not readable \(msFVE-RecoveryPassword is confidential\)$' \
    "helpdesk: access denied"
like "$out" '^ws-0004: no key escrowed' "helpdesk: none is still no key"

# A CA that did not sign the server's certificate; a wrong password.
LIFEBOAT_AD_CA_FILE=$S/other-ca.pem \
    lb -i "$T/inv.yml" keys fetch --from ad -o "url=$SLAPD_TLS_URL" ws-0001
like "$out$err" "certificate verify failed" "ldaps: wrong CA refused"
is "$rc" 1 "ldaps: wrong CA, exit 1"
LIFEBOAT_AD_CA_FILE=$S/other-ca.pem \
    lb -i "$T/inv.yml" keys fetch --from ad -o "url=$SLAPD_URL" ws-0001
like "$out$err" "certificate verify failed" "StartTLS: wrong CA refused"
printf 'not-the-password\n' > "$T/wrong.pw"
LIFEBOAT_AD_PASSWORD_FILE=$T/wrong.pw \
    lb -i "$T/inv.yml" keys fetch --from ad -o "url=$SLAPD_TLS_URL" ws-0001
like "$out$err" "bind as 'CN=lifeboat-reader,OU=Service Accounts,DC=corp,DC=example': invalid credentials" \
    "wrong password: the bind fails"
lb -i "$T/inv.yml" keys fetch --from ad -o "url=$SLAPD_URL" \
    -o starttls=no ws-0001
is "$rc" 2 "ldap:// without StartTLS refused"

# The bind password on no command line: slapd stopped, lifeboat waits
# in its bind while ps looks.
kill -STOP "$SLAPD_PID"
"$LIFEBOAT" -i "$T/inv.yml" keys fetch --from ad -o "url=$SLAPD_TLS_URL" \
    -o timeout=20 ws-0001 >"$T/bg.out" 2>&1 &
bg=$!
seen=
for _i in $(seq 1 50); do
	ps -eo args > "$T/ps.txt"
	if grep -q "keys fetch --from ad" "$T/ps.txt"; then seen=1; break; fi
	sleep 0.1
done
kill -CONT "$SLAPD_PID"
wait "$bg"
is "$seen" 1 "ps saw lifeboat at work"
if grep -qF -- "$(cat "$S/reader.pw")" "$T/ps.txt"; then
	_report 1 "the bind password is in no ps line"
else
	_report 0 "the bind password is in no ps line"
fi
rm -f "$T/ps.txt"
# Every file under $T but the password files themselves.
leaks=$(grep -rlaF -- "$(cat "$S/reader.pw")" "$T" |
    grep -vx "$S/reader.pw" || true)
is "$leaks" "" "the bind password is in no file under \$T"

done_testing
