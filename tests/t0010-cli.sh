#!/usr/bin/env bash
# The command line: help, version, unknown commands and options, exit
# statuses, and that --help and the man page agree.
. "$(dirname "$0")/lib.sh"
cd "$TESTDIR/.."

lb --help
is "$rc" 0 "--help exits 0"
like "$out" '^usage: lifeboat \[-i INVENTORY\]' "--help starts with usage"
like "$out" '^  inventory list \[PATTERN\]$' "--help lists inventory list"

lb version
is "$rc" 0 "version exits 0"
like "$out" '^lifeboat [0-9]+\.[0-9]+\.[0-9]+$' "version prints a version"
lb --json version
like "$out" '^\{"version":"[0-9.]+","libyaml":"[0-9.]+"\}$' "version --json"

lb invetory list
is "$rc" 2 "unknown command exits 2"
is "$err" "lifeboat: unknown command 'invetory' (did you mean 'inventory'?)" \
    "unknown command names it and suggests"
is "$out" "" "unknown command writes nothing to stdout"

lb frobnicate
is "$err" "lifeboat: unknown command 'frobnicate'; see 'lifeboat --help'" \
    "no suggestion when nothing is close"

lb -i inventory/demo.yml inventory list --jsn
is "$rc" 2 "unknown option exits 2"
is "$err" "lifeboat: inventory list: unknown option '--jsn' (did you mean '--json'?)" \
    "unknown option names it and suggests"

lb -i inventory/demo.yml inventory graph --bogus
is "$err" "lifeboat: inventory graph: unknown option '--bogus'" \
    "every subcommand names itself in its errors"
lb -i inventory/demo.yml inventory check extra
is "$err" "lifeboat: inventory check: unexpected argument 'extra'" \
    "check refuses stray arguments"

lb -i inventory/demo.yml inventory lsit
is "$rc" 2 "unknown subcommand exits 2"
like "$err" "unknown command 'lsit' \(did you mean 'list'\?\)" \
    "unknown subcommand suggests"

lb -x
is "$rc" 2 "unknown global short option exits 2"
like "$err" "^lifeboat: unknown option '-x'$" "names the short option"

lb inventory list -i
is "$rc" 2 "missing option value exits 2"
like "$err" "option '-i' needs a value" "says the value is missing"

lb
is "$rc" 2 "no command exits 2"
like "$err" "^usage:" "no command prints usage to stderr"

lb inventory list --help
is "$rc" 0 "command --help exits 0"
like "$out" "^usage: lifeboat inventory list \[PATTERN\]" "command --help usage"

lb help inventory
is "$rc" 0 "help COMMAND exits 0"
like "$out" "inventory import FILE" "help COMMAND shows its usage"

# Every usage line of --help stands in the man page's SYNOPSIS.
# mandoc comes with tools/deps; without it these checks fail, not skip.
if ! command -v mandoc >/dev/null; then
	_report 1 "mandoc is installed (tools/deps test installs it)"
else
	syn=$(mandoc -Tascii man/lifeboat.1 | col -b | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' |
	    tr -s ' \t\n' ' ' | tr '[:upper:]' '[:lower:]')
	lb --help
	while IFS= read -r u; do
		u=$(echo "$u" | sed 's/^ *//' | tr -s ' ' | tr '[:upper:]' '[:lower:]')
		case "$syn" in
		*"lifeboat $u"*|*"$u"*) _report 0 "man SYNOPSIS has '$u'" ;;
		*) _report 1 "man SYNOPSIS has '$u'" "synopsis: $syn" ;;
		esac
	done < <(printf '%s\n' "$out" | sed -n '/^commands:/,/^$/p' | grep '^  ')
	lint=$(mandoc -Tlint -W warning man/*.[157] 2>&1)
	is "$lint" "" "mandoc -Tlint reports nothing above style level"
fi

# No inventory anywhere: a clear error, exit 2.
lb inventory list
is "$rc" 2 "no inventory exits 2"
like "$err" "no inventory: give -i FILE, set LIFEBOAT_INVENTORY" \
    "no inventory says how to give one"

# Default inventory from LIFEBOAT_INVENTORY and from the config directory.
LIFEBOAT_INVENTORY="$PWD/inventory/demo.yml" lb inventory list ams-dc01
like "$out" "^ams-dc01 " "LIFEBOAT_INVENTORY is read"
mkdir -p "$XDG_CONFIG_HOME/lifeboat"
cp inventory/demo.yml "$XDG_CONFIG_HOME/lifeboat/inventory.yml"
lb inventory list nyc-dc01
like "$out" "^nyc-dc01 " "the config directory inventory is read"

# Output to a closed pipe or full disk is an error, not silence.
if [ -w /dev/full ]; then
	"$LIFEBOAT" -i inventory/demo.yml inventory list >/dev/full 2>"$T/e"
	r=$?
	is "$r" 1 "a failed write exits 1"
	like "$(cat "$T/e")" "cannot write output" "a failed write says so"
fi

done_testing
