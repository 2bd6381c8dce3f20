#!/usr/bin/env bash
# The tmux harness (tests/tmux.sh) itself, against small programs it
# starts in its pane: waits that find text shown later, that give up in
# time on text that never comes or once the program has exited, settle
# after output stops, typed text reaching a read, the cursor, resizes
# seen by the program, exit status and last screen, attributes in -e
# captures, the pinned environment, stop by PID (also at exit, with the
# test's own EXIT trap kept), and a decoy "user's tmux" that must see
# nothing of all this.
. "$(dirname "$0")/lib.sh"

# gone PID: true when PID no longer runs (a zombie no longer runs).
gone() {
	kill -0 "$1" 2>/dev/null || return 0
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	Z*)	return 0 ;;
	*)	return 1 ;;
	esac
}

# The user's own tmux, for this test: a server on the default socket of
# TMUX_TMPDIR, running cat, and TMUX naming it as if the test ran inside
# it.  Anything the harness sent it would show in its pane.
decoy_pid=
decoy_sock=
decoy() {
	TMUX_TMPDIR=$T/user TMUX= command tmux -f /dev/null "$@"
}
decoy_stop() {
	[ -n "$decoy_sock" ] || return 0
	decoy kill-server 2>/dev/null
	for _ in $(seq 20); do
		gone "$decoy_pid" && break
		sleep 0.05
	done
	gone "$decoy_pid" || kill "$decoy_pid" 2>/dev/null
	decoy_sock=
}
trap 'decoy_stop; rm -rf "$T"' EXIT

. "$TESTDIR/tmux.sh"
tmux_require

mkdir -p "$T/user"
decoy new-session -d -s mine -x 40 -y 5 cat
decoy_pid=$(decoy display-message -p '#{pid}')
decoy_sock=$(decoy display-message -p '#{socket_path}')
export TMUX_TMPDIR=$T/user TMUX="$decoy_sock,$decoy_pid,0"

# ms: milliseconds since the epoch, into $now.
ms() {
	local t=${EPOCHREALTIME//[!0-9]/}
	now=${t%???}
}

# --- waits ---
tmux_start 60 10 bash -c 'echo first; sleep 0.4; echo "later;"; \
    echo count=41; exec sleep 30'
ok "tmux_start starts the program" tmux_wait first 5
is "$(tmux_capture | grep -c 'later;')" 0 "the later text is not there at once"
ms; t0=$now
tmux_wait 'later;'
is "$?" 0 "tmux_wait finds text that appears later"
ms
ok "it waited for it" test "$((now - t0))" -ge 200
like "$(tmux_capture)" '^later;$' "the screen shows it then"
ok "tmux_wait_re matches an extended regex" tmux_wait_re '^count=[0-9]+$' 2
ms; t0=$now
tmux_wait 'never shown' 1 2>"$T/wait.err"
rc=$?
ms
is "$rc" 1 "tmux_wait gives up on text that never comes"
ok "it gives up after 1 s, not before, nor much after" \
    test "$((now - t0))" -ge 1000 -a "$((now - t0))" -lt 2500
like "$(cat "$T/wait.err")" "^# .*waiting for 'never shown'" \
    "it says what it waited for"
like "$(cat "$T/wait.err")" '^# count=41$' "and shows the last screen"
unlike "$(cat "$T/wait.err")" '^[^#]' "all as TAP diagnostics"
tmux_wait_re 'count=[0-9]{5}' 0.3 2>/dev/null
is "$?" 1 "tmux_wait_re gives up too"
tmux_wait_gone 'first' 0.3 2>/dev/null
is "$?" 1 "tmux_wait_gone gives up while the text stays"

tmux_start 60 10 bash -c 'echo busy; sleep 0.3; clear; echo idle; \
    exec sleep 30'
tmux_wait busy 5
ok "tmux_wait_gone sees text go" tmux_wait_gone busy 5
like "$(tmux_capture)" '^idle$' "and the screen that replaced it"

# --- settle ---
tmux_start 60 10 bash -c 'for i in $(seq 30); do printf "\r%d" $i; \
    sleep 0.02; done; echo; echo done; exec sleep 30'
tmux_settle 3 5
is "$?" 0 "tmux_settle returns once output stops"
like "$(tmux_capture)" '^done$' "not before: the last output is there"
tmux_start 60 10 bash -c 'i=0; while :; do i=$((i + 1)); \
    printf "\r%d" $i; sleep 0.01; done'
ms; t0=$now
tmux_settle 3 0.5 2>"$T/settle.err"
rc=$?
ms
is "$rc" 1 "tmux_settle gives up on a screen that keeps changing"
ok "after its SECS" test "$((now - t0))" -ge 500 -a "$((now - t0))" -lt 2000
like "$(cat "$T/settle.err")" '^# tmux_settle' "and says so"

# --- input ---
tmux_start 60 10 bash -c 'echo ask; read -r a; echo "got:$a"; \
    read -r b; echo "keys:$b"; exec sleep 30'
tmux_wait ask 5
tmux_type 'a b;c -l ;'
tmux_keys Enter
ok "tmux_type reaches a read, literally" tmux_wait 'got:a b;c -l ;' 5
tmux_keys a ';' b BSpace Enter
ok "tmux_keys sends key names, strings and ';'" tmux_wait 'keys:a;' 5

# --- cursor ---
tmux_start 60 10 bash -c 'clear; printf "\033[5;10H"; exec sleep 30'
tmux_settle
is "$(tmux_cursor)" "9 4" "the cursor after ESC[5;10H is at 9 4"
tmux_start 60 10 bash -c 'clear; tput cup 2 7; printf ab; exec sleep 30'
tmux_settle
is "$(tmux_cursor)" "9 2" "the cursor after tput cup 2 7 and two letters"

# --- resize ---
COLUMNS=33 LINES=11 tmux_start 100 30 bash -c '
	trap '\''printf "winch %s cols=" "$(stty size)"; tput cols'\'' WINCH
	printf "start %s cols=" "$(stty size)"; tput cols
	while :; do sleep 0.05; done'
ok "the program starts at 100x30" tmux_wait 'start 30 100 cols=100' 5
tmux_resize 80 24
is "$?" 0 "tmux_resize to 80x24"
ok "the program sees 80x24" tmux_wait 'winch 24 80 cols=80' 5
tmux_resize 200 60
is "$?" 0 "tmux_resize to 200x60"
ok "the program sees 200x60" tmux_wait 'winch 60 200 cols=200' 5
is "$(tmux_capture | wc -l)" 60 "the capture has 60 rows"

# --- exit ---
tmux_start 60 10 bash -c 'echo top; echo bye; sleep 0.3; exit 3'
tmux_wait bye 5
ok "tmux_dead is false while the program runs" eval '! tmux_dead'
tmux_wait_dead 5
is "$?" 0 "tmux_wait_dead returns once it exits"
ok "tmux_dead is true then" tmux_dead
is "$(tmux_status)" 3 "tmux_status is its exit status"
is "$(tmux_capture | sed -n 1,2p)" "top
bye" "the last screen is kept as it was, first row included"
ms; t0=$now
tmux_wait 'never shown' 10 2>"$T/dead.err"
rc=$?
ms
is "$rc" 1 "a wait on a dead pane fails"
ok "at once, not after its SECS" test "$((now - t0))" -lt 2000
like "$(cat "$T/dead.err")" '^# .*exited, status 3' "saying the program exited"
tmux_start 60 10 sleep 30
tmux_wait_dead 0.3 2>/dev/null
is "$?" 1 "tmux_wait_dead gives up on a program that runs on"

# --- attributes ---
tmux_start 60 10 bash -c 'printf "\033[1;31mX\033[0m\n"; exec sleep 30'
tmux_wait X 5
e=$(printf '\033')
like "$(tmux_capture -e)" "${e}\\[[0-9;]*m.*X" \
    "-e shows an SGR sequence before X"
like "$(tmux_capture -e)" "${e}\\[([0-9;]*;)?31(;[0-9;]*)?m" "red among them"
unlike "$(tmux_capture)" "$e" "without -e, no escape at all"
tmux_start 60 10 bash -c 'echo plain text; exec sleep 30'
tmux_wait plain 5
unlike "$(tmux_capture -e)" "$e" "-e on plain text shows no escape"

# --- environment ---
export LB_HARNESS_VAR='one two;'
NO_COLOR=1 COLORTERM=truecolor TZ=Europe/Paris tmux_start 100 10 bash -c '
	printf "term=%s tz=%s lcall=%s var=%s\n" "$TERM" "$TZ" "$LC_ALL" \
	    "$LB_HARNESS_VAR"
	printf "nocolor=%s colorterm=%s tmux=%s\n" "${NO_COLOR-unset}" \
	    "${COLORTERM-unset}" "${TMUX-unset}"
	printf "utf8: h\303\251llo \342\234\223\n"
	exec sleep 30'
tmux_wait utf8 5
if infocmp tmux-256color >/dev/null 2>&1; then want=tmux-256color
else want=screen-256color; fi
like "$(tmux_capture)" "^term=$want tz=UTC lcall=C.UTF-8 var=one two;\$" \
    "TERM, TZ and LC_ALL are pinned; the caller's variables pass"
like "$(tmux_capture)" '^nocolor=1 colorterm=unset tmux=unset$' \
    "a variable set for the call passes; the caller's terminal does not"
like "$(tmux_capture)" '^utf8: héllo ✓$' "UTF-8 reaches the screen"
LANG=C LC_ALL= tmux_start 60 10 bash -c \
    'echo "lang=$LANG lcall=${LC_ALL-unset}"; exec sleep 30'
ok "the caller's LANG when LC_ALL is empty" tmux_wait 'lang=C lcall=unset' 5

tmux_start 60 10 printf '%s|' 'semi;' ';' 'a b'
ok "words of CMD ending in ';' reach it whole" \
    tmux_wait_re '^semi;\|;\|a b\|$' 5

# tmux_require: a skip plan and exit 0 without tmux or with a tmux older
# than 3.0; nothing when tmux is fine.
mkdir -p "$T/bin" "$T/old"
for c in mktemp mkdir dirname rm cat; do
	ln -s "$(command -v "$c")" "$T/bin/$c"
done
printf '#!/bin/sh\necho "tmux 2.9a"\n' >"$T/old/tmux"
chmod +x "$T/old/tmux"
req() {
	PATH=$1 "$BASH" -c '. "$0/lib.sh"; . "$0/tmux.sh"; tmux_require;
	    echo "on with $(tmux -V)"' "$TESTDIR" 2>&1
}
is "$(req "$T/bin")" "1..0 # skip tmux is not installed" \
    "tmux_require skips without tmux"
is "$(req "$T/old:$T/bin")" "1..0 # skip tmux 3.0 or later needed, not 2.9a" \
    "and with tmux 2.9"
like "$(req "$PATH")" '^on with tmux [0-9]' \
    "and lets a test go on with this one"

# --- isolation ---
sock=$(_tmux display-message -p '#{socket_path}')
is "$sock" "$T/tmux.sock" "the harness's server listens under \$T"
ok "not on the decoy's socket" test "$sock" != "$decoy_sock"

# --- stop ---
tmux_start 60 10 bash -c 'trap "" HUP; echo deaf; exec sleep 30'
tmux_wait deaf 5
server=$tmux_pid pane=$tmux_pane_pid
ok "the server runs" kill -0 "$server"
tmux_stop
is "$?" 0 "tmux_stop"
ok "the server is gone" gone "$server"
ok "the program, deaf to SIGHUP, is gone too" gone "$pane"
ok "the socket is gone" test ! -e "$T/tmux.sock"
is "$tmux_pid" "" "tmux_pid is cleared"
tmux_stop
is "$?" 0 "tmux_stop again does nothing"

# At exit: the test's own EXIT trap and exit status kept.
cat >"$T/child.sh" <<'EOF'
. "$TESTDIR/lib.sh"
trap 'echo custom >>"$OUT/trap"; rm -rf "$T"' EXIT
. "$TESTDIR/tmux.sh"
tmux_start 40 5 sleep 30
echo "$tmux_pid $tmux_pane_pid $T" >"$OUT/pids"
exit 7
EOF
OUT=$T TESTDIR=$TESTDIR bash "$T/child.sh" >/dev/null 2>&1
is "$?" 7 "a test's exit status survives the EXIT trap"
read -r cserver cpane cT <"$T/pids"
ok "its server is stopped at exit" gone "$cserver"
ok "its program is stopped at exit" gone "$cpane"
is "$(cat "$T/trap")" custom "its own EXIT trap ran"
ok "its \$T is removed" test ! -e "$cT"

# The decoy saw nothing.
is "$(decoy list-sessions -F '#{session_name}')" mine \
    "the decoy has only its own session"
is "$(decoy display-message -p -t mine '#{pane_width}x#{pane_height}')" \
    40x5 "it was never resized"
is "$(decoy capture-pane -p -t mine | tr -d '\n')" "" \
    "nothing was typed into it"

done_testing
