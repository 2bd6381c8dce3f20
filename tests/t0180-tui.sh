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

# row N: row N of the screen (from 0), trailing blanks cut.
row() {
	tmux_capture | sed -n "$(($1 + 1))p" | sed 's/ *$//'
}

# sees DESC TEXT: a test that the screen comes to show TEXT; when it does
# not, tmux_wait has written why and the last screen as diagnostics.
sees() {
	if tmux_wait "$2" "$W"; then _report 0 "$1"; else _report 1 "$1"; fi
}
sees_re() {
	if tmux_wait_re "$2" "$W"; then _report 0 "$1"; else _report 1 "$1"; fi
}

# cursor_is "X Y" DESC: a test that the cursor comes to X Y (a click
# takes effect once the double-click interval has passed).
cursor_is() {
	local i c
	for i in $(seq $((W * 20))); do
		c=$(tmux_cursor)
		[ "$c" != "$1" ] || break
		sleep 0.05
	done
	is "$c" "$1" "$2"
}

# pane FORMAT: a tmux format of the pane (#{alternate_on}...).
pane() {
	TMUX= command tmux -S "$tmux_sock" display-message -p -t "$tmux_pane" \
	    "$1"
}

# sgr MODE [ROW COL] < capture -e: "colours" prints the SGR colour
# parameters used (30-37, 40-47, 90-97, 100-107, 38, 48), one per line;
# "at" prints the attributes in effect at ROW COL ("rev", "bold", "fg"
# when a colour is set...), following the state from the top left.
sgr() {
	python3 -c '
import re, sys, unicodedata
mode = sys.argv[1]
text = sys.stdin.read()
new = lambda: dict(fg=None, bg=None, bold=False, dim=False, ul=False,
    rev=False)
st = new()
used = []
at = {}
for y, line in enumerate(text.split("\n")):
	x = 0
	i = 0
	while i < len(line):
		m = re.match(r"\x1b\[([0-9;:]*)m", line[i:])
		if m:
			ps = [int(p) if p else 0 for p in
			    re.split("[;:]", m.group(1))]
			j = 0
			while j < len(ps):
				p = ps[j]
				if p == 0: st = new()
				elif p == 1: st["bold"] = True
				elif p == 2: st["dim"] = True
				elif p == 4: st["ul"] = True
				elif p == 7: st["rev"] = True
				elif p == 22: st["bold"] = st["dim"] = False
				elif p == 24: st["ul"] = False
				elif p == 27: st["rev"] = False
				elif p == 39: st["fg"] = None
				elif p == 49: st["bg"] = None
				elif 30 <= p <= 37 or 90 <= p <= 97:
					st["fg"] = p; used.append(p)
				elif 40 <= p <= 47 or 100 <= p <= 107:
					st["bg"] = p; used.append(p)
				elif p in (38, 48):
					used.append(p)
					k = "fg" if p == 38 else "bg"
					st[k] = p
					n = ps[j + 1] if j + 1 < len(ps) else 0
					j += 2 if n == 5 else 4 if n == 2 else 0
				j += 1
			i += m.end()
			continue
		if line[i] == "\x1b":
			i += 1
			continue
		w = 2 if unicodedata.east_asian_width(line[i]) in "WF" else 1
		at[(y, x)] = dict(st)
		x += w
		i += 1
if mode == "colours":
	for p in used:
		print(p)
else:
	a = at.get((int(sys.argv[2]), int(sys.argv[3])), new())
	print(" ".join(k for k in ("rev", "bold", "dim", "ul") if a[k]) +
	    (" fg" if a["fg"] else "") + (" bg" if a["bg"] else ""))
' "$@"
}

# pager_text H: the whole text of the pager on rows 1..H, read page by
# page (Home, then PgDn) from the position it shows ("a-b/n" at the
# right of row H), one line per line of the text.
pager_text() {
	local h=$1 scr pos prev= from total r
	declare -A line=()
	tmux_keys Home
	tmux_settle || return 1
	while :; do
		scr=$(tmux_capture)
		pos=$(sed -n "$((h + 1))p" <<<"$scr" |
		    grep -Eo '[0-9]+-[0-9]+/[0-9]+ *$')
		if [ -z "$pos" ]; then
			sed -n "2,$((h + 1))p" <<<"$scr" | sed 's/ *$//' |
			    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
			return 0
		fi
		[ "$pos" != "$prev" ] || return 1
		prev=$pos
		from=${pos%%-*}
		total=${pos#*/}
		total=${total%% *}
		for r in $(seq 1 "$h"); do
			if [ "$r" -lt "$h" ]; then
				line[$((from + r - 1))]=$(sed -n "$((r + 1))p" \
				    <<<"$scr" | sed 's/ *$//')
			elif [ -z "${line[$((from + r - 1))]+set}" ]; then
				line[$((from + r - 1))]=$(sed -n "$((r + 1))p" \
				    <<<"$scr" | sed -E 's/ *[0-9]+-[0-9]+\/[0-9]+ *$//')
			fi
		done
		[ "$((from + h - 1))" -lt "$total" ] || break
		tmux_keys NPage
		tmux_wait_gone "$pos" "$W" || return 1
	done
	for r in $(seq 1 "$total"); do
		printf '%s\n' "${line[$r]-}"
	done
}

# screen_e: the screen with its attributes, the run's clock masked (it
# ticks while a run is on).
screen_e() {
	tmux_capture -e | sed -E 's/[0-9]{2}:[0-9]{2}:[0-9]{2}/hh:mm:ss/'
}

# run_state ID: the state `lifeboat runs` gives run ID.
run_state() {
	"$LIFEBOAT" runs | awk -v id="$1" '$1 == id { print $2 }'
}

# stty_sane DESC: the screen (after a wrapper ran stty -a) shows a
# terminal in canonical mode with echo, the alternate screen left, the
# mouse off and the cursor shown.
stty_sane() {
	local scr
	scr=$(tmux_capture)
	like "$scr" '(^| )icanon( |$)' "$1: icanon is on"
	like "$scr" '(^| )echo( |$)' "$1: echo is on"
	is "$(pane '#{alternate_on} #{mouse_any_flag} #{cursor_flag}')" \
	    "0 0 1" "$1: the normal screen, no mouse mode, a cursor"
	unlike "$scr" '1 Fleet  2 Run' "$1: the TUI's screen is gone"
}

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
is "$(row 1)" "▾ ams  4 hosts   Amsterdam" "a site, its host count, its description"
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
like "$(row 22)" "\\| run $id running …1 waiting " \
    "the status bar: the run and its counts"
is "$(run_state "$id")" running "lifeboat runs: running"

# --- the checklist: a manual step ---
tmux_keys 3
sees "the Checklist: approve WAITING" 'WAITING   approve'
scr=$(tmux_capture)
like "$scr" '^…  WAITING   approve +change-board$' "with its owner"
like "$scr" '^   to come   wave 1 +the incident lead$' "the gates to come"
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
    '^…  WAITING   wave 1 +the incident lead$'
is "$(grep -c '"t":"signoff",.*"step":"approve","by":"tui-tester"' \
    "$RUNS/$id/journal")" 1 "the run's journal has the sign-off"

# --- hold before the next wave ---
tmux_keys P
sees_re "P: the status bar says HELD" "\\| run $id HELD "
tmux_keys j Enter
sees "the gate's dialog" "Sign off 'wave 1'"
like "$(tmux_capture)" 'Wave 1 starts when this is signed\.' "it says what it does"
tmux_keys Enter
sees "the gate is signed" "signed off: 'wave 1' by tui-tester"
tmux_keys 2
sees "held: the Run view says so" 'HELD before wave 1: P to go on'
tmux_settle
like "$(row 4)" '^  wave 1 .* 0/4 .*\(not started\)$' \
    "held: wave 1 does not start though signed"
like "$(row 22)" "\\| run $id HELD ✓1 ok ·6 pending" \
    "held: the counts stay"
like "$(row 22)" ' [0-9]{2}:[0-9]{2}:[0-9]{2}$' \
    "80x24: the status bar shows the time since the run began"

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
like "$(row 58)" "^ sim.yml: 7 hosts, 2 sites \\| run $id HELD ✓1 ok ·6 pending +[0-9]{2}:[0-9]{2}:[0-9]{2}$" \
    "200x60: the status bar on row 58, the time at its right"
like "$(row 59)" "^(signed off: 'wave 1' by tui-tester|Tab:pane  Enter:open  P:hold/go on)" \
    "200x60: the message or the keys on row 59"
is "$(tmux_cursor)" "$cur" "200x60: the same selection, the cursor on it"
before=$(screen_e)
tmux_keys C-l
tmux_settle
is "$(screen_e)" "$before" "200x60: no garbage (a full redraw changes nothing)"
tmux_resize 30 8
sees "30x8: too small" 'terminal too small'
is "$(row 0 | cut -c1-19)" "terminal too small:" "30x8: on row 0"
is "$(tmux_capture | sed -n '2,$p' | tr -d ' \n')" "" "30x8: nothing else"
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
like "$(row 22)" "\\| run $id ended ✓5 ok ✗1 FAILED" \
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
sees "x: the exec dialog" 'On 2 tagged hosts'
tmux_type hostname
tmux_keys Enter
sees "then a confirmation" 'on 2 tagged hosts?'
tmux_keys y
tmux_wait 'exec done:' "$W"
is "$(row 23)" 'exec done: 2 ok, 0 failed; Enter on a host shows its output' \
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
tmux_wait 'On 2 tagged hosts' "$W"
tmux_type 'echo from-the-tui'
tmux_keys Enter
tmux_wait 'on 2 tagged hosts?' "$W"
tmux_keys y
tmux_keys 4
tmux_wait 'exec `echo from-the-tui` done on' "$W"
scr=$(tmux_capture)
like "$scr" 'bad: exec ok, rc 0: from-the-tui$' "exec on bad and db1: the Log"
like "$scr" 'exec `echo from-the-tui` done on 2 hosts: 0 failed \(run ' \
    "the Log: the exec done, its run"
tmux_keys :
tmux_type 'host db1'
tmux_keys Enter
sees "the Host view of db1" 'Host db1'
tmux_keys End
sees_re "End: its last lines, the exec's output" \
    '^       from-the-tui( +[0-9]+-[0-9]+/[0-9]+)?$'
like "$(tmux_capture)" '^exec `echo from-the-tui`: rc 0$' "under the exec's command"
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

# --- abort in the TUI, resume on the CLI ---
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
like "$(tmux_capture)" "lifeboat resume $aid" \
    "it says the run can be carried on"
tmux_keys n
tmux_wait_gone 'Abort the run?' "$W"
tmux_settle
is "$(row 2)" 'HELD before wave 1: P to go on' "n: the run goes on held"
tmux_keys A
tmux_wait 'Abort the run?' "$W"
tmux_keys y
sees_re "y: the run ends" '\| run [^ ]+ (ended|HALTED) '
is "$(run_state "$aid")" interrupted \
    "the aborted run is interrupted, for lifeboat resume"
tmux_keys q
tmux_wait_dead "$W"
like "$(tmux_capture)" "^run $aid: interrupted" \
    "at exit: the run and that it was interrupted"
lb resume last </dev/null
is "$rc" 0 "lifeboat resume last carries it on: exit 0"
lb report last --format json
is "$(printf '%s' "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r.get("id"), " ".join(sorted("%s=%s" % (h["name"], h["status"])
    for h in r["hosts"])))' 2>&1)" \
    "$aid db1=ok db2=ok web1=ok web2=ok web3=ok" \
    "and every host of the run ends ok"

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
tmux_keys n
tmux_wait_gone 'Quit?' "$W"
tmux_settle
ok "n: the TUI stays" eval '! tmux_dead'
like "$(row 22)" "\\| run $qid running " "and the run is on"
tmux_keys Q
tmux_wait 'Quit?' "$W"
tmux_keys y
sees "y: out" END
like "$(tmux_capture)" "^run $qid: interrupted" "it says the run was interrupted"
like "$(tmux_capture)" '^tui exit 130$' "Q during a run: exit 130"
stty_sane "Q"
is "$(run_state "$qid")" interrupted "the run quit can be carried on"

# tui_pid: the TUI under the wrapper.
tui_pid() {
	pgrep -P "$tmux_pane_pid" -x lifeboat
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
like "$(tmux_capture)" "^run $tid: interrupted" "it says the run was interrupted"
stty_sane "SIGTERM"
is "$(run_state "$tid")" interrupted "SIGTERM leaves a resumable run"

tmux_start 80 24 bash "$T/wrap.sh" "$LIFEBOAT" -i "$INV" tui \
    "$DATA/steady.yml"
tmux_wait 'nothing was run (--check)' "$W"
tmux_keys s
tmux_wait 'Start the run?' "$W"
tmux_keys y
tmux_wait "waiting for the sign-off of 'wave 1'" "$W"
sid=$(run_id)
pid=$(tui_pid)
kill -SEGV "$pid"
sees "SIGSEGV: the wrapper goes on" END
like "$(tmux_capture)" '^tui exit 139$' "the TUI died of SIGSEGV"
stty_sane "SIGSEGV"
is "$(run_state "$sid")" interrupted "a crash leaves a resumable run"

done_testing
