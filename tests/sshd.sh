# A private OpenSSH sshd for the tests and the benchmarks.  Source it.
#
#   sshd_netns "$@"       re-runs the calling script in a new network
#                         namespace (root only; a no-op otherwise)
#   sshd_setup DIR        keys, config, known_hosts in DIR; no server yet
#   sshd_start            starts sshd -D in the background; sets SSHD_PID
#   sshd_stop             stops that sshd, by its PID
#   sshd_known_hosts ADDR...  known_hosts lines for ADDR:$SSHD_PORT
#
# In a network namespace of its own only the loopback interface exists,
# so sshd may listen on every address: each 127.x.y.z then reaches it,
# which lets hundreds of "hosts" share one server.  Without one (not
# root, no unshare), sshd listens on 127.0.0.1 only and SSHD_MANY is 0.
#
# After sshd_setup:
#   SSHD_DIR, SSHD_PORT, SSHD_USER
#   $SSHD_DIR/id_ed25519       client key, no passphrase
#   $SSHD_DIR/id_ecdsa, id_rsa client keys of the other types
#   $SSHD_DIR/id_locked        ed25519, passphrase $SSHD_PASSPHRASE
#   $SSHD_DIR/id_stranger      a key sshd does not know
#   $SSHD_DIR/known_hosts      the host key for 127.0.0.1
#   $SSHD_DIR/ssh_config       for OpenSSH's client and the tools on it
#   SSHD_PASSWORD              the login password when SSHD_PASSWORD_OK=1
#                              (root in a namespace: a private shadow file)

SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}
SSHD_PASSPHRASE='correct horse battery'
SSHD_PASSWORD='lifeboat-test-pw'
SSHD_PASSWORD_OK=0
SSHD_MANY=0
SSHD_PID=
SSHD_LOGLEVEL=${SSHD_LOGLEVEL:-VERBOSE}

sshd_netns() {
	if [ "${LB_NETNS:-}" = 1 ]; then
		ip link set lo up 2>/dev/null || true
		SSHD_MANY=1
		return 0
	fi
	[ "$(id -u)" = 0 ] || return 0
	command -v unshare >/dev/null || return 0
	command -v ip >/dev/null || return 0
	unshare -n -m true 2>/dev/null || return 0
	# A mount namespace too, so that a private shadow file can give root
	# a known password inside it and nowhere else.
	LB_NETNS=1 exec unshare -n -m --propagation private -- \
	    "$BASH" "$0" "$@"
}

_sshd_port() {
	if [ "$SSHD_MANY" = 1 ]; then
		echo 2222
		return
	fi
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

sshd_setup() {
	SSHD_DIR=$1
	mkdir -p "$SSHD_DIR"
	chmod 700 "$SSHD_DIR"
	SSHD_PORT=$(_sshd_port)
	SSHD_USER=$(id -un)
	local d=$SSHD_DIR kg="ssh-keygen -q -C lifeboat-test"
	$kg -t ed25519 -N '' -f "$d/host_ed25519" || return 1
	$kg -t ed25519 -N '' -f "$d/id_ed25519" || return 1
	$kg -t ecdsa -b 256 -N '' -f "$d/id_ecdsa" || return 1
	$kg -t rsa -b 2048 -N '' -f "$d/id_rsa" || return 1
	$kg -t ed25519 -N "$SSHD_PASSPHRASE" -f "$d/id_locked" || return 1
	$kg -t ed25519 -N '' -f "$d/id_stranger" || return 1
	cat "$d/id_ed25519.pub" "$d/id_ecdsa.pub" "$d/id_rsa.pub" \
	    "$d/id_locked.pub" > "$d/authorized_keys"
	sshd_known_hosts 127.0.0.1 > "$d/known_hosts"

	local listen=127.0.0.1
	[ "$SSHD_MANY" = 1 ] && listen=0.0.0.0
	cat > "$d/sshd_config" <<EOF
Port $SSHD_PORT
ListenAddress $listen
HostKey $d/host_ed25519
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
MaxStartups 2000
MaxSessions 50
LoginGraceTime 60
LogLevel $SSHD_LOGLEVEL
SetEnv SHLVL=1
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
	cat > "$d/ssh_config" <<EOF
Host *
	Port $SSHD_PORT
	User $SSHD_USER
	IdentityFile $d/id_ed25519
	IdentitiesOnly yes
	UserKnownHostsFile $d/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	ControlMaster no
	ControlPath none
EOF
	if [ "$SSHD_MANY" = 1 ] && [ "$(id -u)" = 0 ]; then
		_sshd_shadow || true
	fi
}

# Root's password, inside this mount namespace only.
_sshd_shadow() {
	local hash
	hash=$(python3 -c 'import crypt, sys
print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_SHA512)))' \
	    "$SSHD_PASSWORD" 2>/dev/null) || return 1
	[ -n "$hash" ] || return 1
	awk -F: -v OFS=: -v h="$hash" '$1 == "root" { $2 = h } { print }' \
	    /etc/shadow > "$SSHD_DIR/shadow" || return 1
	chmod 600 "$SSHD_DIR/shadow"
	mount --bind "$SSHD_DIR/shadow" /etc/shadow || return 1
	SSHD_PASSWORD_OK=1
}

# known_hosts lines for each address, on $SSHD_PORT.
sshd_known_hosts() {
	local a key
	key=$(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub")
	for a in "$@"; do
		echo "[$a]:$SSHD_PORT $key"
	done
}

sshd_start() {
	# sshd running as root wants its privilege separation directory,
	# which the package's init script would have made.
	[ "$(id -u)" != 0 ] || mkdir -p /run/sshd
	"$SSHD_BIN" -t -f "$SSHD_DIR/sshd_config" || return 1
	"$SSHD_BIN" -D -e -f "$SSHD_DIR/sshd_config" \
	    2>>"$SSHD_DIR/sshd.log" &
	SSHD_PID=$!
	# Bounded wait until it accepts connections.
	local i
	for i in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$SSHD_PORT") 2>/dev/null; then
			return 0
		fi
		kill -0 "$SSHD_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

sshd_stop() {
	[ -n "$SSHD_PID" ] || return 0
	kill "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
}
