#!/usr/bin/env bash
# lifeboat report and verify-bundle, over the run journals in
# tests/data/journal (see make-fixtures.py there): the text, JSON and
# JUnit reports against golden files, the HTML report's structure,
# secrets that never come out, a resumed run that reads as an
# uninterrupted one, bundles written, extracted and checked by other
# tools, and bundles tampered with.  After a change meant to alter the
# reports, run with UPDATE_GOLDEN=1 and review the diff.
. "$(dirname "$0")/lib.sh"
cd "$TESTDIR/.."

D=tests/data/journal
G=tests/golden/report
RUNS=$XDG_STATE_HOME/lifeboat/runs
PB=20261121T143005Z-3f9a1c
RS=20261121T143005Z-3f9a1d
EX=20261121T160005Z-0e0e0e
CR=20261121T170005Z-c0ffee
SECRETS=(S3cr3t-Pa55 tok-Alpha-1 tok-Beta-2)
mkdir -p "$RUNS"
cp -r "$D/playbook" "$RUNS/$PB"
cp -r "$D/resumed" "$RUNS/$RS"
cp -r "$D/exec" "$RUNS/$EX"
cp -r "$D/crashed" "$RUNS/$CR"

inv=$T/inv.yml
cat > "$inv" <<'EOF'
defaults:
  transport: sim
sites:
  ams:
    hosts:
      ams-web01: { os: linux }
      ams-web02: { os: linux, vars: { db_password: S3cr3t-Pa55 } }
      ams-db01: { os: linux, vars: { api_token: [tok-Alpha-1, tok-Beta-2] } }
  fra:
    hosts:
      fra-web01: { os: linux }
      fra-web02: { os: windows }
      fra-db01: { os: linux }
EOF

golden() {	# name text
	local name=$1 got=$2
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		mkdir -p "$G"
		printf '%s\n' "$got" >"$G/$name"
	fi
	if [ ! -f "$G/$name" ]; then
		_report 1 "golden $name" "no file $G/$name"
	elif [ "$got" = "$(cat "$G/$name")" ]; then
		_report 0 "golden $name"
	else
		_report 1 "golden $name" \
		    "$(diff <(printf '%s\n' "$got") "$G/$name" | head -n 20)"
	fi
}

# No secret in files or text: every planted one is checked.
no_secrets() {	# desc file-or-dir...
	local desc=$1 s hits=
	shift
	for s in "${SECRETS[@]}"; do
		if grep -rqaF -- "$s" "$@"; then
			hits="$hits $s"
		fi
	done
	is "$hits" "" "$desc"
}

pretty() {
	python3 -c 'import json, sys
print(json.dumps(json.load(sys.stdin), indent=1))'
}

# The reports, against golden files.
lb -i "$inv" report "$PB"
is "$rc" 0 "report exits 0 (the run's own status does not matter)"
golden playbook.txt "$out"
printf '%s\n' "$out" >"$T/r.txt"
lb -i "$inv" report "$PB" --format json
golden playbook.json "$(printf '%s\n' "$out" | pretty)"
printf '%s\n' "$out" >"$T/r.json"
lb -i "$inv" report "$PB" --format junit
golden playbook.xml "$out"
printf '%s\n' "$out" >"$T/r.xml"
lb -i "$inv" report "$PB" --format html
is "$rc" 0 "html report exits 0"
printf '%s\n' "$out" >"$T/r.html"
lb -i "$inv" report "$EX"
golden exec.txt "$out"
lb -i "$inv" report "$CR"
golden crashed.txt "$out"
lb -i "$inv" --json report "$CR"
golden crashed.json "$(printf '%s\n' "$out" | pretty)"

# What the text says, whatever the golden files hold.
text=$(cat "$T/r.txt")
like "$text" '^result +halted \(exit status 3\): 2 of 2 hosts' \
    "text: the result in words, the exit status and the halt reason"
like "$text" '^hosts +6 in 3 waves, 2 sites; 4 steps$' "text: hosts, waves"
like "$text" '^reruns +20261121T144005Z-aa0001$' "text: the rerun link"
fail_line=$(grep -n '^FAILURES' "$T/r.txt" | cut -d: -f1)
hosts_line=$(grep -n '^HOSTS' "$T/r.txt" | cut -d: -f1)
ok "text: failures come before the hosts" test "$fail_line" -lt "$hosts_line"
like "$text" "^ams-web02 \(ams, wave 1\): FAILED at step 03 'remove driver', rc 3$" \
    "text: the failed host, its step and rc"
like "$text" '^  \| rm: cannot remove' "text: the failure's stderr excerpt"
like "$text" '\^\[\[31mred' "text: control characters shown as ^X"
like "$text" '^ams-db01 \(ams, wave 1\): UNREACHABLE at step 02' \
    "text: the unreachable host"
like "$text" '^wave 2 +2 +0 +0 +0 +0 +0 +0 +2$' "text: the wave never run"
like "$text" '^fra +3 +1 +0 +0 +0 +0 +0 +2$' "text: the table by site"
like "$text" '^declare +incident-commander +alice +2026-11-21T14:30:25Z$' \
    "text: a sign-off with its owner"
like "$text" '^  04 restart service skipped ' "text: a skipped step"
is "$(awk 'length > 80' "$T/r.txt" | grep -v 'sha256\|^2026' | wc -l)" 0 \
    "text: 80 columns"
ctext=$(lb -i "$inv" report "$CR"; printf '%s\n' "$out")
like "$ctext" '^ams-app02 \(ams, wave 0\): UNKNOWN at step 02 .patch.: started, never ended$' \
    "text: a step started and never ended makes its host unknown"
like "$ctext" '^ams-app03 \(ams, linux, wave 1\): not run' \
    "text: a host whose wave never started was not run"
like "$ctext" 'torn record \(47 bytes left out\)' "text: the torn tail"
like "$ctext" '^result +interrupted$' "text: a run without a done record"

# A run still going (another process holds its journal's lock).
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1])
fcntl.flock(f, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)' "$RUNS/$CR/journal" >"$T/lock.out" &
lockpid=$!
for i in $(seq 1 50); do
	grep -q locked "$T/lock.out" 2>/dev/null && break
	sleep 0.1
done
lb -i "$inv" report "$CR"
kill "$lockpid"
wait "$lockpid" 2>/dev/null
is "$rc" 0 "a run still going: reported"
like "$out" '^result +running$' "a run still going: its result is running"
like "$out" 'the run is still going' "a run still going: a warning says so"

# JSON: one object, keys in their documented order.
keys=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(d))
print(" ".join(d["run"]))
print(" ".join(d["hosts"][0]["steps"][0]))' "$T/r.json")
is "$keys" "report run tally failures waves sites signoffs timeline steps hosts warnings
id kind name playbook playbook_sha256 command inventories limit vars user started ended duration_ms state result status halted halt_reason hosts waves sites steps resumes rerun_of reruns torn_bytes
step name state outcome rc msg started ended duration_ms sent stdout stderr sha256 kv" \
    "json: the keys, in order"
tally=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
t = d["tally"]
print(t["ok"], t["changed"], t["failed"], t["unreachable"], t["skipped"],
      t["cancelled"], t["unknown"], t["not_run"], len(d["failures"]),
      d["failures"][0]["host"], d["failures"][0]["stderr"]["verified"])' \
    "$T/r.json")
is "$tally" "2 1 1 1 0 0 0 2 2 ams-web02 True" "json: the tally and failures"

# JUnit: valid XML, and the counts.
ok "junit: xmllint --noout" xmllint --noout "$T/r.xml"
counts=$(python3 -c 'import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
c = lambda t: len(r.findall(".//" + t))
print(r.tag, r.get("name"), r.get("tests"), r.get("failures"),
      r.get("errors"), r.get("skipped"), c("testsuite"), c("testcase"),
      c("failure"), c("error"), c("skipped"),
      r.find(".//failure").get("type"),
      r.findall("testsuite")[0].get("name"))' "$T/r.xml")
is "$counts" "testsuites lifeboat $PB 24 1 1 12 3 24 1 1 12 rc 3 wave 0 (canary)" \
    "junit: testsuites, testcases, failure, error, skipped"
like "$(cat "$T/r.xml")" 'classname="ams.ams-web02" name="03 remove driver"' \
    "junit: a testcase's class is SITE.HOST, its name NN STEP"
"$LIFEBOAT" -i "$inv" report "$CR" --format junit >"$T/c.xml" 2>/dev/null
ok "junit of a crashed run: xmllint" xmllint --noout "$T/c.xml"
like "$(cat "$T/c.xml")" '<error message="started, never ended" type="unknown">' \
    "junit: a step never ended is an error"

# HTML: its structure, and nothing that reaches outside the file.
html=$(python3 - "$T/r.html" <<'EOF'
import sys
from html.parser import HTMLParser

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections = []
        self.stack = []
        self.rows = {}
        self.details = 0
        self.closed = 0
        self.refs = []
        self.section = None
        self.in_tbody = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.sections.append(a.get("id"))
            self.section = a.get("id")
        if tag == "tbody":
            self.in_tbody = True
        if tag == "tr" and self.in_tbody:
            self.rows[self.section] = self.rows.get(self.section, 0) + 1
        if tag == "details":
            self.details += 1
            if "open" not in a:
                self.closed += 1
        for k, v in attrs:
            if k in ("src", "srcset", "action", "data") or \
                    (k == "href" and not (v or "").startswith("#")):
                self.refs.append((tag, k, v))
        if tag in ("script", "link", "img", "iframe", "object", "embed"):
            self.refs.append((tag,))
    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_tbody = False

p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
print(" ".join(p.sections))
print("rows", p.rows.get("waves"), p.rows.get("sites"),
      p.rows.get("signoffs"), p.rows.get("hosts"))
print("details", p.details, "closed", p.closed, "refs", len(p.refs))
EOF
)
is "$html" "run tally failures waves sites signoffs timeline durations hosts
rows 4 2 2 24
details 13 closed 0 refs 0" \
    "html: sections in order (failures before hosts), table rows, details open, no reference out"
is "$(grep -ciE 'http:|https:|src=|//' "$T/r.html")" 0 \
    "html: no http:, https:, src= or // anywhere, even from outputs"
like "$(cat "$T/r.html")" '@media print' "html: a print style"
like "$(cat "$T/r.html")" '<span class="st st-failed">✘ failed</span>' \
    "html: status in words and a symbol"
like "$(cat "$T/r.html")" '&lt;script&gt;alert\(1\)&lt;/script&gt;' \
    "html: markup from an output is escaped"

# Secrets: the inventory's, for the run's hosts, never come out.
no_secrets "no secret in any report" "$T/r.txt" "$T/r.json" "$T/r.xml" \
    "$T/r.html"
like "$text" 'password \*\*\*\*\*\*\*\*' "the secret is replaced by ********"
lb report "$PB"
like "$out" 'S3cr3t-Pa55' "without the inventory its secret is not known"
lb -v report "$PB"
like "$err" 'no inventory' "-v says there is no inventory to redact with"
lb -i /nonexistent.yml -v report "$PB"
is "$rc" 0 "an inventory that does not load is not fatal"
like "$err" 'does not load' "-v says the inventory does not load"

# A resumed run reads as the uninterrupted one, but for the resume.
norm() {
	sed -e "s/$RS/$PB/g" -e '/^resumes /d' -e '/resumed by/d'
}
lb -i "$inv" report "$RS"
is "$(printf '%s\n' "$out" | norm)" "$(norm <"$T/r.txt")" \
    "a resumed run's report is the uninterrupted run's"
like "$out" '^resumes +1$' "the resume is counted"

# The same with a real run: one cut after any record (a crash there) and
# resumed reports as the uninterrupted run, times aside (and the padding
# that depends on how wide a time is: a loaded machine is slower).
export LIFEBOAT_PLUGIN_PATH="${BUILD:-$TESTDIR/../build}/plugins"
python3 - "$T/sim.yml" <<'EOF'
import sys
out = ["defaults:", "  transport: sim", "  sim:", "    latency: 2ms",
       "    commands:",
       "      - { match: '*two ?s?7?*', rc: 1, stderr: \"two failed\\n\" }",
       "sites:"]
for k, s in enumerate(["ams", "fra"]):
    out += [f"  {s}:", "    hosts:"]
    for i in range(10):
        out.append(f"      s{k * 10 + i:02d}: {{ os: linux, tier: {i % 3} }}")
out.append("      x: { os: linux, tier: 2, sim: { fail_rate: 1 } }")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
EOF
cat > "$T/real.yml" <<'EOF'
name: real
kind: exercise
targets: all
rollout: { canary: 2, waves: [50%, 100%], max_fail: 50% }
steps:
  - name: one
    shell: echo one {{ host.name }}
    idempotent: true
  - name: two
    shell: echo two {{ host.name }}
    idempotent: true
EOF
ls "$RUNS" >"$T/before"
"$LIFEBOAT" -i "$T/sim.yml" run "$T/real.yml" -q >/dev/null 2>&1
real=$(ls "$RUNS" | grep -vxFf "$T/before")
nrec=$(wc -l < "$RUNS/$real/journal")
cut=20000101T000000Z-cut
mkdir -m 700 "$RUNS/$cut"
cp "$RUNS/$real/outputs" "$RUNS/$real/run.json" "$RUNS/$cut/"
head -n $((nrec / 2)) "$RUNS/$real/journal" |
    sed "1s/\"id\":\"$real\"/\"id\":\"$cut\"/" >"$RUNS/$cut/journal"
"$LIFEBOAT" -i "$T/sim.yml" resume "$cut" --rerun-unknown -q >/dev/null 2>&1
untimed() {
	sed -E -e "s/$cut/$real/g" -e '/^(started|ended|duration|resumes) /d' \
	    -e '/^TIMELINE$/,/^HOSTS$/d' \
	    -e 's/[0-9]+m[0-9]+s|[0-9]+\.[0-9]s|[0-9]+ms|[0-9]+s/T/g' \
	    -e 's/ +/ /g'
}
lb -i "$T/sim.yml" report "$real"
a=$(printf '%s\n' "$out" | untimed)
like "$a" '^s07 \(ams, linux, wave [0-9]\): failed' \
    "a real run's report: the failed host"
like "$a" '^x \(fra, wave [0-9]\): FAILED at step 01' \
    "a real run's report: a host of one letter, its failure"
lb -i "$T/sim.yml" report "$cut"
like "$out" '^resumes +[1-9]' "the run cut half way was resumed"
is "$(printf '%s\n' "$out" | untimed)" "$a" \
    "a real run cut half way and resumed reports as the uninterrupted one"

# -o: the file, 0600, replaced whole; last.
lb -i "$inv" report "$PB" -o "$T/out.txt"
is "$rc" 0 "-o exits 0"
is "$out" "" "-o writes nothing to stdout"
is "$(cat "$T/out.txt")" "$text" "-o writes the report"
is "$(stat -c %a "$T/out.txt")" 600 "-o: mode 0600"
is "$(ls -A "$T" | grep -c '^\.out')" 0 "-o leaves no temporary file"
lb report last --format json
like "$out" "\"id\":\"$CR\"" "last is the latest run"

# Errors.
lb report "$PB" --format xml
is "$rc" 2 "an unknown format exits 2"
like "$err" "'xml' is not text, json, junit or html" "and names the formats"
lb report 20991231T000000Z-000000
is "$rc" 2 "an unknown run exits 2"
lb report
is "$rc" 2 "no run id exits 2"
lb report "$PB" "$EX"
is "$rc" 2 "two run ids exit 2"
mkdir -p "$RUNS/broken"
printf '{"t":"run","at":1,"v":1,"id":"broken","kind":"playbook"}\nnot json\n' \
    >"$RUNS/broken/journal"
lb report broken
is "$rc" 2 "a journal that does not load exits 2"
like "$err" "$RUNS/broken/journal:[0-9]+:[0-9]+: " "and says where: file:line:col"
lb report "$PB" -o /nonexistent/dir/r.txt
is "$rc" 1 "a report that cannot be written exits 1"
lb report "$PB" --bundle "$T/b.tar"
is "$rc" 2 "a bundle name of no known type exits 2"
like "$err" "does not end in .tar.gz, .tgz or .zip" "and names the endings"

# Bundles: written, listed, extracted and checked by other tools.
top=lifeboat-run-$PB
for b in b.tar.gz b.zip; do
	lb -i "$inv" report "$PB" --bundle "$T/$b"
	is "$rc" 0 "$b: written"
	like "$out" "^$T/$b: 16 files; manifest SHA-256 [0-9a-f]{64}$" \
	    "$b: says how many files and the manifest's SHA-256"
	is "$(stat -c %a "$T/$b")" 600 "$b: mode 0600"
	list=$(bsdtar -tf "$T/$b" | sort)
	for f in journal outputs run.json signoffs report.txt report.json \
	    report.xml report.html MANIFEST.sha256 \
	    out/ams-web02/03-remove_driver.stderr \
	    out/ams-web01/04-restart_service.stdout; do
		like "$list" "^$top/$f\$" "$b: has $f"
	done
	is "$(printf '%s\n' "$list" | grep -vc "^$top/")" 0 \
	    "$b: everything under $top/"
	rm -rf "$T/x"
	mkdir "$T/x"
	bsdtar -xf "$T/$b" -C "$T/x"
	ok "$b: sha256sum -c MANIFEST.sha256 passes" \
	    sh -c "cd '$T/x/$top' && sha256sum --quiet -c MANIFEST.sha256"
	is "$(cd "$T/x/$top" && find . -type f ! -name MANIFEST.sha256 | wc -l)" \
	    "$(wc -l <"$T/x/$top/MANIFEST.sha256")" \
	    "$b: the manifest lists every other file"
	ok "$b: the manifest is sorted" \
	    sh -c "cut -c67- '$T/x/$top/MANIFEST.sha256' | LC_ALL=C sort -c"
	no_secrets "$b: no secret in any file" "$T/x" "$T/$b"
	lb verify-bundle "$T/$b"
	is "$rc" 0 "$b: verify-bundle exits 0"
	like "$out" "^$T/$b: 16 files verified$" "$b: N files verified"
	like "$out" "^$T/$b: manifest SHA-256 [0-9a-f]{64}$" \
	    "$b: the manifest's SHA-256"
done
tar -xzmf "$T/b.tar.gz" -C "$T/x"
is "$(cat "$T/x/$top/report.txt")" "$text" "tar reads the bundle: the text report"
is "$(stat -c %s "$T/x/$top/outputs")" "$(stat -c %s "$D/playbook/outputs")" \
    "the outputs copy keeps its size: secrets are overwritten in place"
lb --json verify-bundle "$T/b.zip"
like "$out" '^\{"file":"[^"]+","ok":true,"files":16,"manifest_sha256":"[0-9a-f]{64}","problems":\[\]\}$' \
    "verify-bundle --json"

# Tampering: each change is found and named.
repack() {	# archive: the tree in $T/t packed again
	rm -f "$1"
	case "$1" in
	*.zip)	bsdtar --format zip -cf "$1" -C "$T/t" "$top" ;;
	*)	bsdtar -czf "$1" -C "$T/t" "$top" ;;
	esac
}
fresh() {
	rm -rf "$T/t"
	mkdir "$T/t"
	bsdtar -xf "$T/b.tar.gz" -C "$T/t"
}
fresh
printf 'X' | dd of="$T/t/$top/report.txt" bs=1 seek=10 conv=notrunc 2>/dev/null
repack "$T/t1.tar.gz"
lb verify-bundle "$T/t1.tar.gz"
is "$rc" 1 "a changed byte: exit 1"
like "$out" "^$T/t1.tar.gz: report.txt: changed" "a changed byte: the file named"
fresh
rm "$T/t/$top/out/ams-web02/03-remove_driver.stderr"
repack "$T/t2.zip"
lb verify-bundle "$T/t2.zip"
is "$rc" 1 "a file removed: exit 1"
like "$out" "out/ams-web02/03-remove_driver.stderr: missing" \
    "a file removed: named missing"
fresh
echo extra >"$T/t/$top/extra.txt"
repack "$T/t3.tar.gz"
lb verify-bundle "$T/t3.tar.gz"
is "$rc" 1 "a file added: exit 1"
like "$out" "extra.txt: not in the manifest" "a file added: named"
fresh
sed -i '3s/^..../zzzz/' "$T/t/$top/MANIFEST.sha256"
repack "$T/t4.tar.gz"
lb verify-bundle "$T/t4.tar.gz"
is "$rc" 1 "a broken manifest line: exit 1"
like "$out" "MANIFEST.sha256:3:1: expected the 64 hex digits of a SHA-256" \
    "a broken manifest line: its line and column"
fresh
sed -i '2s/  /\t/' "$T/t/$top/MANIFEST.sha256"
repack "$T/t5.tar.gz"
lb verify-bundle "$T/t5.tar.gz"
like "$out" "MANIFEST.sha256:2:65: expected two spaces" \
    "a manifest line without its two spaces"
fresh
rm "$T/t/$top/MANIFEST.sha256"
repack "$T/t6.zip"
lb verify-bundle "$T/t6.zip"
is "$rc" 1 "no manifest: exit 1"
like "$out" "no manifest" "no manifest: said"
python3 - "$T/t7.tar.gz" "$top" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    def add(name, data=b"x", **kw):
        i = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(i, k, v)
        i.size = len(data) if i.type == tarfile.REGTYPE else 0
        t.addfile(i, io.BytesIO(data) if i.type == tarfile.REGTYPE else None)
    top = sys.argv[2]
    add(top + "/MANIFEST.sha256", b"")
    add(top + "/../escape")
    add("/etc/evil")
    add(top + "/link", type=tarfile.SYMTYPE, linkname="/etc/passwd")
    add(top + "/dev", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
EOF
lb verify-bundle "$T/t7.tar.gz"
is "$rc" 1 "unsafe entries: exit 1"
like "$out" "\.\./escape: unsafe entry: '\.\.' in the path" "unsafe: .."
like "$out" "/etc/evil: unsafe entry: an absolute path" "unsafe: absolute"
like "$out" "link: unsafe entry: a symbolic link" "unsafe: a link"
like "$out" "dev: unsafe entry: a device, FIFO or socket" "unsafe: a device"
lb verify-bundle "$T/r.txt"
is "$rc" 2 "a file that is not an archive: exit 2"
like "$err" "not a tar.gz or zip archive" "and says so"
lb verify-bundle "$T/nonexistent.zip"
is "$rc" 2 "a missing file: exit 2"
lb report "$PB" --bundle /nonexistent/dir/b.zip
is "$rc" 1 "a bundle that cannot be written exits 1"

done_testing
