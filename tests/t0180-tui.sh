#!/usr/bin/env bash
# lifeboat tui in a real terminal (tmux, tests/tmux.sh) over the simulated
# fleet of tests/data/tui: the Fleet, filters, help, a playbook planned,
# refused, started, watched wave by wave, held, signed off and reported;
# the run the same as the CLI's (runs, report, resume either way); exec
# on tagged hosts; resizes, NO_COLOR and ASCII; the mouse; and every way
# out (q, Q, SIGTERM, SIGSEGV) leaving the terminal sane.  Assertions are
# on the screen, the cursor, the run's files and exit codes; every wait
# is for the screen, never a fixed sleep.  Against sshd: t0181-tui-ssh.sh.
. "$(dirname "$0")/lib.sh"
. "$TESTDIR/tmux.sh"
tmux_require

export LIFEBOAT_PLUGIN_PATH="${BUILD:-$TESTDIR/../build}/plugins"
export USER=tui-tester
DATA=$TESTDIR/data/tui
INV=$DATA/sim.yml
RUNS=$XDG_STATE_HOME/lifeboat/runs
# The tests wait at most this long for a screen (a run here takes ms).
W=10

. "$DATA/screen.sh"

# A wrapper that runs the TUI, then shows its exit status and the
# terminal's modes, and stays (a dead pane has no cursor to show).
cat >"$T/wrap.sh" <<'EOF'
"$@"
echo "tui exit $?"
stty -a
echo END
exec sleep 60
EOF

# --- no terminal, --help ---
lb -i "$INV" tui </dev/null
is "$rc" 2 "tui without a terminal: exit 2"
is "$(printf '%s\n' "$err" | wc -l)" 1 "one line on stderr"
like "$err" '^lifeboat: tui: standard input and output must be a terminal' \
    "that says why"
is "$out" "" "nothing on stdout"
lb tui --help
is "$rc" 0 "tui --help: exit 0"
like "$out" '^usage: lifeboat tui \[PLAYBOOK\]' "tui --help: the usage"
like "$out" '--no-color' "tui --help: the options"

# --- the Fleet at 80x24 ---
tmux_start 80 24 "$LIFEBOAT" -i "$INV" tui
sees "the Fleet comes up" Frankfurt
tmux_settle
is "$(row 0)" " lifeboat  1 Fleet  2 Run  3 Checklist  4 Log  5 Keys" \
    "row 0: the tabs"
is "$(row 1)" "▾ ams  4 hosts   Amsterdam" \
    "a site, its host count, its description"
is "$(row 2)" "    web1               idle" "a host and its state word"
is "$(row 6)" "▾ fra  3 hosts   Frankfurt" "the second site"
is "$(row 22)" " sim.yml: 7 hosts, 2 sites | p picks a playbook" \
    "the status bar: the inventory, what to do"
like "$(row 23)" '^Enter:open  Space:tag  /:filter  n/N:next failed' \
    "the last line: the view's keys"
is "$(pane '#{alternate_on}')" 1 "the alternate screen is on"
is "$(tmux_cursor)" "0 1" "the cursor is on the selected row (the first)"
tmux_keys j j
cursor_is "0 3" "j j: the cursor follows the selection down"
tmux_keys k
cursor_is "0 2" "k: and up"
tmux_keys Down Down Down Down Down
cursor_is "0 7" "Down: onto the next site's hosts"

# --- filters ---
tmux_keys /
tmux_type 'web*'
tmux_keys Enter
sees "/web*: a host pattern" 'filter: web* (a host pattern)'
scr=$(tmux_capture)
like "$scr" '^    web3 ' "web* shows web3"
unlike "$scr" 'bad|db1|Frankfurt' "and hides the rest, their site too"
tmux_keys Escape
sees "Esc clears the filter" 'filter cleared'
like "$(tmux_capture)" '^    db2 ' "all the hosts are back"
tmux_keys /
tmux_type fra
tmux_keys Enter
sees "/fra: a site is a host pattern" 'filter: fra (a host pattern)'
scr=$(tmux_capture)
like "$scr" '^    down ' "fra shows its hosts"
unlike "$scr" 'web|Amsterdam' "and not ams's"
tmux_keys Escape /
tmux_type db
tmux_keys Enter
sees "/db: text" 'filter: db (text)'
scr=$(tmux_capture)
like "$scr" '^    db1 ' "text db shows db1"
unlike "$scr" '^    (down|web1|bad) ' "and nothing without db in it"
tmux_keys Escape
tmux_wait 'filter cleared' "$W"
tmux_keys :
tmux_type 'host web2'
tmux_keys Enter
sees ":host web2 opens the Host view" 'Host web2'
like "$(tmux_capture)" '^site +ams$' "with the host's site"
like "$(tmux_capture)" '^not in a run$' "and no run yet"
tmux_keys :
tmux_type 'host nosuch'
tmux_keys Enter
sees ":host of an unknown host says so" "no host 'nosuch' in the inventory"
tmux_keys Escape
tmux_wait Frankfurt "$W"

# --- help ---
tmux_keys '?'
sees "? opens the help" 'lifeboat tui: keys'
like "$(tmux_capture)" '^  Shift-Tab +the previous view' "it lists Shift-Tab"
like "$(tmux_capture)" '^  Ctrl-L +draw the screen again' "and Ctrl-L"
tmux_keys /
tmux_type 'exec COMMAND'
tmux_keys Enter
sees_re "searching it finds the :exec command" \
    '^  exec COMMAND +run COMMAND on the tagged'
tmux_keys 1
tmux_wait Frankfurt "$W"

# --- a playbook: plan, refuse, start ---
mkdir -p "$XDG_CONFIG_HOME/lifeboat/playbooks"
cp "$DATA/gates.yml" "$XDG_CONFIG_HOME/lifeboat/playbooks/"
tmux_keys p
sees "p: the playbooks to pick from" 'Pick a playbook'
like "$(tmux_capture)" '│ .*/lifeboat/playbooks/gates\.yml +│' \
    "among them the user's, its name in sight"
tmux_keys End Enter
sees "picked, its plan shows" 'nothing was run (--check)'
want=$("$LIFEBOAT" -i "$INV" run "$DATA/gates.yml" --check | cut -c1-80)
n=$(printf '%s\n' "$want" | wc -l)
is "$(tmux_capture | sed -n "2,$((n + 1))p" | sed 's/ *$//')" "$want" \
    "the plan on the screen is lifeboat run --check's"
like "$(row 22)" '\| playbook gates: s starts it$' "the status bar names it"
tmux_keys s
sees "s: the start dialog" 'Start the run?'
scr=$(tmux_capture)
like "$scr" 'gates on 7 hosts in 3 waves' "it names the hosts and waves"
like "$scr" 'These steps change hosts and are marked confirm:' \
    "and what changes hosts"
like "$scr" '│   fix ' "the confirm step by name"
like "$scr" 'They will run on up to 7 hosts\.' "and on how many"
like "$scr" 'type yes and Enter' "it wants yes typed"
tmux_keys Escape
sees "Esc: not started" 'not started: nothing was run'
is "$(ls -A "$RUNS" 2>/dev/null)" "" "no run directory"
lb runs
is "$err" "lifeboat: no runs yet" "lifeboat runs: none"
tmux_keys s
tmux_wait 'nothing was run (--check)' "$W"
tmux_keys s
tmux_wait 'Start the run?' "$W"
tmux_type y
tmux_keys Enter
tmux_wait_gone 'Start the run?' "$W"
is "$(ls -A "$RUNS" 2>/dev/null)" "" "y is not yes: no run either"
tmux_keys s
tmux_wait 'nothing was run (--check)' "$W"
tmux_keys s
tmux_wait 'Start the run?' "$W"
tmux_type yes
tmux_keys Enter
sees "yes: the Run view" 'hosts of the canary, wave 0'
sees_re "the canary waits at the manual step" \
    '^… web1 +waiting +step 2/3 approve$'
id=$(run_id)
like "$id" '^[0-9]{8}T[0-9]{6}Z-' "lifeboat runs knows the run"
is "$(row 1)" "run $id: gates on 7 hosts" "the Run view names it"
is "$(row 2)" "running wave 0 of 2" "the run is at the canary"
like "$(row 3)" '^▶ canary +░+ 0/1  0 ok  0 failed  0 unreachable$' \
    "the canary's bar, at work"
like "$(row 4)" '^  wave 1 .* 0/4 .*\(not started\)$' "wave 1 to come"
like "$(row 22)" "\\| run $id running 00:00:0[0-9] \\| " \
    "the status bar: the run, its clock"
is "$(run_state "$id")" running "lifeboat runs: running"

# --- the checklist: a manual step ---
tmux_keys 3
sees "the Checklist: approve WAITING" 'WAITING   approve'
scr=$(tmux_capture)
like "$scr" '^…  WAITING   approve +change-board$' "with its owner"
like "$scr" '^   to come   wave 1 +-$' "the gates to come"
like "$scr" '^The change board approves the fix\.$' "the step's text"
is "$(tmux_cursor)" "0 2" "the cursor on the selected item"
tmux_keys Enter
sees "Enter: the sign-off dialog" "Sign off 'approve'"
like "$(tmux_capture)" '│ Owner: change-board' "it names the owner"
like "$(tmux_capture)" '│ tui-tester +│' "the user's name is filled in"
tmux_keys Enter
sees "Enter signs" "signed off: 'approve' by tui-tester"
sees_re "the item is signed, by whom" \
    '^✓  signed    approve +change-board +tui-tester'
like "$(row 2)" ' 20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8}Z$' \
    "80x24: and when"
sees_re "the canary ends; the gate of wave 1 waits" \
    '^…  WAITING   wave 1 +-$'
is "$(grep -c '"t":"signoff",.*"step":"approve","by":"tui-tester"' \
    "$RUNS/$id/journal")" 1 "the run's journal has the sign-off"

# --- hold before the next wave ---
tmux_keys P
sees_re "P: the status bar says HELD" "\\| run $id HELD "
tmux_keys j Enter
sees "the gate's dialog" "Sign off 'wave 1'"
like "$(tmux_capture)" 'Wave 1 starts when this is signed\.' \
    "it says what it does"
tmux_keys Enter
sees "the gate is signed" "signed off: 'wave 1' by tui-tester"
tmux_keys 2
sees "held: the Run view says so" 'HELD before wave 1: P to go on'
tmux_settle
like "$(row 4)" '^  wave 1 .* 0/4 .*\(not started\)$' \
    "held: wave 1 does not start though signed"
like "$(row 22)" "\\| run $id HELD [0-9]{2}:[0-9]{2}:[0-9]{2} \\| " \
    "held: HELD and the time since the run began"
like "$(row 22)" "\\| ✓1 ok ·6 pending$" \
    "80x24: the status bar has the counts"

# --- resize mid-run ---
tmux_settle
cur=$(tmux_cursor)
tmux_resize 200 60
tmux_wait_re '░{30}' "$W"
tmux_settle
is "$(row 0)" " lifeboat  1 Fleet  2 Run  3 Checklist  4 Log  5 Keys" \
    "200x60: the tabs on row 0"
is "$(row 1)" "run $id: gates on 7 hosts" "200x60: the same run"
is "$(row 2)" 'HELD before wave 1: P to go on' "200x60: still held"
is "$(row 58 | sed -E 's/[0-9]{2}:[0-9]{2}:[0-9]{2}/hh:mm:ss/')" \
    " sim.yml: 7 hosts, 2 sites | run $id HELD hh:mm:ss | ✓1 ok ·6 pending" \
    "200x60: the whole status bar on row 58"
like "$(row 59)" \
    "^(signed off: 'wave 1' by tui-tester|Tab:pane  Enter:open  P:hold/go on)" \
    "200x60: the message or the keys on row 59"
is "$(tmux_cursor)" "$cur" "200x60: the same selection, the cursor on it"
before=$(screen_e)
tmux_keys C-l
tmux_settle
is "$(screen_e)" "$before" "200x60: no garbage (a full redraw changes nothing)"
tmux_resize 30 8
sees "30x8: too small" 'terminal too small'
is "$(tmux_capture | sed -n '1,2p')" "terminal too small
30x8, needs 40x10" "30x8: says so, and the size needed"
is "$(tmux_capture | sed -n '3,$p' | tr -d ' \n')" "" "30x8: nothing else"
tmux_resize 80 24
sees "back at 80x24: the run" 'HELD before wave 1: P to go on'
tmux_settle
is "$(row 1)" "run $id: gates on 7 hosts" "80x24: the same run"
is "$(tmux_cursor)" "$cur" "80x24: the same selection"
before=$(screen_e)
tmux_keys C-l
tmux_settle
is "$(screen_e)" "$before" "80x24: no garbage"

# --- go on: the failed host first, a host's steps, a gate by command ---
tmux_keys P
sees "P again: it goes on" 'going on'
sees "wave 1 runs; the gate of wave 2 waits" \
    "waiting for the sign-off of 'wave 2'"
like "$(row 4)" '^▶ wave 1 +█+ 4/4  3 ok  1 failed  0 unreachable$' \
    "wave 1: its bar full, a failure counted"
tmux_keys j
sees "j: the hosts of wave 1" 'hosts of wave 1, failures first'
is "$(tmux_cursor)" "0 4" "the cursor on wave 1"
like "$(row 7)" "^✗ bad +FAILED +step 'fix': " "the failed host first"
is "$(tmux_capture | sed -n '9,11p' | grep -cE '^✓ (web2|web3|db1) +ok ')" 3 \
    "the others after it"
tmux_keys Tab
cursor_is "0 7" "Tab: the hosts pane, the cursor on the first"
tmux_keys Enter
sees "Enter: the Host view of bad" 'Host bad'
scr=$(tmux_capture)
like "$scr" "^run $id, playbook gates: failed$" "the host in the run"
like "$scr" '^   1\. hello +ok +rc 0 ' "step 1's outcome"
like "$scr" "^       hello 'bad'$" "and its output"
like "$scr" '^   3\. fix +failed +rc 4 ' "step 3 failed, its exit code"
like "$scr" '^       fix: disk full on bad$' "and its stderr"
tmux_keys Escape
tmux_wait 'hosts of wave 1' "$W"
tmux_keys :
tmux_type 'signoff wave 2'
tmux_keys Enter
sees ":signoff wave 2: the dialog" "Sign off 'wave 2'"
tmux_keys Enter
sees "the run ends" 'done (status 1): r for the report'
like "$(row 5)" '^  wave 2 .* 2/2  1 ok  0 failed  1 unreachable$' \
    "wave 2: the unreachable host counted"
like "$(row 22)" "\\| run $id ended [0-9:]{8} \\| ✓5 ok" \
    "the status bar: ended, the counts"

# --- the Fleet after the run ---
tmux_keys 1
sees "the Fleet with counts per site" '▾ ams  4 hosts  ✓3 ✗1'
scr=$(tmux_capture)
like "$scr" '^▾ fra  3 hosts  ✓2 ⊘1 +Frankfurt$' "fra's counts"
like "$scr" "^  ✗ bad +FAILED +step 'fix': rc 4: fix: disk full on bad$" \
    "bad: FAILED and why"
like "$scr" "^  ⊘ down +UNREACHABLE step 'hello': no route to host" \
    "down: UNREACHABLE and why"
like "$scr" '^  ✓ web1 +ok$' "web1: ok"
tmux_keys g n
cursor_is "0 5" "n: the next failed host (bad)"
tmux_keys n
cursor_is "0 9" "n: then the unreachable one (down)"

# --- Tab and Shift-Tab, the Log filtered ---
tmux_keys Tab
sees "Tab: the next view, Run" "run $id: gates on 7 hosts"
tmux_keys BTab
sees "Shift-Tab: back to the Fleet" '▾ fra  3 hosts'
tmux_keys BTab
sees "Shift-Tab again: round to the last view, Keys" \
    'look a key up by its ID'
tmux_keys 4
sees "4: the Log" 'wave 1 started: 4 hosts'
tmux_keys /
tmux_type bad
tmux_keys Enter
if tmux_wait_gone 'wave 1 started: 4 hosts' "$W"; then
	_report 0 "/bad in the Log: the other lines go"
else
	_report 1 "/bad in the Log: the other lines go"
fi
like "$(tmux_capture)" "bad: failed: step 'fix': rc 4: fix: disk full on bad$" \
    "bad's failure stays"
is "$(tmux_capture | sed -n '2,22p' | grep -v '^ *$' | grep -vic bad)" 0 \
    "the Log keeps only the lines with bad"
tmux_keys Home Enter
sees "Enter on a line about a host: the host" 'Host bad'
tmux_keys Escape
tmux_wait "bad: failed: step 'fix'" "$W"
tmux_keys Escape
sees "Esc clears the Log's filter" 'wave 1 started: 4 hosts'

# --- the report, and the run as the CLI sees it ---
tmux_keys r
sees "r: the report" "lifeboat report: run $id"
got=$(pager_text 21)
want=$("$LIFEBOAT" report last | cut -c1-80 | sed 's/ *$//')
is "$got" "$want" "the report on the screen is lifeboat report last's"
like "$want" 'fix: disk full on bad' "(that report has the failure)"
tmux_keys Escape
lb runs
like "$out" "^$id +done " "lifeboat runs: the TUI's run, done"
lb report last --format json
is "$(printf '%s' "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(" ".join(sorted("%s=%s" % (h["name"], h["status"])
    for h in r["hosts"])))')" \
    "bad=failed db1=ok db2=ok down=unreachable web1=ok web2=ok web3=ok" \
    "report --format json: every host and how it ended"
like "$want" '^approve +change-board +tui-tester +20[0-9-]+T' \
    "the report has the TUI's sign-off of approve"
is "$(printf '%s\n' "$want" | grep -cE '^wave [12] +- +tui-tester ')" 2 \
    "and of the two gates"

# --- exec on tagged hosts ---
tmux_keys 1 g j Space Space
sees "Space tags two hosts" '2 hosts tagged'
like "$(tmux_capture | sed -n 3,4p)" '^\* ✓ web2 ' "tagged hosts are marked"
tmux_keys x
sees "x: the exec dialog" 'On the 2 tagged hosts'
tmux_type hostname
tmux_keys Enter
sees "then a confirmation" 'on the 2 tagged hosts?'
tmux_keys y
tmux_wait 'exec done:' "$W"
is "$(row 23)" 'exec done: 2 ok, 0 not ok; Enter on a host shows its output' \
    "exec on web1 and web2: both ok"
tmux_keys 4
tmux_wait 'exec `hostname` done on' "$W"
scr=$(tmux_capture)
like "$scr" 'web1: exec ok, rc 0: web1$' "the Log has web1's result"
like "$scr" 'web2: exec ok, rc 0: web2$' "and web2's"
tmux_keys 1 u
tmux_wait 'no host tagged' "$W"
# Two hosts whose names do not fold into a range.
tmux_keys g j j j j Space j Space
sees "bad and db1 tagged" '2 hosts tagged'
tmux_keys x
tmux_wait 'On the 2 tagged hosts' "$W"
tmux_type 'echo from-the-tui'
tmux_keys Enter
tmux_wait 'on the 2 tagged hosts?' "$W"
tmux_keys y
tmux_keys 4
tmux_wait 'exec `echo from-the-tui` done on' "$W"
scr=$(tmux_capture)
like "$scr" 'bad: exec ok, rc 0: from-the-tui$' "exec on bad and db1: the Log"
like "$scr" 'exec `echo from-the-tui` done on 2 hosts: 0 not ok \(run ' \
    "the Log: the exec done, its run"
tmux_keys :
tmux_type 'host db1'
tmux_keys Enter
sees "the Host view of db1" 'Host db1'
tmux_keys End
sees_re "End: its last lines, the exec's output" \
    '^       from-the-tui( +[0-9]+-[0-9]+/[0-9]+)?$'
like "$(tmux_capture)" '^exec `echo from-the-tui`: rc 0$' \
    "under the exec's command"
lb runs
like "$out" ' done .* 2 +2 +0 +0 +echo from-the-tui$' \
    "the exec is a run of its own, as on the CLI"

# --- q: out, the terminal as it was ---
tmux_start 80 24 bash "$T/wrap.sh" "$LIFEBOAT" -i "$INV" tui
tmux_wait Frankfurt "$W"
is "$(pane '#{alternate_on} #{mouse_standard_flag}')" "1 1" \
    "in the TUI: the alternate screen, clicks reported"
is "$(pane '#{mouse_button_flag} #{mouse_all_flag}')" "0 0" \
    "no drag or motion tracking (Shift-drag selects text)"
tmux_keys q
sees "q with no run: out" END
like "$(tmux_capture)" '^tui exit 0$' "q: exit 0"
stty_sane "q"

# --- NO_COLOR, colours, ASCII ---
NO_COLOR=1 tmux_start 80 24 "$LIFEBOAT" -i "$INV" tui
tmux_wait Frankfurt "$W"
tmux_settle
cap=$(tmux_capture -e)
is "$(sgr colours <<<"$cap" | sort -u | tr '\n' ' ')" "" \
    "NO_COLOR: no colour at all"
like "$(sgr at 1 2 <<<"$cap")" '(^| )rev( |$)' \
    "NO_COLOR: the selected row is in reverse"
unlike "$(sgr at 2 4 <<<"$cap")" '(^| )rev( |$)' "and the others are not"
tmux_start 80 24 "$LIFEBOAT" -i "$INV" tui --no-color
tmux_wait Frankfurt "$W"
tmux_settle
is "$(tmux_capture -e | sgr colours | sort -u | tr '\n' ' ')" "" \
    "--no-color: no colour"
tmux_start 80 24 "$LIFEBOAT" -i "$INV" tui
tmux_wait Frankfurt "$W"
tmux_settle
cap=$(tmux_capture -e)
like "$(sgr colours <<<"$cap")" '^4[0-7]$' "without NO_COLOR: colours"
like "$(sgr at 1 2 <<<"$cap")" '(^| )rev( |$)' "the selection in reverse too"
# ASCII: --ascii, and a locale that is not UTF-8.
for how in --ascii LANG=C; do
	if [ "$how" = --ascii ]; then
		tmux_start 80 24 "$LIFEBOAT" -i "$INV" tui --ascii \
		    "$DATA/gates.yml"
	else
		tmux_start 80 24 env LANG=C LC_ALL=C "$LIFEBOAT" -i "$INV" \
		    tui "$DATA/gates.yml"
	fi
	tmux_wait 'nothing was run (--check)' "$W"
	tmux_keys s
	tmux_wait 'Start the run?' "$W"
	is "$(tmux_capture | LC_ALL=C grep -c '[^ -~]')" 0 \
	    "$how: the dialog is all ASCII"
	like "$(tmux_capture)" '\|-Start the run\?-+\|$' \
	    "$how: its box drawn with - and |"
	tmux_type yes
	tmux_keys Enter
	tmux_wait 'hosts of the canary' "$W"
	sees_re "$how: the waiting host, w for its symbol" \
	    '^w web1 +waiting +step 2/3 approve$'
	tmux_keys 1
	tmux_wait '- ams' "$W"
	tmux_settle
	scr=$(tmux_capture)
	is "$(LC_ALL=C grep -c '[^ -~]' <<<"$scr")" 0 \
	    "$how: the Fleet mid-run is all ASCII"
	like "$scr" '^- ams  4 hosts  w1 \.3 ' \
	    "$how: the site's counts in ASCII symbols"
	tmux_keys Q
	tmux_wait 'Quit?' "$W"
	tmux_keys y
	tmux_wait_dead "$W"
done
is "$(printf '\342\234\223' | LC_ALL=C grep -c '[^ -~]')" 1 \
    "(that check finds a UTF-8 glyph)"

# --- the mouse ---
# xterm's mouse reports (kmous \E[M): a button, a column, a row, each
# plus 32 (rows and columns from 1).
mouse() {	# BUTTON COL ROW (from 0)
	printf '\033[M%b%b%b' "\\0$(printf %o $((32 + $1)))" \
	    "\\0$(printf %o $((33 + $2)))" "\\0$(printf %o $((33 + $3)))"
}
click() {	# COL ROW
	tmux_type "$(mouse 0 "$1" "$2")$(mouse 3 "$1" "$2")"
}
tmux_start 80 24 "$LIFEBOAT" -i "$INV" tui
tmux_wait Frankfurt "$W"
click 8 7
cursor_is "0 7" "a click selects the host clicked (db1)"
click 8 3
cursor_is "0 3" "another (web2)"
tmux_type "$(mouse 65 8 3)"
cursor_is "0 6" "the wheel moves the selection down"
tmux_type "$(mouse 64 8 3)"
cursor_is "0 3" "and up"
tmux_type "$(mouse 0 8 3)$(mouse 3 8 3)$(mouse 0 8 3)$(mouse 3 8 3)"
sees "a double click opens the host" 'Host web2'
tmux_keys Escape
tmux_wait Frankfurt "$W"
click 22 0
sees "a click on a tab shows its view" 'no run yet: p picks a playbook'
tmux_keys m
sees "m: the mouse off" 'mouse off'
is "$(pane '#{mouse_any_flag}')" 0 "the terminal's mouse mode is off"
tmux_keys 1
tmux_wait Frankfurt "$W"
click 8 7
tmux_settle 10
is "$(tmux_cursor)" "0 3" "a click does nothing then"
tmux_start 80 24 "$LIFEBOAT" -i "$INV" tui --no-mouse
tmux_wait Frankfurt "$W"
is "$(pane '#{mouse_any_flag}')" 0 "--no-mouse: no mouse mode"

# --- abort: the run ends, as an interrupted lifeboat run does ---
rm -rf "$RUNS"
tmux_start 80 24 "$LIFEBOAT" -i "$INV" tui "$DATA/steady.yml"
tmux_wait 'nothing was run (--check)' "$W"
tmux_keys s
sees "steady: the start dialog, y or n" 'y: yes  n, Esc: no'
tmux_keys y
sees "the gate of wave 1 waits" "waiting for the sign-off of 'wave 1'"
aid=$(run_id)
tmux_keys P 3 Enter
tmux_wait "Sign off 'wave 1'" "$W"
tmux_keys Enter
tmux_keys 2
sees "held before wave 1" 'HELD before wave 1'
tmux_keys A
sees "A: the abort dialog" 'Abort the run?'
like "$(tmux_capture)" "Run $aid: no more hosts or waves start;" \
    "it names the run"
like "$(tmux_capture)" \
    'The run ends \(status 130\); its report lists what ran\.' \
    "and says what comes of it"
tmux_keys n
tmux_wait_gone 'Abort the run?' "$W"
tmux_settle
is "$(row 2)" 'HELD before wave 1: P to go on' "n: the run goes on, held"
is "$(run_state "$aid")" running "lifeboat runs: running"
tmux_keys A
tmux_wait 'Abort the run?' "$W"
tmux_keys y
sees "y: the run ends, interrupted" 'interrupted (status 130): r for the report'
like "$(row 3)" '^. canary +█+ 1/1  1 ok ' "the canary done"
like "$(row 4)" '^  wave 1 .* 0/2 .*\(not started\)$' "wave 1 never started"
like "$(row 22)" "\\| run $aid ended [0-9:]{8} \\| ✓1 ok" \
    "the status bar: ended"
lb runs show "$aid"
like "$out" 'ended [0-9TZ:-]+ with status 130' \
    "its journal: ended with status 130, as lifeboat run on SIGINT"
lb report "$aid"
like "$out" '^ +5 +1 +0 +0 +0 +0 +0 +0 +4$' "its report: 1 ok, 4 not run"
tmux_keys q
tmux_wait_dead "$W"
is "$(tmux_status)" 130 "the TUI exits with the run's status"
# The pane may be dead before tmux has read the last of its output.
tmux_wait 'interrupted (status 130); lifeboat report' "$W"
like "$(tmux_capture -J)" \
    "^run $aid: interrupted \\(status 130\\); lifeboat report $aid$" \
    "at exit: the run, how it ended, where its report is"
out=$(timeout 30 "$LIFEBOAT" resume "$aid" </dev/null 2>&1)
is "$?" 2 "an ended run is not resumed (as on the CLI)"

# --- -l, :playbook, a run that halts ---
tmux_start 80 24 "$LIFEBOAT" -i "$INV" tui -l 'web*'
tmux_wait Amsterdam "$W"
tmux_settle
scr=$(tmux_capture)
like "$scr" '^    web3 ' "-l web*: the Fleet shows web3"
unlike "$scr" 'bad|db1|Frankfurt' "and nothing else"
tmux_keys :
tmux_type "playbook $DATA/halt.yml"
tmux_keys Enter
sees ":playbook FILE: its plan" 'nothing was run (--check)'
like "$(tmux_capture)" '^rollout: 3 hosts in 2 waves$' \
    "limited to the Fleet's filter"
tmux_keys s
sees "the start dialog" 'halt on 3 hosts in 2 waves'
tmux_keys y
sees "the canary fails: HALTED" 'HALTED: 1 of 1 canary host failed'
like "$(row 4)" '^  wave 1 .* 0/2 .*\(not started\)$' "wave 1 never starts"
like "$(row 6)" "^✗ web1 +FAILED +step 'break': rc 3$" "the canary's failure"
like "$(row 22)" "\\| run [^ ]+ HALTED [0-9:]{8} \\| ✗1 FAILED" \
    "the status bar: HALTED"
tmux_keys 1
sees "the Fleet: the hosts not run" 'not run'
scr=$(tmux_capture)
like "$scr" '^  - web2 +not run$' "web2 not run"
like "$scr" "^  ✗ web1 +FAILED +step 'break': rc 3$" "web1 failed"
hid=$(run_id)
tmux_keys Q
tmux_wait_dead "$W"
is "$(tmux_status)" 3 "the TUI exits 3, as lifeboat run does when it halts"
tmux_wait 'HALTED (status 3)' "$W"
like "$(tmux_capture -J)" "^run $hid: HALTED \\(status 3\\); lifeboat report $hid$" \
    "and says so"

# --- a run limited to the Fleet's filter, or to tagged hosts ---
# startdlg: s until the start dialog (a plan may come first), or an error.
startdlg() {
	tmux_keys s
	tmux_wait_re 'Start the run\?|nothing was run|matches no host' "$W" ||
	    return 1
	tmux_capture | grep -q 'nothing was run' || return 0
	tmux_keys s
	tmux_wait_re 'Start the run\?|matches no host' "$W"
}
tmux_start 80 24 "$LIFEBOAT" -i "$INV" tui "$DATA/steady.yml"
tmux_wait 'nothing was run (--check)' "$W"
tmux_keys 1 /
tmux_type 'web*'
tmux_keys Enter
tmux_wait 'filter: web* (a host pattern)' "$W"
startdlg
like "$(tmux_capture)" '│ steady on 3 hosts in ' \
    "s with the Fleet filtered to web*: the run takes those 3 hosts"
tmux_keys Escape
tmux_wait_gone 'Start the run?' "$W"
tmux_keys 1
tmux_wait_gone 'nothing was run' "$W"
tmux_keys Escape
tmux_wait 'filter cleared' "$W"
tmux_keys u
tmux_wait "no host tagged" "$W"
tmux_keys g j Space G k Space
tmux_wait '2 hosts tagged' "$W"
startdlg
scr=$(tmux_capture)
like "$scr" '│ steady on 2 hosts in ' "s with web1 and db2 tagged: 2 hosts"
like "$scr" '│ limited to (web1,db2|db2,web1) ' "the dialog names them"
tmux_keys y
tmux_wait "waiting for the sign-off of 'wave 1'" "$W"
lb runs show --json last
is "$(printf '%s' "$out" | python3 -c '
import json, sys
print(" ".join(sorted(h["host"] for w in json.load(sys.stdin)["waves"]
    for h in w["hosts"])))' \
    2>&1)" "db2 web1" "the run has the tagged hosts, no other"
tmux_keys A
tmux_wait 'Abort the run?' "$W"
tmux_keys y
tmux_wait 'interrupted (status 130)' "$W"

# --- a CLI run killed, resumed in the TUI ---
rm -rf "$RUNS"
"$LIFEBOAT" -i "$INV" run "$DATA/steady.yml" >"$T/cli.out" 2>&1 &
cli=$!
for _ in $(seq 100); do
	grep -q 'waiting for sign-off before wave 1' "$T/cli.out" && break
	sleep 0.1
done
cid=$(run_id)
kill -KILL "$cli"
wait "$cli" 2>/dev/null
is "$(run_state "$cid")" interrupted "a CLI run killed at a gate: interrupted"
tmux_start 80 24 "$LIFEBOAT" -i "$INV" tui
tmux_wait Frankfurt "$W"
tmux_keys :
tmux_type 'resume last'
tmux_keys Enter
sees ":resume last: the dialog" 'Resume the run?'
like "$(tmux_capture)" "Run $cid, playbook steady, 5 hosts:" \
    "it names the run"
tmux_keys y
sees "resumed: at the gate of wave 1" "waiting for the sign-off of 'wave 1'"
is "$(row 1)" "run $cid: steady on 5 hosts" "the same run, carried on"
like "$(row 3)" '^. canary +█+ 1/1  1 ok  0 failed  0 unreachable$' \
    "its canary shown done"
tmux_keys 3 Enter
tmux_wait "Sign off 'wave 1'" "$W"
tmux_keys Enter
tmux_wait '…  WAITING   wave 2' "$W"
tmux_keys :
tmux_type 'signoff wave 2'
tmux_keys Enter
tmux_wait "Sign off 'wave 2'" "$W"
tmux_keys Enter
tmux_keys 2
sees "the resumed run ends" 'done (status 0): r for the report'
is "$(ls "$RUNS" | wc -l)" 1 "no second run directory"
is "$(run_state "$cid")" done "lifeboat runs: the run is done"
lb report "$cid"
like "$out" '^resumes +1$' "its report counts the resume"
like "$out" '^ +5 +5 +0 +0 +0 ' "and 5 hosts ok"

# --- Q during a run, SIGTERM, SIGSEGV ---
tmux_start 80 24 bash "$T/wrap.sh" "$LIFEBOAT" -i "$INV" tui \
    "$DATA/steady.yml"
tmux_wait 'nothing was run (--check)' "$W"
tmux_keys s
tmux_wait 'Start the run?' "$W"
tmux_keys y
tmux_wait "waiting for the sign-off of 'wave 1'" "$W"
qid=$(run_id)
tmux_keys Q
sees "Q during a run asks first" 'Quit?'
like "$(tmux_capture)" "Run $qid is on\. Quitting stops it:" "naming the run"
like "$(tmux_capture)" '\(status 130\) and its report lists what ran' \
    "and what comes of it"
tmux_keys n
tmux_wait_gone 'Quit?' "$W"
tmux_settle
ok "n: the TUI stays" eval '! tmux_dead'
like "$(row 22)" "\\| run $qid running " "and the run is on"
tmux_keys Q
tmux_wait 'Quit?' "$W"
tmux_keys y
sees "y: out" END
like "$(tmux_capture -J)" \
    "^run $qid: interrupted \\(status 130\\); lifeboat report $qid$" \
    "Q: the run was interrupted"
like "$(tmux_capture)" '^tui exit 130$' "Q during a run: exit 130"
stty_sane "Q"
lb runs show "$qid"
like "$out" 'with status 130' "the run quit ended with status 130"

# tui_pid: the TUI, the wrapper's one child.
tui_pid() {
	pgrep -P "$tmux_pane_pid"
}
tmux_start 80 24 bash "$T/wrap.sh" "$LIFEBOAT" -i "$INV" tui \
    "$DATA/steady.yml"
tmux_wait 'nothing was run (--check)' "$W"
tmux_keys s
tmux_wait 'Start the run?' "$W"
tmux_keys y
tmux_wait "waiting for the sign-off of 'wave 1'" "$W"
tid=$(run_id)
pid=$(tui_pid)
ok "the TUI's PID" test -n "$pid"
kill -TERM "$pid"
sees "SIGTERM: out" END
like "$(tmux_capture)" '^tui exit 130$' "SIGTERM: exit 130"
like "$(tmux_capture -J)" "^run $tid: interrupted \\(status 130\\)" \
    "SIGTERM: the run was interrupted"
stty_sane "SIGTERM"
lb runs show "$tid"
like "$out" 'with status 130' \
    "SIGTERM ends the run with status 130, as it does lifeboat run"

# A crash: the run is cut short, lifeboat resume carries it on.
tmux_start 80 24 bash "$T/wrap.sh" "$LIFEBOAT" -i "$INV" tui \
    "$DATA/steady.yml"
tmux_wait 'nothing was run (--check)' "$W"
tmux_keys s
tmux_wait 'Start the run?' "$W"
tmux_keys y
tmux_wait "waiting for the sign-off of 'wave 1'" "$W"
sid=$(run_id)
tmux_keys 3 Enter
tmux_wait "Sign off 'wave 1'" "$W"
tmux_keys Enter
tmux_wait '…  WAITING   wave 2' "$W"
pid=$(tui_pid)
kill -SEGV "$pid"
sees "SIGSEGV: the wrapper goes on" END
like "$(tmux_capture)" '^tui exit 139$' "the TUI died of SIGSEGV"
stty_sane "SIGSEGV"
is "$(run_state "$sid")" interrupted "the crashed TUI's run: interrupted"
lb signoff "$sid" 'wave 2' --by cli-user
out=$(timeout 30 "$LIFEBOAT" resume "$sid" </dev/null 2>&1)
is "$?" 0 "lifeboat resume carries the TUI's run on: exit 0"
like "$out" "^resuming run $sid: playbook steady" "the same run"
is "$(run_state "$sid")" done "and it is done"
lb report "$sid" --format json
is "$(printf '%s' "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(" ".join(sorted("%s=%s" % (h["name"], h["status"])
    for h in r["hosts"])))' 2>&1)" \
    "db1=ok db2=ok web1=ok web2=ok web3=ok" "every host of it ended ok"
like "$(printf '%s' "$out" | python3 -c '
import json, sys
print(json.load(sys.stdin)["signoffs"])' 2>&1)" \
    "'by': 'tui-tester'.*'by': 'cli-user'" \
    "with the sign-offs of both"

done_testing
