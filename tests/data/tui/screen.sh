# Helpers for the TUI's terminal tests (t0180-tui.sh, t0181-tui-ssh.sh),
# on top of tests/lib.sh and tests/tmux.sh: a row of the screen, waits
# that are tests, the cursor, tmux's view of the pane's modes, the
# attributes of a cell, the whole text of a pager, a run's state, and
# the terminal's modes after the TUI has gone.  Source it after both;
# $W is how long a wait lasts (seconds).

W=${W:-10}

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
				    <<<"$scr" |
				    sed -E 's/ *[0-9]+-[0-9]+\/[0-9]+ *$//')
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

# screen_e: the screen with its attributes but for its last row (where a
# message gives way to the keys after a few seconds), the run's clock
# masked (it ticks while a run is on).
screen_e() {
	tmux_capture -e | sed '$d' |
	    sed -E 's/[0-9]{2}:[0-9]{2}:[0-9]{2}/hh:mm:ss/'
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
