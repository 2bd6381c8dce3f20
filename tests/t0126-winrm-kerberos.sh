#!/usr/bin/env bash
# The WinRM transport with winrm.auth negotiate, for real: a private MIT
# KDC on 127.0.0.1 serving its own realm from $T, a service key for
# HTTP/127.0.0.1 in a keytab, and tests/winrm-server.py accepting
# Negotiate tokens with it through python3-gssapi.  lifeboat gets its
# ticket from the credentials cache, as a user's kinit leaves it.
#
# Nothing outside $T is read or written: KRB5_CONFIG, KRB5_KDC_PROFILE,
# KRB5CCNAME, KRB5_KTNAME, KRB5_CLIENT_KTNAME and KRB5RCACHEDIR all point
# into it.  No password is typed or kept: the database master key is
# random and goes through a pipe, the users' keys are random too, in a
# keytab (kinit -k), and the endpoint's Basic password is random and
# never used.
. "$(dirname "$0")/lib.sh"

PLAN=22		# the checks below, all skipped when a tool is missing
REALM=LIFEBOAT.TEST
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
export PATH="$PATH:/usr/sbin:/sbin"
unset KRB5_TRACE KRB5_CONFIG KRB5_KDC_PROFILE KRB5CCNAME KRB5_KTNAME \
    KRB5_CLIENT_KTNAME KRB5RCACHEDIR
pids=
cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

skip_all() {	# REASON
	while [ "$_n" -lt "$PLAN" ]; do
		_n=$((_n + 1))
		echo "ok $_n # skip $1"
	done
	done_testing
	exit
}

for t in krb5kdc kdb5_util kadmin.local kinit kdestroy klist; do
	command -v "$t" >/dev/null || skip_all "$t not installed"
done
PY=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import gssapi' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || skip_all "python3-gssapi not installed"
if command -v curl-config >/dev/null &&
    ! curl-config --features | grep -qx SPNEGO; then
	skip_all "libcurl without SPNEGO"
fi

K=$T/krb
mkdir "$K"
export KRB5_CONFIG=$K/krb5.conf KRB5_KDC_PROFILE=$K/kdc.conf
export KRB5CCNAME=FILE:$K/alice.cc KRB5_KTNAME=FILE:$K/http.keytab
export KRB5_CLIENT_KTNAME=FILE:$K/none.keytab KRB5RCACHEDIR=$K

freeport() {	# a port free for both TCP and UDP on 127.0.0.1
	"$PY" -c '
import socket
for _ in range(100):
    t = socket.socket()
    t.bind(("127.0.0.1", 0))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(t.getsockname())
    except OSError:
        continue
    print(t.getsockname()[1])
    break'
}

# configure PORT: krb5.conf and kdc.conf for a KDC on 127.0.0.1:PORT.
configure() {
	cat > "$K/krb5.conf" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	dns_canonicalize_hostname = false
	qualify_shortname = ""
[realms]
	$REALM = {
		kdc = 127.0.0.1:$1
	}
EOF
	cat > "$K/kdc.conf" <<EOF
[kdcdefaults]
	kdc_listen = 127.0.0.1:$1
	kdc_tcp_listen = 127.0.0.1:$1
[realms]
	$REALM = {
		database_name = $K/principal
		key_stash_file = $K/stash
	}
[logging]
	kdc = FILE:$K/kdc.log
	default = FILE:$K/kdc.log
EOF
}

kadm() {	# QUERY: kadmin.local, its chatter in $K/kadmin.log
	kadmin.local -q "$1" >>"$K/kadmin.log" 2>&1
}

# 1. The realm: a database, a service key for HTTP/127.0.0.1 (the name
# libcurl asks for when the URL says 127.0.0.1), one for a service we
# do not run, and users alice and deny with their keys in a keytab.
configure "$(freeport)"
MK=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n%s\n' "$MK" "$MK" |
    kdb5_util create -s -r "$REALM" >"$K/kdb5_util.log" 2>&1
for q in "addprinc -randkey HTTP/127.0.0.1" \
    "addprinc -randkey HTTP/wrong.test" \
    "addprinc -randkey alice" "addprinc -randkey deny" \
    "ktadd -k $K/http.keytab HTTP/127.0.0.1" \
    "ktadd -k $K/wrong.keytab HTTP/wrong.test" \
    "ktadd -k $K/user.keytab alice deny"; do
	kadm "$q"
done
keys() {	# KEYTAB: the principals in it, one per line
	klist -k "$1" 2>/dev/null | awk 'NR > 3 { print $2 }' | sort -u
}
is "$(keys "$K/http.keytab")" "HTTP/127.0.0.1@$REALM" \
    "the service keytab holds HTTP/127.0.0.1"
is "$(keys "$K/user.keytab" | tr '\n' ' ')" "alice@$REALM deny@$REALM " \
    "the users' keytab holds alice and deny"

# The KDC, in the foreground of a background job; a port taken between
# freeport and its start makes it exit, and another is tried.
kdc=
for try in 1 2 3; do
	[ "$try" = 1 ] || configure "$(freeport)"
	krb5kdc -n >>"$K/kdc.out" 2>&1 &
	kdc=$!
	pids="$pids $kdc"
	for i in $(seq 50); do
		kinit -k -t "$K/user.keytab" alice >/dev/null 2>&1 && break 2
		kill -0 "$kdc" 2>/dev/null || break
		sleep 0.1
	done
	kill "$kdc" 2>/dev/null
	kdc=
done
is "$(klist 2>/dev/null | sed -n 's/^Default principal: //p')" "alice@$REALM" \
    "kinit from the keytab gets alice a ticket from the private KDC"

# The endpoints: one with the right service key, one with another's.
start() {	# NAME KEYTAB: a server; its port in $port
	local name=$1 i
	"$PY" "$TESTDIR/winrm-server.py" --port-file "$T/$name.port" \
	    --password "$(head -c 18 /dev/urandom | base64)" --keytab "$2" \
	    2>"$T/$name.log" &
	pids="$pids $!"
	for i in $(seq 50); do
		[ -s "$T/$name.port" ] && break
		sleep 0.1
	done
	port=$(cat "$T/$name.port" 2>/dev/null)
}
start krb "$K/http.keytab"
kport=$port
start wrong "$K/wrong.keytab"
wport=$port

inv=$T/inv.yml
cat > "$inv" <<EOF
defaults:
  transport: winrm
  os: windows
  winrm: { scheme: http, port: $kport, allow_unencrypted: true,
           auth: negotiate, operation_timeout: 2s }
hosts:
  win1: { address: 127.0.0.1, user: alice }
  win2: { address: 127.0.0.1, user: alice, winrm: { auth: kerberos } }
  wrongsvc: { address: 127.0.0.1, user: alice, winrm: { port: $wport } }
EOF
all=
rejected() {	# HOST PORT WHY: the error when the endpoint says 401
	printf '^lifeboat: %s: auth: negotiate auth rejected by %s: %s' \
	    "$1" "127\\.0\\.0\\.1:$2" "$3"
}

# 2. With a ticket.  No password anywhere in the inventory or the
# environment: negotiate needs none.
lb -i "$inv" exec win1 -- echo hello kerberos
all="$all$out$err"
is "$rc" 0 "exec over Negotiate succeeds"
is "$(printf '%s' "$out" | tr -d '\r')" "win1: hello kerberos" \
    "and the output comes back"
is "$(grep '^negotiate: ' "$T/krb.log")" \
    "negotiate: alice@$REALM as alice, delegated credentials: no" \
    "the endpoint saw alice's ticket once for the whole exec, not delegated"
like "$(cat "$K/kdc.log")" \
    "TGS_REQ .*ISSUE: .*alice@$REALM for HTTP/127\.0\.0\.1@$REALM" \
    "the service ticket is for HTTP/ and the address as written"

lb -i "$inv" --json exec win2 -- exit /b 3
all="$all$out$err"
is "$rc" 1 "auth: kerberos is negotiate too, and an exit code fails the host"
like "$out" '"host":"win2".*"rc":3' "with the command's exit code"

# The principal in the ticket, not the inventory's user, is who logs in:
# deny's ticket gets deny's access-denied fault on a host whose user is
# alice.
kinit -c "FILE:$K/deny.cc" -k -t "$K/user.keytab" deny >/dev/null 2>&1
KRB5CCNAME=FILE:$K/deny.cc lb -i "$inv" exec win1 -- echo x
all="$all$out$err"
is "$rc" 1 "deny's ticket fails the host"
like "$err" "^lifeboat: win1: auth: WinRM fault w:AccessDenied \(code 5\) \
from 127\.0\.0\.1:$kport during create shell: Access is denied\.$" \
    "as the endpoint's user deny: the ticket's principal logs in"

# 3. Without a ticket: the cache destroyed.
kinit -c "FILE:$K/gone.cc" -k -t "$K/user.keytab" alice >/dev/null 2>&1
kdestroy -c "FILE:$K/gone.cc" >/dev/null 2>&1
before=$(grep -c '^negotiate: ' "$T/krb.log")
KRB5CCNAME=FILE:$K/gone.cc lb -i "$inv" exec win1 -- echo x
all="$all$out$err"
is "$rc" 1 "without a ticket the host fails"
like "$err" "$(rejected win1 "$kport" "Kerberos: .*credentials")" \
    "with an auth error that names negotiate, the endpoint and GSS-API's why"
is "$(grep -c '^negotiate: ' "$T/krb.log")" "$before" \
    "and no token reached the endpoint"

# 4. The endpoint holds another service's key (HTTP/wrong.test): the
# ticket for HTTP/127.0.0.1 cannot be read there.
lb -i "$inv" exec wrongsvc -- echo x
all="$all$out$err"
like "$err" \
    "$(rejected wrongsvc "$wport" "the host refused the Kerberos ticket")" \
    "a service key that does not match is an auth error naming negotiate"
like "$(cat "$T/wrong.log")" \
    "^negotiate: rejected: .*HTTP/127\.0\.0\.1@$REALM not found in keytab" \
    "the endpoint refused the token for want of the key"

# 5. The KDC knows no HTTP/127.0.0.1: no service ticket can be had.  A
# new cache, so that no service ticket from before is used.
kadm "delprinc -force HTTP/127.0.0.1"
kinit -c "FILE:$K/new.cc" -k -t "$K/user.keytab" alice >/dev/null 2>&1
before=$(grep -c '^negotiate: ' "$T/krb.log")
KRB5CCNAME=FILE:$K/new.cc lb -i "$inv" exec win1 -- echo x
all="$all$out$err"
is "$rc" 1 "an unknown service principal fails the host"
like "$err" "$(rejected win1 "$kport" "Kerberos: .*not found")" \
    "with an auth error naming negotiate and the KDC's answer"
like "$(cat "$K/kdc.log")" \
    "alice@$REALM for HTTP/127\.0\.0\.1@$REALM, Server not found in Kerberos" \
    "the KDC said it has no such service"
is "$(grep -c '^negotiate: ' "$T/krb.log")" "$before" \
    "and nothing reached the endpoint"

# 6. No secret in what lifeboat printed: not the master key, and not a
# Negotiate token (one can be replayed while it is fresh).
unlike "$all" "$MK|Negotiate [A-Za-z0-9+/=]{16}" \
    "no key and no token in lifeboat's output"

ran=$_n
is "$ran" "$((PLAN - 1))" "every planned check ran"
done_testing
