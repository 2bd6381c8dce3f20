#!/usr/bin/env bash
# tests/graph-server.py, the Microsoft identity platform and Graph test
# server the entra key source is tested against, checked by independent
# clients (the curl command line, Python's urllib and requests) against
# the shapes Microsoft documents: the token endpoint (client credentials,
# device code, refresh token) and its errors, the bearer token and
# User-Agent every Graph call wants, device look-up with OData quoting,
# recovery keys paged with absolute nextLinks and never carrying "key"
# in lists, the key itself only with $select=key and only for a client
# allowed to read it, throttling with Retry-After, and the stats.
. "$(dirname "$0")/lib.sh"

. "$TESTDIR/graph.sh"

# A test CA, another, and a server certificate for 127.0.0.1.
graph_certs "$T"

DEV=6a1f0c3e-8d7b-4c52-9e14-0b2d3f4a5c6d
K1=1f2e3d4c-0000-4000-8000-00000000aa01
K2=1f2e3d4c-0000-4000-8000-00000000aa02
K3=1f2e3d4c-0000-4000-8000-00000000aa03
PW1=$(recovery_password 1)
PW2=$(recovery_password 2)
PW3=$(recovery_password 3)

# data NAME CONFIG: a data file with three keys for one device.
data() {
	cat >"$T/$1.json" <<EOF
{"tenant": "contoso.example",
 "clients": {"app": {"secret": "Sec/ret+1="},
             "basic": {"secret": "b", "basic_only": true}},
 "devices": [{"id": "obj-1", "deviceId": "$DEV", "displayName": "PC-01"},
             {"id": "obj-2", "deviceId": "$K1", "displayName": "O'Brien's PC"}],
 "keys": [
  {"id": "$K1", "createdDateTime": "2024-01-01T10:00:00Z", "volumeType": "1",
   "deviceId": "$DEV", "key": "$PW1"},
  {"id": "$K2", "createdDateTime": "2024-01-02T10:00:00Z", "volumeType": 2,
   "deviceId": "$DEV", "key": "$PW2"},
  {"id": "$K3", "createdDateTime": "2024-01-03T10:00:00Z", "volumeType": 3,
   "deviceId": "$DEV", "key": "$PW3"}],
 "config": $2}
EOF
}

# start NAME: a server on data NAME; its port in $port.
start() {
	graph_start "$1" "$T"
	port=${url##*:}
}

data plain '{"page_size": 1, "device_pending": 2}'
start plain
P=$port
U="https://127.0.0.1:$P"
C=(curl -sS --cacert "$T/ca.pem")

# field JSON EXPR: a Python expression on the document j.
field() {
	python3 -c 'import json, sys; j = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

# 1. The token endpoint, by curl.
out=$("${C[@]}" -w '\n%{http_code}' "$U/contoso.example/oauth2/v2.0/token" \
    -d grant_type=client_credentials -d client_id=app \
    --data-urlencode 'client_secret=Sec/ret+1=' \
    --data-urlencode scope=https://graph.microsoft.com/.default)
is "$(tail -1 <<<"$out")" 200 "client credentials: 200"
j=$(head -1 <<<"$out")
is "$(field "$j" 'j["token_type"], j["expires_in"], j["ext_expires_in"]')" \
    "('Bearer', 3599, 3599)" "client credentials: a Bearer token for 3599 s"
TOK=$(field "$j" 'j["access_token"]')
like "$TOK" '^[A-Za-z0-9._-]{40,}$' "the access token is an opaque word"

out=$("${C[@]}" -w '\n%{http_code}' "$U/contoso.example/oauth2/v2.0/token" \
    -d grant_type=client_credentials -d client_id=app \
    -d client_secret=wrong \
    --data-urlencode scope=https://graph.microsoft.com/.default)
is "$(tail -1 <<<"$out")" 401 "a wrong secret: 401"
j=$(head -1 <<<"$out")
is "$(field "$j" 'j["error"], j["error_codes"]')" \
    "('invalid_client', [7000215])" "a wrong secret: invalid_client, 7000215"
like "$(field "$j" 'j["error_description"]')" '^AADSTS7000215: Invalid client secret provided\.' \
    "a wrong secret: the AADSTS description"
is "$(field "$j" 'sorted(j)')" \
    "['correlation_id', 'error', 'error_codes', 'error_description', 'timestamp', 'trace_id']" \
    "a wrong secret: the fields of Microsoft's error answer"

out=$("${C[@]}" -w '\n%{http_code}' "$U/fabrikam.example/oauth2/v2.0/token" \
    -d grant_type=client_credentials -d client_id=app -d client_secret=x)
is "$(tail -1 <<<"$out")" 400 "an unknown tenant: 400"
like "$(head -1 <<<"$out")" '"AADSTS90002: Tenant' "an unknown tenant: AADSTS90002"

# 2. Graph wants the token and a User-Agent.
FILTER="%24filter=displayName%20eq%20%27PC-01%27&%24select=id,deviceId,displayName"
out=$("${C[@]}" -w '\n%{http_code}' "$U/v1.0/devices?$FILTER")
is "$(tail -1 <<<"$out")" 401 "no token: 401"
is "$(field "$(head -1 <<<"$out")" 'j["error"]["code"]')" \
    InvalidAuthenticationToken "no token: InvalidAuthenticationToken"
out=$("${C[@]}" -w '\n%{http_code}' -H 'Authorization: Bearer forged' \
    "$U/v1.0/devices?$FILTER")
is "$(tail -1 <<<"$out")" 401 "a token not issued here: 401"
out=$("${C[@]}" -w '\n%{http_code}' -A '' -H "Authorization: Bearer $TOK" \
    "$U/v1.0/devices?$FILTER")
is "$(tail -1 <<<"$out")" 400 "no User-Agent: 400"
out=$("${C[@]}" -H "Authorization: Bearer $TOK" "$U/v1.0/devices?$FILTER")
is "$(field "$out" 'j["value"]')" \
    "[{'id': 'obj-1', 'deviceId': '$DEV', 'displayName': 'PC-01'}]" \
    "devices by display name, with \$select"
like "$(field "$out" 'j["@odata.context"]')" 'metadata#devices$' \
    "devices: @odata.context"
out=$("${C[@]}" -w '\n%{http_code}' -H "Authorization: Bearer $TOK" \
    "$U/v1.0/devices?%24filter=displayName%20eq%20%27O%27Brien%27")
is "$(tail -1 <<<"$out")" 400 "a lone quote in an OData string: 400"

# 3. Python (urllib, requests): OData quoting, paging, keys.
if python3 -c 'import requests' 2>/dev/null; then
	got=$(python3 - "$U" "$TOK" "$T/ca.pem" <<'EOF' 2>&1
import os, sys, requests, urllib.parse
u, tok, ca = sys.argv[1:]
# Session.verify loses to REQUESTS_CA_BUNDLE from the environment.
os.environ.pop("CURL_CA_BUNDLE", None)
os.environ["REQUESTS_CA_BUNDLE"] = ca
s = requests.Session()
s.verify = ca
s.headers["Authorization"] = "Bearer " + tok
r = s.get(u + "/v1.0/devices", params={
    "$filter": "displayName eq 'O''Brien''s PC'"})
print("obrien", r.status_code, [d["displayName"] for d in r.json()["value"]])
dev = s.get(u + "/v1.0/devices", params={
    "$filter": "displayName eq 'PC-01'"}).json()["value"][0]
url = u + "/v1.0/informationProtection/bitlocker/recoveryKeys?" + \
    urllib.parse.urlencode({"$filter": "deviceId eq '%s'" % dev["deviceId"]},
                           quote_via=urllib.parse.quote)
ids, pages, haskey, types = [], 0, False, []
while url:
    j = s.get(url).json()
    pages += 1
    for k in j["value"]:
        ids.append(k["id"])
        haskey = haskey or "key" in k
        types.append(k["volumeType"])
        assert k["@odata.type"] == "#microsoft.graph.bitlockerRecoveryKey"
    url = j.get("@odata.nextLink")
    assert url is None or url.startswith("https://127.0.0.1:")
print("pages", pages, len(ids), haskey, types)
r = s.get(u + "/v1.0/informationProtection/bitlocker/recoveryKeys/" + ids[0])
print("plain", r.status_code, "key" in r.json())
r = s.get(u + "/v1.0/informationProtection/bitlocker/recoveryKeys/" + ids[0],
          params={"$select": "key"})
print("select", r.status_code, r.json()["key"], r.json()["id"])
r = s.get(u + "/v1.0/informationProtection/bitlocker/recoveryKeys/" +
          "00000000-0000-0000-0000-000000000000", params={"$select": "key"})
print("missing", r.status_code, r.json()["error"]["code"])
EOF
)
	like "$got" "^obrien 200 \[\"O'Brien's PC\"\]$" \
	    "requests: '' in an OData string is one quote"
	like "$got" "^pages 3 3 False \['1', 2, 3\]$" \
	    "requests: three pages of one key, no key in lists, volumeType as given"
	like "$got" "^plain 200 False$" "requests: no key without \$select=key"
	like "$got" "^select 200 $PW1 $K1$" "requests: the key with \$select=key"
	like "$got" "^missing 404 Request_ResourceNotFound$" \
	    "requests: an unknown key: 404"
else
	_report 0 "# SKIP python3-requests missing"
fi

# 4. The device-code sign-in, by urllib: pending twice, then a token and
# a refresh token that can be used once.
got=$(python3 - "$U" "$T/ca.pem" <<'EOF' 2>&1
import json, ssl, sys, urllib.error, urllib.parse, urllib.request
u, ca = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
def post(path, form):
    req = urllib.request.Request(u + path,
        data=urllib.parse.urlencode(form).encode())
    try:
        with urllib.request.urlopen(req, context=ctx) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)
st, dc = post("/contoso.example/oauth2/v2.0/devicecode",
              {"client_id": "app", "scope":
               "https://graph.microsoft.com/.default offline_access"})
print("code", st, dc["verification_uri"], dc["interval"],
      dc["user_code"] in dc["message"], sorted(dc))
g = "urn:ietf:params:oauth:grant-type:device_code"
for i in range(3):
    st, t = post("/contoso.example/oauth2/v2.0/token",
                 {"grant_type": g, "client_id": "app",
                  "device_code": dc["device_code"]})
    print("poll", st, t.get("error") or t["token_type"])
st, r = post("/contoso.example/oauth2/v2.0/token",
             {"grant_type": "refresh_token", "client_id": "app",
              "refresh_token": t["refresh_token"]})
print("refresh", st, "access_token" in r)
st, r = post("/contoso.example/oauth2/v2.0/token",
             {"grant_type": "refresh_token", "client_id": "app",
              "refresh_token": t["refresh_token"]})
print("again", st, r["error"])
EOF
)
like "$got" "^code 200 https://microsoft.com/devicelogin 1 True \['device_code', 'expires_in', 'interval', 'message', 'user_code', 'verification_uri'\]$" \
    "device code: the documented fields, the user code in the message"
is "$(grep -c '^poll 400 authorization_pending$' <<<"$got")" 2 \
    "device code: authorization_pending twice"
like "$got" '^poll 200 Bearer$' "device code: then a token"
like "$got" '^refresh 200 True$' "a refresh token gives a new token"
like "$got" '^again 400 invalid_grant$' "and only once"

# 5. A basic-only client reads metadata, not keys.
BTOK=$("${C[@]}" "$U/contoso.example/oauth2/v2.0/token" \
    -d grant_type=client_credentials -d client_id=basic -d client_secret=b \
    --data-urlencode scope=https://graph.microsoft.com/.default |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
KU="$U/v1.0/informationProtection/bitlocker/recoveryKeys/$K2"
out=$("${C[@]}" -w '\n%{http_code}' -H "Authorization: Bearer $BTOK" "$KU")
is "$(tail -1 <<<"$out")" 200 "basic-only: metadata is readable"
out=$("${C[@]}" -w '\n%{http_code}' -H "Authorization: Bearer $BTOK" \
    "$KU?%24select=key")
is "$(tail -1 <<<"$out")" 403 "basic-only: \$select=key is 403"
is "$(field "$(head -1 <<<"$out")" 'j["error"]["code"]')" \
    Authorization_RequestDenied "basic-only: Authorization_RequestDenied"
unlike "$out" "$PW2" "basic-only: no key in the answer"

# 6. Stats.
st=$("${C[@]}" "$U/_lb/stats")
is "$(field "$st" 'j["key_reads"]')" "{'$K1': 1}" \
    "stats: the one key read with \$select=key"
is "$(field "$st" 'j["requests"]["keys_list"]')" 3 "stats: three list pages"
is "$(field "$st" 'j["requests"]["device_pending"]')" 2 \
    "stats: two pending polls"

# 7. Throttling: every 2nd Graph request 429, every 3rd 503.
data busy '{"every_429": 2, "every_503": 3, "retry_after": "1"}'
start busy
BU="https://127.0.0.1:$port"
TOK=$("${C[@]}" "$BU/contoso.example/oauth2/v2.0/token" \
    -d grant_type=client_credentials -d client_id=app \
    --data-urlencode 'client_secret=Sec/ret+1=' \
    --data-urlencode scope=https://graph.microsoft.com/.default |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
codes=
for i in 1 2 3 4 5 6; do
	"${C[@]}" -D "$T/h$i" -o "$T/b$i" -H "Authorization: Bearer $TOK" \
	    "$BU/v1.0/devices?$FILTER"
	codes="$codes $(head -1 "$T/h$i" | cut -d' ' -f2)"
done
is "$codes" " 200 429 503 429 200 429" "throttling: the 429s and 503s fall as set"
like "$(cat "$T/h2")" '^Retry-After: 1' "429 with Retry-After: 1"
is "$(field "$(cat "$T/b2")" 'j["error"]["code"], j["error"]["message"]')" \
    "('TooManyRequests', 'Please retry again later.')" "429: TooManyRequests"
like "$(cat "$T/h3")" '^Retry-After: 1' "503 with Retry-After"
st=$("${C[@]}" "$BU/_lb/stats")
is "$(field "$st" 'j["requests"]["throttled_429"], j["requests"]["throttled_503"]')" \
    "(3, 1)" "stats: three 429s, one 503"

# 8. TLS: a client that trusts another CA refuses the server.
curl -sS --cacert "$T/other-ca.pem" "$U/_lb/stats" >/dev/null 2>&1
is "$?" 60 "curl refuses the certificate with another CA"

# 9. SIGTERM writes the stats file.
kill "$graph_pid"	# the busy server, started last
for i in $(seq 50); do [ -s "$T/busy/stats.json" ] && break; sleep 0.1; done
is "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["requests"]["devices"])' "$T/busy/stats.json")" \
    2 "stats.json after SIGTERM"

done_testing
