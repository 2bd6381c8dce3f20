#!/usr/bin/env bash
# make install and uninstall with PREFIX and DESTDIR, and make demo.
. "$(dirname "$0")/lib.sh"
cd "$TESTDIR/.."

dest="$T/dest"
make -s install DESTDIR="$dest" PREFIX=/opt/lb BIN="$LIFEBOAT" >"$T/log" 2>&1
is "$?" 0 "make install exits 0"
ok "the binary is installed" test -x "$dest/opt/lb/bin/lifeboat"
ok "lifeboat(1) is installed" test -f "$dest/opt/lb/share/man/man1/lifeboat.1"
ok "lifeboat-inventory(5) is installed" \
    test -f "$dest/opt/lb/share/man/man5/lifeboat-inventory.5"
ok "the plugin directory is made" test -d "$dest/opt/lb/lib/lifeboat/plugins"
is "$("$dest/opt/lb/bin/lifeboat" version)" "$("$LIFEBOAT" version)" \
    "the installed binary runs"
make -s uninstall DESTDIR="$dest" PREFIX=/opt/lb >"$T/log" 2>&1
is "$?" 0 "make uninstall exits 0"
is "$(find "$dest" -type f | wc -l | tr -d ' ')" 0 "uninstall removes every file"

out=$(make -s demo BIN="$LIFEBOAT" 2>&1)
like "$out" "^14 hosts in 3 sites$" "make demo shows the demo fleet"
like "$out" "^ams-dc01 +ams +windows +sim" "make demo lists the tier-0 Windows hosts"

done_testing
