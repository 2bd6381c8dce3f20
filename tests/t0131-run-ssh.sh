#!/usr/bin/env bash
# lifeboat run against a private OpenSSH sshd (tests/sshd.sh): the shipped
# triage over real connections, variables that try every way out of their
# word (quotes, $(), backticks, ;, newlines) reaching a real /bin/sh as
# data, and the file plugin removing a glob of files on a real disk.
. "$(dirname "$0")/sshd.sh"
sshd_netns "$@"
. "$(dirname "$0")/lib.sh"

export LIFEBOAT_PLUGIN_PATH="${BUILD:-$TESTDIR/../build}/plugins"
PB=$TESTDIR/../playbooks
cleanup() {
	sshd_stop
	rm -rf "$T"
}
trap cleanup EXIT

sshd_setup "$T/sshd" >"$T/setup.log" 2>&1
D=$T/sshd
if ! sshd_start; then
	_report 1 "sshd starts" "$(tail -n 5 "$D/sshd.log" 2>/dev/null)"
	done_testing
	exit 1
fi
ok "sshd starts" test -n "$SSHD_PORT"
# No prompt may reach a terminal.
REAL_LIFEBOAT=$LIFEBOAT
printf '#!/bin/sh\nexec setsid -w "%s" "$@"\n' "$REAL_LIFEBOAT" >"$T/lb-notty"
chmod +x "$T/lb-notty"
LIFEBOAT=$T/lb-notty
unset SSH_AUTH_SOCK
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp:print_suppressions=0"
printf '%s\n' "leak:libssh2_userauth_publickey_frommemory" \
    "leak:libssh2_session_handshake" >"$T/lsan.supp"

cat >"$T/inv.yml" <<EOF
defaults:
  user: $SSHD_USER
  os: linux
  ssh: { port: $SSHD_PORT, identity: $D/id_ed25519,
         known_hosts: $D/known_hosts, agent: false }
sites:
  ams:
    hosts:
      web1: { address: 127.0.0.1 }
      web2: { address: 127.0.0.1 }
  fra:
    hosts:
      db1: { address: 127.0.0.1 }
EOF

# The shipped triage over real SSH: every host up and stable.
lb -i "$T/inv.yml" run "$PB/triage-reachability.yml"
is "$rc" 0 "triage over sshd: exit 0"
like "$out" '^ams +2 +2 +0 +0 +0 +0$' "triage: the ams row"
like "$out" '^fra +1 +1 +0 +0 +0 +0$' "triage: the fra row"

# A value that tries every way out of its word is data to /bin/sh.
cat >"$T/quote.yml" <<EOF
name: quoting
kind: exercise
targets: all
vars: { out: $T/out }
steps:
  - name: write the value
    shell: printf '%s' {{ evil }} >{{ out }}.{{ host.name }}
  - name: read it back
    shell: cat {{ out }}.{{ host.name }}
    register: back
  - name: the same bytes
    assert:
      that: back.stdout == evil
      msg: 'not the same: {{ back.stdout }}'
EOF
evil="it's \"quoted\" \$(touch $T/pwned1) \`touch $T/pwned2\`; touch $T/pwned3 #
touch $T/pwned4
\${IFS}|& \\ *"
lb -i "$T/inv.yml" run "$T/quote.yml" -e "evil=$evil" -v
is "$rc" 0 "the hostile value went through as data: exit 0"
like "$out" "^db1: step 'the same bytes': ok" "read back the same on every host"
is "$(cat "$T/out.web2")" "$evil" "the file holds the value, byte for byte"
ok "nothing the value said ran" test ! -e "$T/pwned1" -a ! -e "$T/pwned2" \
    -a ! -e "$T/pwned3" -a ! -e "$T/pwned4"

# The file plugin over SSH: a glob of bad files removed, and proved gone.
mkdir -p "$T/drv"
: >"$T/drv/C-00000291-01.sys"
: >"$T/drv/C-00000291 it's.sys"
: >"$T/drv/C-00000290-keep.sys"
cat >"$T/fix.yml" <<EOF
name: fix
kind: mirp
targets: web1
vars: { dir: $T/drv }
rollout: { canary: 1 }
steps:
  - name: remove
    file: { path: '{{ dir }}/C-00000291*.sys', state: absent }
    register: removed
  - name: all gone
    assert:
      that: [ removed.remaining == 0, removed.matched == 2 ]
  - name: second look
    file: { path: '{{ dir }}/C-00000291*.sys', state: absent }
    register: again
  - name: nothing left to remove
    assert: { that: not again.changed and again.matched == 0 }
EOF
lb -i "$T/inv.yml" run "$T/fix.yml" -v
is "$rc" 0 "the fix over sshd: exit 0"
like "$out" "^web1: step 'remove': changed" "the first pass changed the host"
like "$out" "^web1: step 'second look': ok" "the second found nothing"
is "$(ls "$T/drv")" "C-00000290-keep.sys" "only the file outside the glob is left"

# script, copy and fetch: a local script run with its arguments, a file
# out and back, checksums registered and compared.
printf '#!/bin/sh\necho "args: $# [$1] [$2]"\n' >"$T/probe.sh"
head -c 300000 /dev/urandom >"$T/payload.bin"
cat >"$T/files.yml" <<EOF
name: files
kind: exercise
targets: web1
vars: { tag: "two words" }
steps:
  - name: probe
    script: { src: $T/probe.sh, args: 'one {{ tag }}' }
    register: probe
    expect: { stdout: '^args: 2 \[one\] \[two words\]' }
  - name: send
    copy: { src: $T/payload.bin, dest: $T/remote.bin, mode: '0600' }
    register: sent
  - name: fetch back
    fetch: { src: $T/remote.bin, dest: $T/fetched }
    register: got
  - name: same file
    assert:
      that: sent.sha256 == got.sha256 and sent.changed and not got.changed
EOF
lb -i "$T/inv.yml" run "$T/files.yml" -v
is "$rc" 0 "script, copy and fetch over sshd: exit 0"
like "$out" "^web1: step 'probe': ok" "the script ran with its arguments, quoted"
like "$out" "^web1: step 'send': changed: $T/payload.bin -> $T/remote.bin" \
    "copy says what went where"
ok "the copy is the file" cmp "$T/payload.bin" "$T/remote.bin"
is "$(stat -c %a "$T/remote.bin")" 600 "with its mode"
ok "fetch writes DEST/HOST/NAME" cmp "$T/payload.bin" "$T/fetched/web1/remote.bin"
like "$out" "^web1: step 'same file': ok" "the checksums registered agree"

done_testing
