#!/usr/bin/env bash
# lifeboat keys fetch --from host end to end: the bitlocker plugin's
# script over WinRM to tests/winrm-server.py, which answers it as
# Windows does (Get-BitLockerVolume JSON as an array, as one object and
# with enum names, Win32_EncryptableVolume, manage-bde text, a TPM-only
# host, one not encrypted, one without BitLocker, one that refuses the
# shell), and to simulated hosts (tests/data/bitlocker/sim.yml); then the
# technician's look-up by 8 digits, the escrow audit playbook, and every
# recovery password found in no file under $T but the vault.
. "$(dirname "$0")/lib.sh"

DATA=$TESTDIR/data/bitlocker
PW='w1nrm-Pw!'
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 WINRM_PW="$PW"
export LIFEBOAT_VAULT_WORK_FACTOR=10
printf 'a vault passphrase for t0170\n' >"$T/pass"
export LIFEBOAT_VAULT_PASSPHRASE_FILE=$T/pass
VAULT=$XDG_DATA_HOME/lifeboat/vault.age
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

python3 "$TESTDIR/winrm-server.py" --port-file "$T/port" --password "$PW" \
    --bitlocker "$DATA/hosts.json" 2>"$T/server.log" &
pid=$!
for i in $(seq 50); do
	[ -s "$T/port" ] && break
	sleep 0.1
done
port=$(cat "$T/port")

# expect USER...: "host volume id" lines of the recovery keys the fake
# host of each user has (from hosts.json; never a password).
expect() {
	python3 - "$DATA/hosts.json" "$@" <<'EOF'
import json, sys
h = json.load(open(sys.argv[1]))
for arg in sys.argv[2:]:
    name, user = arg.split('=')
    host = h[user]
    for v in host['volumes']:
        if host['mode'] == 'off':
            continue
        for p in v['protectors']:
            if p['type'] == 3:
                print(name, v['mount'], p['id'].strip('{}'))
EOF
}

# 1. The endpoint's answers as an independent client (python3-winrm)
# sees them: the same bytes --bitlocker-print gives.
enc() {
	printf '%s' "$1" | iconv -t UTF-16LE | base64 -w0
}
if /usr/bin/python3 -c 'import winrm' 2>/dev/null; then
	got=$(/usr/bin/python3 - "$port" "$PW" "$TESTDIR/winrm-server.py" \
	    "$DATA/hosts.json" "$(enc '# lifeboat bitlocker keys: x
exit 0')" "$(enc '# lifeboat bitlocker protectors: x')" <<'EOF' 2>&1
import subprocess, sys, winrm
port, pw, server, hosts, keys, prots = sys.argv[1:]
for user, b64, what in (('bl-json', keys, 'keys'), ('bl-mbde', keys, 'keys'),
                        ('bl-cim', keys, 'keys'),
                        ('bl-json', prots, 'protectors'),
                        ('bl-none', keys, 'keys')):
    s = winrm.Session('127.0.0.1:' + port, auth=(user, pw),
                      transport='plaintext')
    r = s.run_cmd('powershell -NoProfile -NonInteractive -EncodedCommand '
                  + b64)
    want = subprocess.run([sys.executable, server, '--bitlocker', hosts,
                           '--bitlocker-print', user, what],
                          capture_output=True)
    print(user, what, r.status_code, r.std_out == want.stdout,
          r.std_out.split(b'\r\n')[0].decode(), b'\r\n' in r.std_out,
          r.std_err == want.stderr)
EOF
)
	is "$got" "bl-json keys 0 True #lifeboat-bitlocker json True True
bl-mbde keys 0 True #lifeboat-bitlocker manage-bde True True
bl-cim keys 0 True #lifeboat-bitlocker cim True True
bl-json protectors 0 True lb-bitlocker method json True True
bl-none keys 3 True  False True" "pywinrm sees the BitLocker answers byte for byte"
else
	_n=$((_n + 1)); echo "ok $_n # skip python3-winrm not installed"
fi

cat >"$T/inv.yml" <<EOF
defaults:
  transport: winrm
  os: windows
  winrm: { scheme: http, port: $port, allow_unencrypted: true, auth: basic,
           password_env: WINRM_PW, operation_timeout: 2s }
sites:
  lab:
    hosts:
      w-json: { address: 127.0.0.1, user: bl-json }
      w-single: { address: 127.0.0.1, user: bl-single }
      w-names: { address: 127.0.0.1, user: bl-names }
      w-cim: { address: 127.0.0.1, user: bl-cim }
      w-mbde: { address: 127.0.0.1, user: bl-mbde }
      w-tpm: { address: 127.0.0.1, user: bl-tpm }
      w-off: { address: 127.0.0.1, user: bl-off }
      w-none: { address: 127.0.0.1, user: bl-none }
      w-denied: { address: 127.0.0.1, user: deny }
EOF
INV="-i $T/inv.yml -i $DATA/sim.yml"

# 2. keys fetch --from host
# shellcheck disable=SC2086
lb keys fetch --from host $INV all
is "$rc" 1 "fetch: exit 1, some hosts have no key"
is "$(printf '%s\n' "$out" | grep -v '^fetched' | sort)" \
"w-denied: failed: WinRM fault w:AccessDenied (code 5) from 127.0.0.1:$port during create shell: Access is denied.
w-none: no key escrowed: bitlocker is not available on this host
w-off: no key escrowed: volume not encrypted: no volume has a key protector
w-tpm: no key escrowed: bitlocker is on but no recovery password protector" \
    "fetch: each host without a key, and why"
like "$out" "^fetched 11 keys for 7 of 11 hosts \(11 new, 0 updated\); 4 hosts without a key$" \
    "fetch: the summary"

# shellcheck disable=SC2086
lb keys fetch --from host --json $INV 'w-*,sim-*'
is "$rc" 1 "fetch --json: exit 1"
is "$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
for h in sorted(d["hosts"], key=lambda h: h["host"]):
    print(h["host"], h["status"], h["keys"])
print(d["keys"], d["new"], d["updated"])' "$out")" "sim-cim ok 2
sim-mbde ok 1
w-cim ok 2
w-denied error 0
w-json ok 2
w-mbde ok 2
w-names ok 1
w-none no-key 0
w-off no-key 0
w-single ok 1
w-tpm no-key 0
11 0 0" "fetch --json: every host's status; fetching again adds nothing"

# shellcheck disable=SC2086
lb keys fetch --from host $INV 'w-json,w-mbde,sim-cim'
is "$rc" 0 "fetch: exit 0 when every target got a key"

lb keys list --json
got=$(python3 -c '
import json, sys
for k in sorted(json.loads(sys.argv[1])["keys"],
                key=lambda k: (k["host"], k["volume"])):
    print(k["host"], k["volume"], k["id"])' "$out")
want=$(expect w-json=bl-json w-single=bl-single w-names=bl-names \
    w-cim=bl-cim w-mbde=bl-mbde w-tpm=bl-tpm w-off=bl-off \
    sim-mbde=bl-sim1 sim-cim=bl-sim2 | sort)
is "$got" "$want" "list: every recovery protector of every volume, and nothing else"
like "$out" '"source":"host"' "list: the source is host"

# 3. The technician at the recovery screen reads 8 hex digits.
lb keys find F28C105D
is "$rc" 0 "find by 8 digits: found"
like "$out" "^host +w-json \(site lab\)$" "find: the host"
like "$out" "^volume +C:$" "find: the volume"
like "$out" "^password +123915-625218-602910-100716-346984-130779-612062-085217$" \
    "find: the password from Get-BitLockerVolume"
lb keys find 5c2a3d4e
like "$out" "^password +444763-260568-148577-270864-536910-140470-090519-085932$" \
    "find: a password read from manage-bde's text, lower-case digits"
like "$out" "^volume +D:$" "find: on its second volume"
lb keys find '{8DB0B312}'
like "$out" "^host +sim-cim$" "find: a key of a simulated host, from WMI"

# 4. The escrow audit: host.escrowed holds what AD and Entra ID gave,
# none here, so every recovery protector is missing.
# shellcheck disable=SC2086
lb $INV run "$TESTDIR/../playbooks/bitlocker-escrow-audit.yml" --yes
is "$rc" 1 "audit: exit 1, protectors are not escrowed"
like "$out" "^w-json: step 'every recovery protector is escrowed': failed: C: recovery protector \{F28C105D-1FB1-4C23-90C1-92CFD3AC94AF\} is not escrowed \(and 1 more\)$" \
    "audit: the host and its first missing protector"
like "$out" "^sim-mbde: step .*: failed: C: recovery protector \{84D887F5-9625-4083-990A-EBCC0548C991\} is not escrowed$" \
    "audit: on a simulated host too"
unlike "$out" "^w-(none|tpm|off):" "audit: hosts without a recovery protector pass"
like "$out" "^lab +9 +3 +0 +6 +0 +0$" "audit: the per-site table"

cat >"$T/escrowed.yml" <<'EOF'
name: escrowed
kind: audit
targets: all
steps:
  - name: check
    bitlocker:
      escrowed: |
        f28c105d1fb14c2390c192cfd3ac94af
        {1E27A1C0-8A6A-43EC-A4ED-E6A46B4CB242}
    register: bl
  - name: values
    assert:
      that:
        - bl.method == 'json'
        - bl.protectors =~ '^.F28C105D-.*\n.1E27A1C0-'
        - bl.missing == ''
EOF
# shellcheck disable=SC2086
lb $INV run "$T/escrowed.yml" -l w-json --yes
is "$rc" 0 "audit: a host whose protectors are all escrowed passes"
# shellcheck disable=SC2086
lb $INV run "$T/escrowed.yml" -l w-cim --yes
like "$out" "w-cim: step 'check': failed: C: recovery protector \{230D977E-E225-4159-8720-771F8CA81811\} is not escrowed \(and 1 more\)" \
    "audit: one whose are not fails"

# 5. No password in any file under $T but the vault (stderr, the
# server's log, run directories, the audit log, the escrow index).
# shellcheck disable=SC2086
lb keys fetch -vvv --from host $INV all
cp "$T/.err" "$T/stderr.log"
is "$rc" 1 "fetch -vvv ran (its stderr is in \$T)"
lb keys find -vvv F28C105D
cat "$T/.err" >>"$T/stderr.log"
is "$rc" 0 "find -vvv ran"
python3 - "$T" "$DATA/hosts.json" "$VAULT" >"$T/.leak" <<'EOF'
import json, os, sys
root, hosts, vault = sys.argv[1:]
pws = [p['password'] for h in json.load(open(hosts)).values()
       if isinstance(h, dict) for v in h['volumes']
       for p in v['protectors'] if 'password' in p]
pws += [p.replace('-', '') for p in pws]
hits, files = [], 0
for d, _, names in os.walk(root):
    for f in names:
        p = os.path.realpath(os.path.join(d, f))
        if p == os.path.realpath(vault):
            continue
        files += 1
        data = open(p, 'rb').read().decode('utf-8', 'replace')
        hits += [(p, pw[:6]) for pw in pws if pw in data]
print(len(pws) // 2, files > 5, len(hits), hits[:3])
EOF
is "$(cat "$T/.leak")" "11 True 0 []" "no recovery password in any file but the vault"

done_testing
