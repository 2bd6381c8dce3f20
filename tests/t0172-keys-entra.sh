#!/usr/bin/env bash
# lifeboat keys fetch --from entra, end to end, against
# tests/graph-server.py over HTTPS with a test CA: client credentials and
# the device-code sign-in (its instruction on stderr with the user code),
# paging, 429s and 503s waited out, a device looked up by its entra_name,
# device not found, no key escrowed, 403 for a client that may not read
# keys, a wrong client secret; the keys then found by the 8 hex digits
# of the recovery screen; and the client secret, the tokens and the
# recovery passwords in no file lifeboat wrote under $T (the vault is
# encrypted) nor on stderr at -v.
. "$(dirname "$0")/lib.sh"
# A cheap scrypt: the vault is not what these tests are about.
export LIFEBOAT_VAULT_WORK_FACTOR=10

. "$TESTDIR/graph.sh"

# The server's side (certificates, data, secrets) lives in $T/srv.
S="$T/srv"
graph_certs "$S"
cp "$S/ca.pem" "$T/ca.pem"

SECRET='Zq8~client.secret+/=Entra'
printf '%s\n' "$SECRET" >"$S/secret"
printf 'wrong-secret-value\n' >"$S/wrong"
printf 'basic-secret\n' >"$S/basic"
printf 'vault pass phrase\n' >"$T/passphrase"
export LIFEBOAT_VAULT_PASSPHRASE_FILE="$T/passphrase"

# Five valid-format recovery passwords (each group 11 times a 16-bit
# number) and key IDs whose first 8 hex digits differ.
for i in 1 2 3 4 5; do eval "PW$i=\$(recovery_password $((i + 7200)))"; done
D1=d1d1d1d1-0000-4000-8000-000000000001
D2=d2d2d2d2-0000-4000-8000-000000000002
D3=d3d3d3d3-0000-4000-8000-000000000003
D4=d4d4d4d4-0000-4000-8000-000000000004
K1=1a2b3c4d-1111-4000-8000-0000000000a1
K2=2b3c4d5e-2222-4000-8000-0000000000a2
K3=3c4d5e6f-3333-4000-8000-0000000000a3
K4=4d5e6f70-4444-4000-8000-0000000000a4
K5=5e6f7081-5555-4000-8000-0000000000a5

# data NAME CONFIG
data() {
	cat >"$S/$1.json" <<EOF
{"tenant": "contoso.example",
 "clients": {"lifeboat-app": {"secret": "$SECRET"},
             "basic-app": {"secret": "basic-secret", "basic_only": true}},
 "devices": [
  {"id": "o1", "deviceId": "$D1", "displayName": "PC-01"},
  {"id": "o2", "deviceId": "$D2", "displayName": "PC-02"},
  {"id": "o3", "deviceId": "$D3", "displayName": "O'Brien PC"},
  {"id": "o4", "deviceId": "$D4", "displayName": "NOKEY-01"}],
 "keys": [
  {"id": "$K1", "createdDateTime": "2024-03-01T08:00:00Z", "volumeType": "1",
   "deviceId": "$D1", "key": "$PW1"},
  {"id": "$K2", "createdDateTime": "2024-03-02T08:00:00Z", "volumeType": 2,
   "deviceId": "$D1", "key": "$PW2"},
  {"id": "$K3", "createdDateTime": "2024-03-03T08:00:00Z", "volumeType": "3",
   "deviceId": "$D1", "key": "$PW3"},
  {"id": "$K4", "createdDateTime": "2024-03-04T08:00:00Z", "volumeType": 1,
   "deviceId": "$D2", "key": "$PW4"},
  {"id": "$K5", "createdDateTime": "2024-03-05T08:00:00Z", "volumeType": 1,
   "deviceId": "$D3", "key": "$PW5"}],
 "config": $2}
EOF
}

stats() {	# URL EXPR
	curl -sS --cacert "$S/ca.pem" "$1/_lb/stats" |
	    python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"
}

cat >"$T/inv.yml" <<'EOF'
defaults:
  transport: sim
  os: windows
sites:
  ams:
    hosts:
      pc-01: { address: 10.0.0.1 }
      pc-02: { address: 10.0.0.2 }
      obrien: { address: 10.0.0.3, vars: { entra_name: "O'Brien PC" } }
  fra:
    hosts:
      nokey-01: { address: 10.0.1.1 }
      ghost: { address: 10.0.1.2 }
EOF

# Throttled for the first fetch (about 25 Graph requests) only: the
# waits are real seconds, and the later checks are not about them.
data main '{"page_size": 2, "every_429": 5, "every_503": 7, "retry_after": "1", "throttle_until": 30}'
graph_start main "$S"
MAIN=$url
export LIFEBOAT_ENTRA_TENANT=contoso.example
export LIFEBOAT_ENTRA_CLIENT_ID=lifeboat-app
export LIFEBOAT_ENTRA_LOGIN_URL="$MAIN" LIFEBOAT_ENTRA_GRAPH_URL="$MAIN/v1.0"
export LIFEBOAT_ENTRA_CA_FILE="$T/ca.pem"
export LIFEBOAT_ENTRA_CLIENT_SECRET_FILE="$S/secret"

# 1. Client credentials, with throttling on.
lb -i "$T/inv.yml" keys fetch --from entra -v all
echo "$err" >"$T/stderr-1"
is "$rc" 1 "fetch: exit 1 when some hosts got no key"
like "$out" '^ghost: device not found$' "ghost: device not found"
like "$out" '^nokey-01: no key escrowed$' "nokey-01: no key escrowed"
like "$out" '^fetched 5 keys for 3 of 5 hosts \(5 new, 0 updated\); 2 hosts without a key$' \
    "the summary line"
like "$err" 'entra: GET /v1.0/devices\?%24filter=displayName%20eq%20%27O%27%27Brien%20PC%27' \
    "-v: the entra_name, OData-quoted and URL-encoded"
like "$err" 'entra: HTTP 429, retry in 1000 ms' "-v: a 429 waited out"
like "$err" 'entra: HTTP 503, retry in 1000 ms' "-v: a 503 waited out"
is "$(stats "$MAIN" 'sorted(j["key_reads"].values())')" "[1, 1, 1, 1, 1]" \
    "every key read with \$select=key exactly once"
is "$(stats "$MAIN" 'j["requests"]["keys_list"]')" 5 \
    "five list pages: two for pc-01, one each for the others"
is "$(stats "$MAIN" 'j["requests"]["token_ok"]')" 1 "one token"
like "$(stats "$MAIN" 'j["requests"]["throttled_429"]')" '^[1-9]' \
    "the server did throttle"

# 2. The keys are in the vault, found by the screen's 8 hex digits.
lb keys find 2B3C4D5E
is "$rc" 0 "find by 8 hex digits"
like "$out" '^host +pc-01 \(site ams\)$' "find: the host"
like "$out" '^volume +fixed data volume$' "find: volumeType 2 as a number"
like "$out" "^password +$PW2\$" "find: the password"
like "$out" '^source +entra' "find: the source"
lb keys find "{5E6F7081-5555-4000-8000-0000000000A5}"
like "$out" '^host +obrien \(site ams\)$' "find: the host looked up by entra_name"
like "$out" '^volume +operating system volume$' "find: volumeType 1"
lb keys list --json
is "$(python3 -c 'import json, sys
j = json.loads(sys.argv[1])
print(sorted((k["host"], k["id"][:8], k["source"], k["volume"], k["created"]) for k in j["keys"]))' "$out")" \
    "[('obrien', '5E6F7081', 'entra', 'operating system volume', '2024-03-05T08:00:00Z'), ('pc-01', '1A2B3C4D', 'entra', 'operating system volume', '2024-03-01T08:00:00Z'), ('pc-01', '2B3C4D5E', 'entra', 'fixed data volume', '2024-03-02T08:00:00Z'), ('pc-01', '3C4D5E6F', 'entra', 'removable data volume', '2024-03-03T08:00:00Z'), ('pc-02', '4D5E6F70', 'entra', 'operating system volume', '2024-03-04T08:00:00Z')]" \
    "list: five keys with volumes and creation times"

# 3. Again, as JSON: nothing new.
lb -i "$T/inv.yml" keys fetch --from entra --json all
is "$rc" 1 "second fetch: exit 1"
is "$(python3 -c 'import json, sys
j = json.loads(sys.argv[1])
print(j["keys"], j["new"], sorted((h["host"], h["status"], h["keys"]) for h in j["hosts"]))' "$out")" \
    "5 0 [('ghost', 'not-found', 0), ('nokey-01', 'no-key', 0), ('obrien', 'ok', 1), ('pc-01', 'ok', 3), ('pc-02', 'ok', 1)]" \
    "second fetch: the same keys, none new, each host's status"

# 4. Only the hosts that have keys: exit 0.
lb -i "$T/inv.yml" keys fetch --from entra 'pc-*'
is "$rc" 0 "every target got a key: exit 0"

# 5. A client that may read metadata but not keys.
LIFEBOAT_ENTRA_CLIENT_SECRET_FILE="$S/basic" lb -i "$T/inv.yml" \
    keys fetch --from entra -o client_id=basic-app --json pc-02
is "$rc" 1 "denied: exit 1"
is "$(python3 -c 'import json, sys
h = json.loads(sys.argv[1])["hosts"][0]
print(h["status"], h["why"])' "$out")" \
    "denied Authorization_RequestDenied" "denied: status, and Graph's code as why"
LIFEBOAT_ENTRA_CLIENT_SECRET_FILE="$S/basic" lb -i "$T/inv.yml" \
    keys fetch --from entra -o client_id=basic-app pc-02
like "$out" '^pc-02: access denied: Authorization_RequestDenied$' \
    "denied: the line for the host"

# 6. A wrong client secret.
LIFEBOAT_ENTRA_CLIENT_SECRET_FILE="$S/wrong" lb -i "$T/inv.yml" \
    keys fetch --from entra -v pc-02
is "$rc" 1 "wrong secret: exit 1"
like "$out$err" 'sign-in failed: invalid_client \(AADSTS7000215\)' \
    "wrong secret: the identity platform's error"
unlike "$out$err" 'wrong-secret-value' "wrong secret: not shown"
LIFEBOAT_ENTRA_CLIENT_SECRET_FILE="$S/wrong" lb -i "$T/inv.yml" \
    keys fetch --from entra all
is "$(grep -c 'sign-in failed' <<<"$err")" 1 \
    "wrong secret, five hosts: the sign-in failure said once"
like "$err" 'sign-in failed: .*; no host was asked$' \
    "wrong secret: and that no host was asked"
is "$out" "fetched 0 keys for 0 of 5 hosts (0 new, 0 updated); 5 hosts without a key" \
    "wrong secret: no line per host, the summary"
echo "$err" >"$T/stderr-6"

# 7. The device-code sign-in: pending twice, then signed in.
data dc '{"page_size": 1, "device_pending": 2, "device_interval": 1}'
graph_start dc "$S"
DC=$url
LIFEBOAT_ENTRA_CLIENT_SECRET_FILE=/nonexistent lb -i "$T/inv.yml" \
    keys fetch --from entra -o flow=device_code -o login_url="$DC" \
    -o graph_url="$DC/v1.0" -v pc-02
echo "$err" >"$T/stderr-7"
is "$rc" 0 "device code: exit 0"
like "$err" '^lifeboat: To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code [A-Z0-9]{9} to authenticate\.$' \
    "device code: the instruction with the user code on stderr"
is "$(stats "$DC" 'j["requests"]["device_pending"], j["requests"]["device_poll"]')" \
    "(2, 3)" "device code: polled until signed in"
like "$out" '^fetched 1 keys? for 1 of 1 hosts? \(0 new, [01] updated\)' \
    "device code: the key fetched"

# 8. No secret, no token, no password anywhere lifeboat wrote, nor on
# stderr with -v.  The vault is encrypted; $T/srv is the server's.
toks=$( (stats "$MAIN" '"\n".join(j["tokens"])'; stats "$DC" '"\n".join(j["tokens"])') )
is "$(wc -l <<<"$toks")" 7 \
    "tokens issued: 5 by client credentials, 1 by device code, 1 refresh"
leaks=
for s in "$SECRET" $toks "$PW1" "$PW2" "$PW3" "$PW4" "$PW5"; do
	if grep -rlF --exclude-dir=srv -- "$s" "$T" >/dev/null; then
		leaks="$leaks $(grep -rlF --exclude-dir=srv -- "$s" "$T" |
		    tr '\n' ' ')"
	fi
done
is "$leaks" "" "no secret, token or password in any file under \$T"
ok "the vault exists" test -s "$XDG_DATA_HOME/lifeboat/vault.age"
ok "the vault is age" grep -q '^age-encryption.org/v1' "$XDG_DATA_HOME/lifeboat/vault.age"

done_testing
