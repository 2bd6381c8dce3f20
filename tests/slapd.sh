# A private OpenLDAP slapd playing Active Directory, for the tests of the
# `ad` key source.  Source it, or run it (see the end).
#
#   slapd_setup DIR     a CA, a server certificate for 127.0.0.1, the
#                       configuration and the database in DIR; no server
#   slapd_start         starts slapd in the foreground, in the background
#                       of this shell; sets SLAPD_PID; waits (bounded)
#                       until ldapsearch gets an answer
#   slapd_stop          stops that slapd, by its PID
#
# As a program, for tests written in C (the server outlives the shell):
#
#   bash tests/slapd.sh start DIR   setup and start; writes DIR/env
#   bash tests/slapd.sh stop DIR    stops the slapd DIR/env names
#
# The directory is tests/data/ldap/corp.ldif (DC=corp,DC=example) with
# the schema in tests/data/ldap/msfve.schema.  After slapd_setup:
#
#   SLAPD_DIR, SLAPD_PORT (ldap://), SLAPD_TLS_PORT (ldaps://)
#   SLAPD_URL, SLAPD_TLS_URL       ldap://127.0.0.1:PORT, ldaps://...
#   SLAPD_BASE                     DC=corp,DC=example
#   SLAPD_READER_DN, SLAPD_HELPDESK_DN, SLAPD_ROOT_DN
#   $SLAPD_DIR/ca.pem              the CA that signed the server's cert
#   $SLAPD_DIR/other-ca.pem        a CA that signed nothing of slapd's
#   $SLAPD_DIR/reader.pw, helpdesk.pw, root.pw
#                                  the accounts' passwords, one line
#                                  without a newline, made up here
#
# Only hashes of the passwords reach slapd's configuration and database.
# slapd runs as the calling user; as root it stays root (no -u), which
# is harmless in its private directory.  Nothing is listened on but
# 127.0.0.1.  SLAPD_SKIP says why slapd cannot run (no slapd): a test
# skips then.

SLAPD_BIN=${SLAPD_BIN:-/usr/sbin/slapd}
SLAPADD_BIN=${SLAPADD_BIN:-/usr/sbin/slapadd}
SLAPD_SCHEMA_DIR=${SLAPD_SCHEMA_DIR:-/etc/ldap/schema}
SLAPD_MODULE_DIR=${SLAPD_MODULE_DIR:-/usr/lib/ldap}
SLAPD_DATA=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/data/ldap
. "$(dirname "${BASH_SOURCE[0]}")/testca.sh"
SLAPD_BASE='DC=corp,DC=example'
SLAPD_READER_DN="CN=lifeboat-reader,OU=Service Accounts,$SLAPD_BASE"
SLAPD_HELPDESK_DN="CN=helpdesk,OU=Service Accounts,$SLAPD_BASE"
SLAPD_ROOT_DN="CN=admin,$SLAPD_BASE"
SLAPD_PID=
SLAPD_SKIP=
if [ ! -x "$SLAPD_BIN" ] || [ ! -x "$SLAPADD_BIN" ]; then
	SLAPD_SKIP="no slapd ($SLAPD_BIN)"
elif ! command -v ldapsearch >/dev/null; then
	SLAPD_SKIP="no ldapsearch"
fi

_slapd_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# A password of 24 letters and digits, into FILE without a newline.
_slapd_pw() {
	(umask 077; python3 -c 'import secrets, string, sys
a = string.ascii_letters + string.digits
sys.stdout.write("".join(secrets.choice(a) for _ in range(24)))' > "$1")
}

# {SSHA} of the password in FILE (read from the file, never argv).
_slapd_hash() {
	slappasswd -h '{SSHA}' -T "$1"
}

slapd_setup() {
	SLAPD_DIR=$1
	[ -z "$SLAPD_SKIP" ] || return 1
	mkdir -p "$SLAPD_DIR/db"
	chmod 700 "$SLAPD_DIR"
	local d=$SLAPD_DIR
	SLAPD_PORT=$(_slapd_port)
	SLAPD_TLS_PORT=$(_slapd_port)
	while [ "$SLAPD_TLS_PORT" = "$SLAPD_PORT" ]; do
		SLAPD_TLS_PORT=$(_slapd_port)
	done
	SLAPD_URL="ldap://127.0.0.1:$SLAPD_PORT"
	SLAPD_TLS_URL="ldaps://127.0.0.1:$SLAPD_TLS_PORT"
	test_ca "$d" || return 1
	_slapd_pw "$d/reader.pw"
	_slapd_pw "$d/helpdesk.pw"
	_slapd_pw "$d/root.pw"

	cat > "$d/slapd.conf" <<EOF
include		$SLAPD_SCHEMA_DIR/core.schema
include		$SLAPD_SCHEMA_DIR/cosine.schema
include		$SLAPD_SCHEMA_DIR/inetorgperson.schema
include		$SLAPD_DATA/msfve.schema

pidfile		$d/slapd.pid
argsfile	$d/slapd.args
modulepath	$SLAPD_MODULE_DIR
moduleload	back_mdb

TLSCACertificateFile	$d/ca.pem
TLSCertificateFile	$d/server.pem
TLSCertificateKeyFile	$d/server.key

database	mdb
maxsize		67108864
suffix		"$SLAPD_BASE"
rootdn		"$SLAPD_ROOT_DN"
rootpw		$(_slapd_hash "$d/root.pw")
directory	$d/db

# Accounts bind; nobody reads a hash.
access to attrs=userPassword
	by anonymous auth
	by * none

# AD keeps these confidential: only the reader may see them.
access to attrs=msFVE-RecoveryPassword,msFVE-KeyPackage
	by dn.exact="$SLAPD_READER_DN" read
	by * none

access to *
	by users read
	by * none
EOF
	sed -e "s|@READER_PW@|$(_slapd_hash "$d/reader.pw")|" \
	    -e "s|@HELPDESK_PW@|$(_slapd_hash "$d/helpdesk.pw")|" \
	    "$SLAPD_DATA/corp.ldif" > "$d/corp.ldif"
	"$SLAPADD_BIN" -q -f "$d/slapd.conf" -l "$d/corp.ldif" \
	    >>"$d/slapd.log" 2>&1 || return 1
}

slapd_start() {
	# -d keeps slapd in the foreground (its PID is ours to stop);
	# level 0 logs nothing but what stops it.
	"$SLAPD_BIN" -d 0 -f "$SLAPD_DIR/slapd.conf" \
	    -h "$SLAPD_URL/ $SLAPD_TLS_URL/" >>"$SLAPD_DIR/slapd.log" 2>&1 &
	SLAPD_PID=$!
	# Bounded wait until it answers a search over ldaps.
	local i
	for i in $(seq 1 100); do
		if LDAPTLS_CACERT="$SLAPD_DIR/ca.pem" ldapsearch -x -LLL \
		    -H "$SLAPD_TLS_URL" -b '' -s base -o nettimeout=2 \
		    '(objectClass=*)' namingContexts >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$SLAPD_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

slapd_stop() {
	[ -n "$SLAPD_PID" ] || return 0
	kill "$SLAPD_PID" 2>/dev/null
	wait "$SLAPD_PID" 2>/dev/null
	SLAPD_PID=
}

# Run as a program: start DIR (writes DIR/env,
# KEY=VALUE lines, values unquoted) or stop DIR.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case "${1:-}" in
	start)
		[ $# = 2 ] || exit 2
		if [ -n "$SLAPD_SKIP" ]; then
			echo "$SLAPD_SKIP" >&2
			exit 77
		fi
		slapd_setup "$2" && slapd_start || exit 1
		{
			echo "SLAPD_PID=$SLAPD_PID"
			echo "SLAPD_URL=$SLAPD_URL"
			echo "SLAPD_TLS_URL=$SLAPD_TLS_URL"
			echo "SLAPD_BASE=$SLAPD_BASE"
			echo "SLAPD_READER_DN=$SLAPD_READER_DN"
			echo "SLAPD_HELPDESK_DN=$SLAPD_HELPDESK_DN"
		} > "$2/env"
		;;
	stop)
		[ $# = 2 ] || exit 2
		pid=$(sed -n 's/^SLAPD_PID=//p' "$2/env" 2>/dev/null)
		[ -n "$pid" ] || exit 0
		kill "$pid" 2>/dev/null
		# Bounded wait until it is gone (it is not our child).
		for i in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || exit 0
			sleep 0.05
		done
		exit 1
		;;
	*)
		echo "usage: slapd.sh start|stop DIR" >&2
		exit 2
		;;
	esac
fi
