#!/usr/bin/env bash
# lifeboat's own inventory format: list, graph, check, --json, merging,
# and one clear line for each kind of bad input.
. "$(dirname "$0")/lib.sh"
cd "$TESTDIR/data/native"
demo=../../../inventory/demo.yml

lb -i $demo inventory list
is "$rc" 0 "list exits 0"
is "$(printf '%s\n' "$out" | head -n 1 | tr -s ' ')" \
    "HOST SITE OS TRANSPORT ADDRESS TIER TAGS" "list has a header"
is "$(printf '%s\n' "$out" | sed 1d | wc -l | tr -d ' ')" 14 "list shows 14 hosts"
is "$(printf '%s\n' "$out" | grep '^ams-pos01' | tr -s ' ')" \
    "ams-pos01 ams windows sim 10.1.0.51 1 pos,kiosk" "a host's row"

lb -i $demo --json inventory list 'ams:&web'
is "$rc" 0 "list --json exits 0"
j=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
h = d["hosts"][0]
print(d["count"], d["pattern"], [x["name"] for x in d["hosts"]], h["site"],
      h["address"], h["user"], h["transport"], h["os"], h["tier"], h["tags"],
      h["groups"], h["backups"][0]["type"], h["backups"][0]["max_age_ms"],
      h["sim"]["latency_ms"], h["source"]["line"], d["sources"][0]["format"])')
is "$j" "2 ams:&web ['ams-web01', 'ams-web02'] ams 10.1.0.21 ops sim linux 2 ['web'] ['ams', 'linux', 'web'] restic 93600000 40 40 lifeboat" \
    "list --json carries every field"

lb -i $demo --json inventory list nyc-ws002
is "$(printf '%s' "$out" | python3 -c 'import json,sys; h=json.load(sys.stdin)["hosts"][0]["sim"]; print(h["unreachable"], h["boot_loop"])')" \
    "True None" "sim settings in JSON"

lb -i $demo inventory graph
is "$rc" 0 "graph exits 0"
is "$(printf '%s\n' "$out" | head -n 2)" "14 hosts in 3 sites
ams: Amsterdam DC1 (head office) (6 hosts)" "graph heads each site"
LC_ALL=C lb -i $demo inventory graph nyc
like "$out" '^`-- nyc-bak01' "graph falls back to ASCII"
like "$out" '^\|-- nyc-dc01' "graph ASCII branches"
lb -i $demo --json inventory graph 'fra:!windows'
is "$out" '{"sites":[{"name":"ams","description":"Amsterdam DC1 (head office)","hosts":[]},{"name":"fra","description":"Frankfurt DC2 (payments)","hosts":["fra-app01","fra-web02"]},{"name":"nyc","description":"New York branch office","hosts":[]},{"name":null,"description":null,"hosts":[]}]}' \
    "graph --json"

lb -i $demo inventory check
is "$rc" 0 "check of the demo exits 0"
is "$out" "inventory ok: 14 hosts in 3 sites, 18 groups; 0 errors, 0 warnings" \
    "check summary"

lb -i $demo inventory list nosuchhost
is "$rc" 0 "a pattern matching nothing is not an error for list"
like "$err" "note: pattern 'nosuchhost' matches no host" "but it is noted"

# Each kind of bad input: one line with file:line:column, exit 2.
check_bad() {	# file expected-line
	lb -i "$1" inventory list
	is "$rc" 2 "$1: exit 2"
	is "$err" "$2" "$1: says where and what"
	is "$out" "" "$1: nothing on stdout"
}
check_bad bad-unknown-key.yml \
    "bad-unknown-key.yml:4:34: error: unknown key 'adress' in a host (did you mean 'address'?)"
check_bad bad-duplicate.yml \
    "bad-duplicate.yml:7:7: error: duplicate host 'web1' (first defined at bad-duplicate.yml:4:7)"
check_bad bad-port.yml \
    "bad-port.yml:4:47: error: bad ssh.port '70000': port must be a number from 1 to 65535"
check_bad bad-noaddress.yml \
    "bad-noaddress.yml:5:7: error: host 'web1' has no address (needed for transport ssh)"
check_bad bad-syntax.yml \
    "bad-syntax.yml:5:11: error: did not find expected ',' or '}' while parsing a flow mapping (line 4)"
check_bad bad-group.yml \
    "bad-group.yml:6:14: error: group 'payments' names unknown host 'ams-web1' (did you mean 'ams-web01'?)"

lb -i bad-transport.yml inventory check
is "$rc" 2 "check with errors exits 2"
is "$err" "bad-transport.yml:4:45: error: bad transport 'telnet': transport must be ssh, winrm or sim
bad-transport.yml:5:38: error: unknown os 'windoze' (did you mean 'windows'?)" \
    "unknown transport and os, both reported"

lb -i bad-many.yml inventory check
is "$(printf '%s\n' "$err" | cut -d: -f1-3)" "bad-many.yml:2:3
bad-many.yml:6:38
bad-many.yml:7:7
bad-many.yml:8:51" "check reports every problem at once, in order"
like "$err" "winrm.allow_unencrypted: true" "plain http WinRM needs allow_unencrypted"
like "$out" "3 hosts in 1 site, .* 4 errors, 0 warnings" "check counts the errors"

lb -i bad-many.yml --json inventory check
is "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["ok"], d["errors"], [(x["line"], x["column"]) for x in d["diagnostics"]])')" \
    "False 4 [(2, 3), (6, 38), (7, 7), (8, 51)]" "check --json lists the diagnostics"

lb -i missing.yml inventory list
is "$rc" 2 "a missing file exits 2"
is "$err" "missing.yml: error: cannot read inventory: No such file or directory" \
    "a missing file is named"

# Several -i are merged: later values win, tags combine.
lb -i $demo -i overlay.yml --json inventory list ams-web01
is "$(printf '%s' "$out" | python3 -c 'import json,sys; h=json.load(sys.stdin)["hosts"][0]; print(h["user"], h["tags"], h["address"], h["source"]["line"])')" \
    "deploy ['pci', 'web'] 10.1.0.21 40" "merge: later user wins, tags combine, origin kept"
lb -i bad-duplicate.yml -i site-b.yml inventory check
like "$err" "duplicate host 'web1'" "duplicates in one file stay errors with merging"
cat > "$T/a.yml" <<'Y'
sites: { ams: { hosts: { web1: { address: 10.0.0.1 } } } }
Y
lb -i "$T/a.yml" -i site-b.yml inventory list
is "$rc" 2 "a host in two sites exits 2"
like "$err" "site-b.yml:4:7: error: host 'web1' is in site 'fra' here but in site 'ams' at .*a.yml:1:26" \
    "a host in two sites names both"

# A directory is read file by file.
mkdir -p "$T/dir" && cp $demo "$T/dir/10-demo.yml" && cp overlay.yml "$T/dir/20-overlay.yml"
touch "$T/dir/notes.txt~"
lb -i "$T/dir" inventory list 'pci'
is "$(printf '%s\n' "$out" | sed 1d | cut -d' ' -f1)" "ams-web01" "a directory of inventories is merged"

# Defaults: layering of file, site and host.
cat > "$T/layers.yml" <<'Y'
sites:
  ams:
    defaults: { user: siteuser, tags: [dc1] }
    hosts:
      h1: { address: 10.0.0.1 }
      h2: { address: 10.0.0.2, user: own }
  fra:
    hosts:
      h3: { address: 10.0.0.3 }
defaults: { user: fileuser, transport: winrm, tags: [all-hosts] }
Y
lb -i "$T/layers.yml" --json inventory list
is "$(printf '%s' "$out" | python3 -c 'import json,sys
for h in json.load(sys.stdin)["hosts"]: print(h["name"], h["user"], h["transport"], h["port"], h["os"], ",".join(h["tags"]))')" \
    "h1 siteuser winrm 5986 windows dc1,all-hosts
h2 own winrm 5986 windows dc1,all-hosts
h3 fileuser winrm 5986 windows all-hosts" "host over site defaults over file defaults, wherever defaults stand"

# Secrets in vars are never shown.
cat > "$T/secret.yml" <<'Y'
hosts:
  h1: { address: 10.0.0.1, vars: { db_password: hunter2, api_token: abc, password_file: /etc/pw, role: web } }
Y
lb -i "$T/secret.yml" --json inventory list
unlike "$out" "hunter2|abc\"" "secret vars are redacted"
like "$out" '"db_password":"\*\*\*\*\*\*\*\*"' "redacted as ********"
like "$out" '"password_file":"/etc/pw","role":"web"' "file names and plain vars are shown"

# Regressions.  An anchor name reused in a streamed host entry stays valid.
cat > "$T/anchors.yml" <<'Y'
defaults: {}
hosts:
  h1: &x { address: one }
  h2: &x { address: two }
  h4: { address: four, user: u }
  h5: *x
Y
lb -i "$T/anchors.yml" --json inventory list h5
like "$out" '"address":"two"' "a redefined anchor in a streamed entry survives"
# Plain numbers are JSON numbers; nesting deeper than 32 is fine.
cat > "$T/vars.yml" <<'Y'
hosts:
  h1: { address: a, vars: { n: [1.5, -2, 1e3, .5, "7"], deep: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] } }
Y
lb -i "$T/vars.yml" --json inventory list
like "$out" '"n":\[1.5,-2,1e3,".5","7"\]' "plain numbers are typed in JSON"
like "$out" '"deep":\[{40}1\]{40}' "deeply nested vars are written whole"
# all and ungrouped are lifeboat's own.
printf 'hosts:\n  h1: { address: a, groups: [ungrouped] }\n' > "$T/ug.yml"
lb -i "$T/ug.yml" inventory list
is "$err" "$T/ug.yml:2:30: error: invalid group name 'ungrouped'" \
    "a host cannot join the built-in groups"

done_testing
