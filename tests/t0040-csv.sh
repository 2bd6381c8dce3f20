#!/usr/bin/env bash
# CMDB CSV exports: column names as CMDBs write them, quoting, BOM,
# separators, and one clear line for each kind of bad input.
. "$(dirname "$0")/lib.sh"
cd "$TESTDIR/data/csv"

fields() {	# prints chosen fields of every host of a list --json
	python3 -c '
import json, sys
for h in json.load(sys.stdin)["hosts"]:
    print(h["name"], h["address"], h["site"], h["os"], h["tier"],
          h["transport"], h["description"], ",".join(h["tags"]),
          json.dumps(h["vars"], sort_keys=True))'
}

lb -i servicenow.csv --json inventory list
is "$rc" 0 "a ServiceNow export loads"
is "$(printf '%s' "$out" | fields)" \
'AMS-DC01 10.1.0.10 ams windows 0 winrm Domain controller, primary  {"serial_number": "SN-001", "sys_class_name": "cmdb_ci_win_server"}
ams-web01 10.1.0.21 ams linux 2 ssh Web "front" node  {"serial_number": "SN-002", "sys_class_name": "cmdb_ci_linux_server"}
fra-db01 10.2.0.30 fra linux 1 ssh Payments DB  {"serial_number": "SN-003", "sys_class_name": "cmdb_ci_linux_server"}' \
    "ServiceNow columns, product names, tiers and quotes"

lb -i excel-semicolon.csv --json inventory list
is "$(printf '%s' "$out" | fields)" \
'nyc-ws001 10.3.1.1 nyc windows None winrm None workstation,kiosk {"notes": "first line\nsecond line"}
nyc-bak01 10.3.0.50 nyc linux None ssh None backup {}' \
    "BOM, semicolons, a line break inside quotes, a blank line"

lb -i native-keys.csv --json inventory list win1
is "$(printf '%s' "$out" | python3 -c 'import json,sys; h=json.load(sys.stdin)["hosts"][0]; print(h["port"], h["winrm"]["scheme"], h["winrm"]["allow_unencrypted"])')" \
    "5985 http True" "native keys as column names"

check_bad() {	# file rc expected-stderr
	lb -i "$1" inventory list
	is "$rc" "$2" "$1: exit $2"
	is "$err" "$3" "$1: says where and what"
}
check_bad bad-quote.csv 2 "bad-quote.csv:3:6: error: quoted field is not closed"
check_bad bad-extra.csv 2 "bad-extra.csv:2:15: error: row has 3 fields but the header has 2"
check_bad bad-noname.csv 2 "bad-noname.csv:1:1: error: no host name column (one of: name, host, hostname, fqdn, computer name, device name, ci name, asset name)"
check_bad bad-values.csv 2 "bad-values.csv:2:6: warning: operating system 'toaster OS' not recognised; left unset
bad-values.csv:2:17: error: bad tier 'high': tier must be a number from 0 (most critical) to 99"

# Operating systems are recognised by whole words; numbers have no sign.
printf 'name,os,port\nh1,Hassles,+22\nh2,Microsoft Windows Server 2022,\n' >"$T/os.csv"
lb -i "$T/os.csv" inventory list
is "$err" "$T/os.csv:2:4: warning: operating system 'Hassles' not recognised; left unset
$T/os.csv:2:12: error: bad port '+22': port must be a number from 1 to 65535" \
    "no os by a word inside a word; no '+' before a port"

# A location as a CMDB writes it becomes a site name.
printf 'name,location\nh1,Amsterdam DC1\nh2,"New York / 5th Ave"\n' >"$T/loc.csv"
lb -i "$T/loc.csv" inventory list
is "$(printf '%s\n' "$out" | sed 1d | awk '{print $1, $2}')" "h1 amsterdam-dc1
h2 new-york-5th-ave" "locations become site names"

# Merged with a native inventory: the CSV adds tags to known hosts.
printf 'name,tags\nams-web01,pci\n' >"$T/extra.csv"
lb -i ../../../inventory/demo.yml -i "$T/extra.csv" inventory list pci
is "$(printf '%s\n' "$out" | sed 1d | tr -s ' ')" \
    "ams-web01 ams linux sim 10.1.0.21 2 pci,web" "a CSV merges into a native inventory"

done_testing
