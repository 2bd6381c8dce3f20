#!/usr/bin/env bash
# The TUI's keys and `:` commands, as cmd/tui/keys.c binds them, are all
# in lifeboat(1)'s TUI section and in the help the TUI prints from the
# same table: a key cannot be bound and left undocumented.
. "$(dirname "$0")/lib.sh"
cd "$TESTDIR/.."

command -v mandoc >/dev/null || { echo "1..0 # skip mandoc missing"; exit 0; }
man=$(mandoc -Tutf8 man/lifeboat.1 | col -b | \
    sed -n '/^TUI$/,/^[A-Z][A-Z ]*$/p')
ok "lifeboat(1) has a TUI section" test -n "$man"

# Key names: the second field of each tui_keys[] row, split at ", ".
keys=$(sed -n '/^const struct keybind tui_keys/,/^};/p' cmd/tui/keys.c | \
    grep -o '^	{ [^"]*"[^"]*"' | sed 's/.*"\(.*\)"/\1/' | \
    sed 's/, /\n/g' | sort -u)
n=$(printf '%s\n' "$keys" | grep -c .)
ok "the key table has keys ($n)" test "$n" -ge 30
missing=
while IFS= read -r k; do
	printf '%s\n' "$man" | grep -qF -- "$k" || missing="$missing [$k]"
done <<<"$keys"
is "$missing" "" "every key of the table is in lifeboat(1)"

cmds=$(sed -n '/^static const struct command commands/,/^};/p' \
    cmd/tui/keys.c | grep -o '^	{ "[a-z-]*"' | sed 's/.*"\(.*\)"/\1/')
n=$(printf '%s\n' "$cmds" | grep -c .)
ok "the command table has commands ($n)" test "$n" -ge 15
missing=
while IFS= read -r c; do
	printf '%s\n' "$man" | grep -qE -- "(^|[[:space:]:])$c([[:space:]]|\$)" ||
	    missing="$missing $c"
done <<<"$cmds"
is "$missing" "" "every : command is in lifeboat(1)"

missing=
for s in pending running boot-loop ok changed FAILED UNREACHABLE; do
	printf '%s\n' "$man" | grep -qF -- "$s" || missing="$missing $s"
done
is "$missing" "" "every host state is named in lifeboat(1)"

done_testing
