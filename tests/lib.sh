# TAP helpers for the shell tests.  Source it, call the checks, end with
# done_testing.  $LIFEBOAT is the binary under test; each test file gets
# a private temporary directory $T (removed at exit) and a clean
# environment (HOME and the XDG directories point into $T).
set -u
: "${LIFEBOAT:?LIFEBOAT must name the binary under test}"
T=$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
export HOME="$T/home" XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state"
export XDG_DATA_HOME="$T/data" LC_ALL=C.UTF-8 TZ=UTC
unset LIFEBOAT_INVENTORY NO_COLOR
mkdir -p "$HOME"
TESTDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$TESTDIR/testca.sh"
_n=0
_failed=0

_report() {	# ok? description [diagnostics...]
	local res=$1 desc=$2
	shift 2
	_n=$((_n + 1))
	if [ "$res" = 0 ]; then
		echo "ok $_n - $desc"
	else
		echo "not ok $_n - $desc"
		_failed=$((_failed + 1))
		local l
		for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
	fi
}

# lb ARGS...: runs lifeboat; sets $out, $err and $rc.
lb() {
	out=$("$LIFEBOAT" "$@" 2>"$T/.err")
	rc=$?
	err=$(cat "$T/.err")
}

# run_id: the id of the run begun last (lifeboat runs show last).
run_id() {
	"$LIFEBOAT" runs show --json last |
	    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}

# recovery_password SEED: a valid-format BitLocker recovery password,
# the same for the same seed (each group 11 times a 16-bit number).
recovery_password() {
	python3 -c 'import random, sys
r = random.Random(int(sys.argv[1]))
print("-".join("%06d" % (11 * r.randrange(65536)) for _ in range(8)))' "$1"
}

# is GOT WANT DESC
is() {
	if [ "$1" = "$2" ]; then _report 0 "$3"
	else _report 1 "$3" "got:  $1" "want: $2"; fi
}

# like TEXT REGEX DESC (extended regex, matched against any line)
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then _report 0 "$3"
	else _report 1 "$3" "text: $1" "does not match: $2"; fi
}

# unlike TEXT REGEX DESC
unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		_report 1 "$3" "text: $1" "matches: $2"
	else _report 0 "$3"; fi
}

# ok COMMAND... : passes when the command succeeds
ok() {
	local desc=$1
	shift
	if "$@" >/dev/null 2>&1; then _report 0 "$desc"
	else _report 1 "$desc" "command failed: $*"; fi
}

done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}
