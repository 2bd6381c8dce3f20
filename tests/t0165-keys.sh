#!/usr/bin/env bash
# lifeboat keys over a simulated Windows fleet (tests/keys-fixture.py):
# fetch into the vault and what each host got, the technician's look-up
# by 8 digits in every form, ambiguity, list, sheet and export, the
# audit log and its failing closed, wrong passphrases and damaged vaults
# that are never written over, merging twice, the stock age tool opening
# a vault written to recipients, the escrow index, and every password
# found nowhere but in the vault and the output that was asked for.
. "$(dirname "$0")/lib.sh"
cd "$TESTDIR/.."

export LIFEBOAT_VAULT_WORK_FACTOR=10 TMPDIR=$T/tmp
mkdir -p "$TMPDIR" "$T/fixture" "$T/out"
INV=$T/fixture/inv.yml
TRUTH=$T/fixture/keys.json
python3 tests/keys-fixture.py "$INV" "$TRUTH" --hosts 12
printf 'correct horse battery staple\n' >"$T/fixture/pass"
export LIFEBOAT_VAULT_PASSPHRASE_FILE=$T/fixture/pass
VAULT=$XDG_DATA_HOME/lifeboat/vault.age
AUDIT=$XDG_STATE_HOME/lifeboat/keys-audit.log

truth() {	# python expression over t (the list of true keys)
	python3 -c "import json,sys; t=json.load(open('$TRUTH')); $1"
}

# --- fetch -----------------------------------------------------------
lb keys fetch -i "$INV" --json 'all'
is "$rc" 1 "fetch: exit 1 when some hosts got no key"
echo "$out" >"$T/out/fetch.json"
st() {	# host -> status
	python3 -c "import json; d=json.load(open('$T/out/fetch.json'));
print([h['status'] for h in d['hosts'] if h['host']=='$1'][0])"
}
is "$(st ams-ws000)" ok "fetch: a plain host is ok"
is "$(st fra-tpmonly)" no-key "fetch: a TPM-only host has no key"
is "$(st fra-badpw)" error "fetch: a host whose only password is bad"
is "$(st fra-lnx01)" error "fetch: a Linux host is an error"
is "$(st fra-down)" unreachable "fetch: an unreachable host"
like "$err" "fra-badpw: refused a key for volume 'C:' from host: group 1 is not divisible by 11" \
    "fetch: the invalid password is reported, with its reason"
unlike "$err" "357006" "fetch: ... but never shown"
nkeys=$(truth 'print(len(t))')
is "$(python3 -c "import json; print(json.load(open('$T/out/fetch.json'))['new'])")" \
    "$nkeys" "fetch: every true key is new in the vault"
is "$(stat -c %a "$VAULT")" 600 "fetch: the vault is 0600"
is "$(head -c 22 "$VAULT")" "age-encryption.org/v1" "fetch: the vault is an age file"

lb keys fetch -i "$INV" 'ams-ws*'
is "$rc" 0 "fetch again: exit 0 when every target got a key"
like "$out" "^fetched [0-9]+ keys for 6 of 6 hosts \(0 new, 0 updated\); 0 hosts without a key$" \
    "fetch again: merging is idempotent"

lb keys fetch -i "$INV" 'fra-*'
like "$out" "^fra-tpmonly: no key escrowed" "fetch text: the host without a key is listed"
like "$out" "^fra-down: unreachable" "fetch text: the unreachable host is listed"
like "$out" "^fra-lnx01: failed: .*windows hosts only" "fetch text: and why the Linux host failed"

# --- find --------------------------------------------------------------
id=$(truth 'print([k for k in t if k["host"]=="ams-ws000"][0]["id"])')
pw=$(truth 'print([k for k in t if k["host"]=="ams-ws000"][0]["password"])')
for form in "${id:0:8}" "$(tr 'A-Z' 'a-z' <<<"${id:0:8}")" "{${id:0:8}}" \
    "$id" "{$id}" "$(tr -d '-' <<<"$id")" "${id:0:13}"; do
	lb keys find "$form"
	is "$rc" 0 "find '$form': found"
	like "$out" "^host +ams-ws000 \(site ams\)$" "find '$form': the host"
	like "$out" "^password +$pw$" "find '$form': the password as on the screen"
done
like "$out" "^volume +C:$" "find: the volume"
lb keys find --json "${id:0:8}"
is "$(python3 -c "import json,sys; m=json.loads(sys.argv[1])['matches']; print(len(m), m[0]['password'], m[0]['id'])" "$out")" \
    "1 $pw $id" "find --json: the match with its password"
twin=$(truth 'print([k for k in t if k["host"]=="ams-twin1"][0]["id"][:8])')
lb keys find "$twin"
is "$rc" 0 "find: an ambiguous prefix still answers"
like "$err" "2 keys start with $twin: read more digits" "find: ambiguity is said"
like "$out" "ams-twin1" "find: the first twin"
like "$out" "ams-twin2" "find: the second twin"
lb keys find 0000abcd
is "$rc" 1 "find: no such key is exit 1"
like "$err" "no key with ID 0000abcd in the vault" "find: says so"
lb keys find 12345
is "$rc" 2 "find: too few digits is a usage error"
like "$err" "'12345' is not a key ID" "find: says why"
lb keys find
is "$rc" 2 "find: no ID is a usage error"
ids=$(truth 'print("\n".join(k["id"][:8] for k in t if "twin" not in k["host"]))')
out=$(printf '%s\n' "$ids" | "$LIFEBOAT" keys find - 2>"$T/.err")
rc=$?
is "$rc" 0 "find -: every ID read from stdin"
is "$(printf '%s\n' "$out" | wc -l)" "$(printf '%s\n' "$ids" | wc -l)" \
    "find -: one line per ID"
like "$out" "^$id	ams-ws000	C:	$pw$" "find -: id, host, volume, password"

# --- list, sheet, export ------------------------------------------------
lb keys list
is "$rc" 0 "list: exit 0"
like "$out" "^ams-ws000 +ams +C: +$id +host " "list: a row per key"
like "$out" "^$nkeys keys for [0-9]+ hosts$" "list: the count"
unlike "$out" "$pw" "list: no password"
lb keys list --reveal 'ams-ws00*'
like "$out" "$pw" "list --reveal: the passwords"
unlike "$out" "fra-" "list PATTERN: only the hosts it names"
lb keys list --json site:fra
is "$(python3 -c "import json,sys; k=json.loads(sys.argv[1])['keys']; print(sorted(set(x['site'] for x in k)), 'password' in k[0], sorted(k[0]))" "$out")" \
    "['fra'] False ['created', 'fetched', 'host', 'id', 'site', 'source', 'volume']" \
    "list --json site:fra: fields, no password"

lb keys sheet -o "$T/out/sheet.html"
is "$rc" 0 "sheet -o: exit 0"
is "$(stat -c %a "$T/out/sheet.html")" 600 "sheet -o: the file is 0600"
python3 - "$T/out/sheet.html" "$TRUTH" >"$T/.sheet" 2>&1 <<'EOF'
import html.parser, json, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.refs, self.cells, self.tag = 0, [], [], None
    def handle_starttag(self, tag, attrs):
        self.tag = tag
        if tag == 'section':
            self.sections += 1
        for k, v in attrs:
            if k in ('src', 'href') or (v and ('http:' in v or 'https:' in v)):
                self.refs.append((tag, k, v))
        if tag in ('script', 'link', 'img', 'iframe'):
            self.refs.append((tag,))
    def handle_data(self, data):
        self.cells.append(data)
p = P()
p.feed(open(sys.argv[1]).read())
text = ''.join(p.cells)
t = json.load(open(sys.argv[2]))
missing = [k['host'] for k in t if k['password'] not in text]
print(p.sections, p.refs, missing)
EOF
is "$(cat "$T/.sheet")" "2 [] []" "sheet: one page per site, nothing external, every password"

lb keys export --format csv -o "$T/out/keys.csv" 'site:ams'
is "$rc" 0 "export: exit 0"
is "$(head -1 "$T/out/keys.csv" | tr -d '\r')" \
    "KeyProtectorId,RecoveryPassword,ComputerName,Volume,Site" "export: the header"
is "$(grep -c "^{$id},$pw,ams-ws000,C:,ams" "$T/out/keys.csv")" 1 "export: a row as recovery media read it"
is "$(($(wc -l <"$T/out/keys.csv") - 1))" \
    "$(truth 'print(len([k for k in t if k["site"]=="ams"]))')" "export: one row per key of the site"
lb keys export 'site:ams'
is "$rc" 2 "export: --format is required"

# --- the audit log -------------------------------------------------------
ok "audit: the log is 0600" test "$(stat -c %a "$AUDIT")" = 600
python3 - "$AUDIT" "$TRUTH" >"$T/.audit" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
t = json.load(open(sys.argv[2]))
raw = open(sys.argv[1]).read()
leaks = [k['password'] for k in t if k['password'] in raw or k['password'].replace('-', '') in raw]
cmds = sorted(set(l['command'] for l in lines))
print(cmds, sorted(lines[0]), len(leaks))
EOF
is "$(cat "$T/.audit")" \
    "['export', 'find', 'list --reveal', 'sheet'] ['command', 'host', 'key', 'machine', 'time', 'tty', 'uid', 'user'] 0" \
    "audit: every reveal, who and which key, never a password"
before=$(wc -l <"$AUDIT")
LIFEBOAT_KEYS_AUDIT_LOG=/dev/full lb keys find "${id:0:8}"
is "$rc" 1 "audit fails: exit 1"
is "$out" "" "audit fails: no key shown (fail closed)"
like "$err" "cannot write the key audit log /dev/full: .*no key shown" "audit fails: says why"
LIFEBOAT_KEYS_AUDIT_LOG=/dev/full lb keys list --reveal
unlike "$out" "$pw" "audit fails: list --reveal shows nothing either"
is "$(wc -l <"$AUDIT")" "$before" "audit fails: nothing was shown, nothing logged"

# --- wrong passphrases and damaged vaults ---------------------------------
sum=$(sha256sum "$VAULT")
printf 'wrong\n' >"$T/fixture/wrong"
LIFEBOAT_VAULT_PASSPHRASE_FILE=$T/fixture/wrong lb keys find "${id:0:8}"
is "$rc" 1 "wrong passphrase: exit 1"
like "$err" "vault.age: wrong passphrase" "wrong passphrase: a clear error"
LIFEBOAT_VAULT_PASSPHRASE_FILE=$T/fixture/wrong lb keys fetch -i "$INV" 'ams-ws000'
is "$rc" 1 "wrong passphrase: fetch refuses before fetching"
is "$(sha256sum "$VAULT")" "$sum" "wrong passphrase: the vault is untouched"
cp "$VAULT" "$T/good.age"
python3 -c "
import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[-40]^=1
open(p,'wb').write(b)" "$VAULT"
sum=$(sha256sum "$VAULT")
lb keys fetch -i "$INV" 'ams-ws000'
is "$rc" 1 "tampered vault: fetch fails"
is "$(sha256sum "$VAULT")" "$sum" "tampered vault: never written over"
lb keys list
is "$rc" 1 "tampered vault: list fails"
head -c 200 "$T/good.age" >"$VAULT"
sum=$(sha256sum "$VAULT")
lb keys fetch -i "$INV" 'ams-ws000'
is "$rc" 1 "truncated vault: fetch fails"
like "$err" "vault.age" "truncated vault: the error names the file"
is "$(sha256sum "$VAULT")" "$sum" "truncated vault: never written over"
cp "$T/good.age" "$VAULT"
: >"$T/fixture/empty"
LIFEBOAT_VAULT_PASSPHRASE_FILE=$T/fixture/empty lb keys list
is "$rc" 1 "an empty passphrase file: exit 1"
like "$err" "LIFEBOAT_VAULT_PASSPHRASE_FILE: .*/empty holds no passphrase" \
    "an empty passphrase file: says which and why"
LIFEBOAT_VAULT_PASSPHRASE_FILE=$T/fixture/nosuch lb keys list
like "$err" "LIFEBOAT_VAULT_PASSPHRASE_FILE: cannot read .*/nosuch: No such file" \
    "a missing passphrase file: says so"

# --- recipients: the stock age tool opens the vault ------------------------
age-keygen -o "$T/fixture/id1" 2>/dev/null
age-keygen -o "$T/fixture/id2" 2>/dev/null
mkdir -p "$XDG_CONFIG_HOME/lifeboat"
{ age-keygen -y "$T/fixture/id1"; age-keygen -y "$T/fixture/id2"; } \
    >"$XDG_CONFIG_HOME/lifeboat/vault-recipients"
rm -f "$VAULT"
LIFEBOAT_VAULT_IDENTITY=$T/fixture/id1 lb keys fetch -i "$INV" 'ams-*'
is "$rc" 0 "recipients: fetch writes to X25519 recipients"
for i in 1 2; do
	age -d -i "$T/fixture/id$i" -o "$T/out/plain$i.json" "$VAULT" 2>"$T/.age"
	is "$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['lifeboat_vault'], any(k['password']=='$pw' for k in d['keys']))" "$T/out/plain$i.json")" \
	    "1 True" "recipients: age -d -i identity $i opens the vault"
done
rm -f "$T/out/plain1.json" "$T/out/plain2.json"
LIFEBOAT_VAULT_IDENTITY=$T/fixture/id2 lb keys find "${id:0:8}"
like "$out" "$pw" "recipients: lifeboat opens it with either identity"
unset LIFEBOAT_VAULT_PASSPHRASE_FILE
lb keys find "${id:0:8}" </dev/null
is "$rc" 1 "recipients: without an identity, no key"
export LIFEBOAT_VAULT_PASSPHRASE_FILE=$T/fixture/pass
rm -f "$XDG_CONFIG_HOME/lifeboat/vault-recipients"

# --- the escrow index ---------------------------------------------------------
ESC=$XDG_DATA_HOME/lifeboat/escrow.json
is "$(python3 -c "import json; d=json.load(open('$ESC')); print(d['hosts']['ams-ws000']['host'][0]=='$id', d['hosts']['ams-ws000']['ad'])")" \
    "True []" "escrow index: the host's key IDs by source"

# --- usage -------------------------------------------------------------------
lb keys fetch -i "$INV" --from nosuch all
is "$rc" 2 "fetch --from nosuch: usage error"
like "$err" "no key source 'nosuch'" "fetch --from nosuch: says so"
lb keys fetch -i "$INV" -o tenat=x all
is "$rc" 2 "fetch -o with an unknown key: usage error"
lb keys fetch -i "$INV" -o bad all
like "$err" "-o bad: want KEY=VALUE" "fetch -o without =: says so"
lb keys fetch -i "$INV" nosuchhost
is "$rc" 2 "fetch: a pattern that matches nothing"
lb keys frob
is "$rc" 2 "keys frob: usage error"
lb keys --help
like "$out" "keys fetch \[--from host\|ad\|entra\]" "keys --help: the usage"

# --- every password, nowhere but the vault and what was asked for --------------
for c in "keys fetch -vvv -i $INV all" "keys list -vvv" "keys list -vvv --json" \
    "keys find -vvv ${id:0:8}" "keys sheet -vvv -o $T/out/sheet2.html" \
    "keys export -vvv --format csv -o $T/out/keys2.csv" \
    "keys fetch -vvv -i $INV --json fra-*"; do
	# shellcheck disable=SC2086
	"$LIFEBOAT" $c >"$T/out/stdout.$RANDOM" 2>>"$T/stderr.log"
done
python3 - "$T" "$TRUTH" "$VAULT" >"$T/.leak" <<'EOF'
import json, os, sys
root, truth, vault = sys.argv[1:4]
pws = [k['password'] for k in json.load(open(truth))]
pws += [p.replace('-', '') for p in pws]
skip = {os.path.realpath(vault)}
hits = []
for d, _, files in os.walk(root):
    if os.path.realpath(d).startswith(os.path.realpath(root + '/fixture')):
        continue	# the simulated hosts themselves
    if os.path.realpath(d).startswith(os.path.realpath(root + '/out')):
        continue	# what the test asked lifeboat to show
    for f in files:
        p = os.path.realpath(os.path.join(d, f))
        if p in skip:
            continue
        data = open(p, 'rb').read().decode('utf-8', 'replace')
        hits += [(p, pw[:6]) for pw in pws if pw in data]
print(len(hits), hits[:3])
EOF
is "$(cat "$T/.leak")" "0 []" "no password in any file lifeboat wrote but the vault (stderr, audit, escrow, tmp)"
ok "the stderr of -vvv was captured" test -s "$T/stderr.log"

done_testing
