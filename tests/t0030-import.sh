#!/usr/bin/env bash
# inventory import: other formats printed as native YAML.  What is read
# back from the output must equal what was read from the source, field by
# field; secrets are left out; a bad file writes nothing.
. "$(dirname "$0")/lib.sh"
cd "$TESTDIR/.."

# Compares the hosts of two `inventory list --json` documents, ignoring
# where each was defined and the secret vars import leaves out.
same_hosts() {
	python3 - "$1" "$2" <<'PY'
import json, sys
def load(p):
    hosts = json.load(open(p))["hosts"]
    for h in hosts:
        h.pop("source")
        h["vars"] = {k: v for k, v in h["vars"].items() if v != "********"}
    return sorted(hosts, key=lambda h: h["name"])
a, b = load(sys.argv[1]), load(sys.argv[2])
if a == b and a:
    print("same %d" % len(a))
else:
    for x, y in zip(a, b):
        for k in x:
            if x[k] != y.get(k):
                print(x["name"], k, x[k], y.get(k))
    print("differ", len(a), len(b))
PY
}

for src in tests/data/ansible/prod.ini tests/data/ansible/prod.yml \
    inventory/demo.yml tests/data/csv/servicenow.csv; do
	[ -f "$src" ] || continue
	name=$(basename "$src")
	"$LIFEBOAT" inventory import "$src" >"$T/$name.yml" 2>"$T/err"
	is "$?" 0 "$name: import exits 0"
	like "$(head -n 1 "$T/$name.yml")" "^# lifeboat inventory, imported from $src" \
	    "$name: output says where it came from"
	"$LIFEBOAT" -i "$src" --json inventory list >"$T/a.json" 2>/dev/null
	"$LIFEBOAT" -i "$T/$name.yml" --json inventory list >"$T/b.json"
	is "$?" 0 "$name: the imported inventory loads"
	like "$(same_hosts "$T/a.json" "$T/b.json")" "^same [0-9]+$" \
	    "$name: imported hosts equal the source's, field by field"
done

lb inventory import tests/data/ansible/prod.ini
unlike "$out" "ansible_password" "secret vars are not imported"
like "$err" "win-dc01.example.com': var 'ansible_password' holds a secret and is not imported" \
    "each secret left out is named"
unlike "$out$err" "S3cr3t|hunter" "no secret value appears anywhere"

lb inventory import tests/data/native/bad-port.yml
is "$rc" 2 "a bad file: exit 2"
is "$out" "" "a bad file: nothing written"
like "$err" "bad-port.yml:4:47: error: bad ssh.port '70000'" "a bad file: says where"

lb inventory import
is "$rc" 2 "no file: exit 2"
like "$err" "no FILE to import" "no file: says so"

done_testing
