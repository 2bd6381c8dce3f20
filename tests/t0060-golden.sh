#!/usr/bin/env bash
# Golden files: the list, graph and JSON of real-looking inventories, in
# every format, compared whole with the files in tests/golden/.  After a
# change that is meant to alter them, run with UPDATE_GOLDEN=1 and review
# the diff like any other change.
. "$(dirname "$0")/lib.sh"
cd "$TESTDIR/.."

golden() {	# name command...
	local name=$1 got
	shift
	# Documents (JSON, imported YAML) are standard output alone; the
	# rest with stderr.
	case "$name" in
	*.json|*.import)	got=$("$@" 2>/dev/null) ;;
	*)	got=$("$@" 2>&1) ;;
	esac
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		printf '%s\n' "$got" >"tests/golden/$name"
	fi
	if [ ! -f "tests/golden/$name" ]; then
		_report 1 "golden $name" "no file tests/golden/$name"
		return
	fi
	if [ "$got" = "$(cat "tests/golden/$name")" ]; then
		_report 0 "golden $name"
	else
		_report 1 "golden $name" \
		    "$(diff <(printf '%s\n' "$got") "tests/golden/$name" | head -n 20)"
	fi
}

for src in inventory/demo.yml tests/data/ansible/prod.ini \
    tests/data/ansible/prod.yml tests/data/csv/servicenow.csv; do
	n=$(basename "$src")
	golden "$n.list" "$LIFEBOAT" -i "$src" inventory list
	golden "$n.graph" "$LIFEBOAT" -i "$src" inventory graph
	golden "$n.json" "$LIFEBOAT" -i "$src" --json inventory list
done
golden "prod.ini.import" "$LIFEBOAT" inventory import tests/data/ansible/prod.ini
golden "check-bad-many" "$LIFEBOAT" -i tests/data/native/bad-many.yml \
    inventory check

done_testing
