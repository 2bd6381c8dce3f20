# A private tmux for the terminal tests: start a program in a pane of a
# fixed size, type at it, read its screen, wait for the screen to show
# something or to settle, resize it, read its exit status.  Source it
# after lib.sh (it needs $T).  Every wait polls every 50 ms and is
# bounded; none sleeps for a fixed time.
#
#   tmux_require          prints "1..0 # skip ..." and exits 0 when tmux
#                         (3.0 or later) is missing; call it first
#   tmux_start W H CMD... starts a private server (socket $T/tmux.sock,
#                         no configuration file) with one detached
#                         session of W x H running CMD; sets $tmux_pid
#                         (the server), $tmux_pane_pid (CMD) and
#                         $tmux_sock
#   tmux_keys KEY...      send-keys: tmux key names (Enter, Escape, Up,
#                         C-c, F5, ...) or strings
#   tmux_type TEXT        TEXT, literally (send-keys -l)
#   tmux_capture [-e]     prints the pane; -e keeps colours and
#                         attributes as SGR sequences
#   tmux_wait TEXT [SECS]      until the pane shows TEXT (a fixed string)
#   tmux_wait_re REGEX [SECS]  until a line matches REGEX (grep -E)
#   tmux_wait_gone TEXT [SECS] until TEXT is no longer shown
#   tmux_settle [N] [SECS]     until N (3) captures in a row, 50 ms
#                         apart, are identical, colours and the cursor
#                         included; SECS defaults to 5
#   tmux_cursor           prints "X Y", the cursor's column and row
#                         (from 0)
#   tmux_resize W H       resizes the window, then waits until the pane
#                         is W x H
#   tmux_dead             true once CMD has exited
#   tmux_status           prints CMD's exit status once it has exited
#                         (128 + N when signal N killed it)
#   tmux_wait_dead [SECS] until CMD has exited
#   tmux_stop             kills the server, by its socket and then by its
#                         PID; runs by itself at exit
#
# SECS defaults to 10 and may have a fraction ("0.5").  A wait that
# gives up returns 1 and writes to stderr, as "# " lines (TAP
# diagnostics), what it waited for and the last screen.  A wait also
# gives up as soon as CMD has exited and its final screen does not
# have what is awaited: that screen cannot change any more.
#
# CMD runs without a shell (quote as for exec; for a pipeline use
# bash -c '...') and with exactly this environment: every exported
# variable of the caller except those that describe the caller's own
# terminal (TERM, TERMCAP, COLUMNS, LINES, COLORTERM, TERM_PROGRAM,
# TERM_PROGRAM_VERSION, TMUX, TMUX_PANE), then TERM=tmux-256color
# (screen-256color when that terminfo entry is missing), TZ=UTC, and
# LANG and LC_ALL as the caller has them, both C.UTF-8 when neither is
# set.  So "NO_COLOR=1 tmux_start 80 24 ..." works, and so does
# "tmux_start 80 24 env COLORTERM=truecolor ...".
#
# The pane stays after CMD exits (remain-on-exit), showing its last
# screen as CMD left it, so that screen and the exit status can be read.
# No status line takes a row: the pane is the whole W x H.  The server
# never reads the user's configuration and never talks to the user's
# own tmux: every command names the private socket and runs with TMUX
# unset.  The EXIT trap (lib.sh's, or one the test set before calling
# tmux_start) is kept and runs after tmux_stop; a test that sets its
# own EXIT trap after tmux_start must call tmux_stop in it.

tmux_pid=
tmux_pane_pid=
tmux_sock=
tmux_pane=
_tmux_starts=
_tmux_screen=
_tmux_dead=0
_tmux_curs=
_tmux_t=0

# tmux ARGS... on the private socket, never the caller's server.
_tmux() {
	TMUX= TMUX_PANE= command tmux -S "$tmux_sock" -f /dev/null "$@"
}

# _tmux_esc ARG...: sets _tmux_args to the ARGs made safe for tmux's
# command parser, which takes an argument ending in ';' as the end of a
# command; a backslash before that ';' makes it literal (and is removed).
_tmux_esc() {
	local a
	_tmux_args=()
	for a in "$@"; do
		case $a in
		*\;)	_tmux_args+=("${a%;}\\;") ;;
		*)	_tmux_args+=("$a") ;;
		esac
	done
}

tmux_require() {
	local v
	if ! command -v tmux >/dev/null 2>&1; then
		echo "1..0 # skip tmux is not installed"
		exit 0
	fi
	# "tmux 3.3a", "tmux next-3.4", "tmux master": a command given as
	# several words runs without a shell from 3.0 on.
	v=$(tmux -V 2>/dev/null)
	v=${v#tmux }
	v=${v#next-}
	case $v in
	[3-9].*|[1-9][0-9]*.*|master*|openbsd-*)
		;;
	*)
		echo "1..0 # skip tmux 3.0 or later needed, not ${v:-unknown}"
		exit 0
		;;
	esac
}

# _tmux_now: the time in milliseconds, into _tmux_t.
_tmux_now() {
	local t
	if [ -n "${EPOCHREALTIME:-}" ]; then
		t=${EPOCHREALTIME//[!0-9]/}
		_tmux_t=${t%???}
	else
		_tmux_t=$(date +%s%3N)
	fi
}

# _tmux_ms SECS: prints SECS ("10", "0.5") in milliseconds.
_tmux_ms() {
	local s=$1 i f=
	case $s in
	''|.|*[!0-9.]*|*.*.*)
		echo "# tmux: not a number of seconds: '$s'" >&2
		return 1
		;;
	esac
	i=${s%%.*}
	[ "$i" = "$s" ] || f=${s#*.}
	f=${f}000
	echo $((10#${i:-0} * 1000 + 10#${f:0:3}))
}

# _tmux_alive PID START: true while PID runs and is still the process
# that began at START (field 22 of /proc/PID/stat, empty without /proc),
# so a PID the system has given to another process is left alone.  A
# zombie no longer runs.
_tmux_alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	[ -r "/proc/$1/stat" ] || return 0
	st=$(_tmux_stat "$1")
	[ -n "$st" ] && [ "${st% *}" != Z ] && [ "${st#* }" = "$2" ]
}

# _tmux_stat PID: prints "STATE STARTTIME" from /proc/PID/stat.
_tmux_stat() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	# The command name, in parentheses, may hold spaces.
	s=${s##*) }
	set -- $s
	echo "$1 ${20}"
}

# _tmux_kill PID START: stops PID, if still that process: waits up to
# 1 s for it to go by itself, then sends SIGTERM and after 1 s SIGKILL.
_tmux_kill() {
	local pid=$1 start=$2 sig i
	for sig in 0 TERM KILL; do
		[ "$sig" = 0 ] || kill -"$sig" "$pid" 2>/dev/null
		for i in $(seq 20); do
			_tmux_alive "$pid" "$start" || return 0
			sleep 0.05
		done
	done
	echo "# tmux: process $pid would not stop" >&2
	return 1
}

# _tmux_atexit: the EXIT trap's first part; keeps the exit status for
# what the trap runs next.
_tmux_atexit() {
	local rc=$?
	tmux_stop
	return $rc
}

# _tmux_trap: puts tmux_stop in front of the EXIT trap, once.
_tmux_trap() {
	local cur
	cur=$(trap -p EXIT)
	case $cur in
	*_tmux_atexit*)
		return 0
		;;
	esac
	# "trap -- 'COMMANDS' EXIT", quoted for the shell.
	eval "set -- $cur"
	if [ $# -ge 4 ]; then
		trap "_tmux_atexit; $3" EXIT
	else
		trap _tmux_atexit EXIT
	fi
}

# _tmux_launcher FILE CMD...: writes a script that runs CMD in the
# environment described at the top.  tmux gets the script's name alone:
# its own parser would split words of CMD that end in ';'.
_tmux_launcher() {
	local file=$1 name term=tmux-256color
	shift
	local envv=()
	for name in $(compgen -e); do
		case $name in
		TERM|TERMCAP|COLUMNS|LINES|COLORTERM|TERM_PROGRAM|\
		TERM_PROGRAM_VERSION|TMUX|TMUX_PANE|TZ|LANG|LC_ALL)
			continue
			;;
		esac
		envv+=("$name=${!name}")
	done
	infocmp "$term" >/dev/null 2>&1 || term=screen-256color
	envv+=("TERM=$term" "TZ=UTC")
	if [ -z "${LANG:-}" ] && [ -z "${LC_ALL:-}" ]; then
		envv+=("LANG=C.UTF-8" "LC_ALL=C.UTF-8")
	else
		[ -z "${LANG:-}" ] || envv+=("LANG=$LANG")
		[ -z "${LC_ALL:-}" ] || envv+=("LC_ALL=$LC_ALL")
	fi
	{
		printf 'exec %q -i' "$(command -v env)"
		printf ' %q' "${envv[@]}" "$@"
		printf '\n'
	} >"$file"
	_tmux_term=$term
}

tmux_start() {
	local w=${1:-} h=${2:-} info
	case $w in
	''|*[!0-9]*)
		w=
		;;
	esac
	case $h in
	''|*[!0-9]*)
		h=
		;;
	esac
	if [ -z "$w" ] || [ -z "$h" ] || [ $# -lt 3 ]; then
		echo "# usage: tmux_start WIDTH HEIGHT COMMAND..." >&2
		return 2
	fi
	shift 2
	tmux_stop
	tmux_sock=$T/tmux.sock
	_tmux_launcher "$T/tmux-cmd" "$@"
	_tmux_trap
	# window-size is set last: tmux 3.3 dies when it is set before the
	# first session.  The empty remain-on-exit-format keeps the dead
	# pane's screen as CMD left it (tmux 3.3 and later; -q: older ones
	# do not know it).
	info=$(_tmux start-server \; \
	    set -g status off \; \
	    set -g default-terminal "$_tmux_term" \; \
	    set -g default-size "${w}x${h}" \; \
	    set -gw remain-on-exit on \; \
	    set -gwq remain-on-exit-format '' \; \
	    new-session -d -s lifeboat -x "$w" -y "$h" -c "$PWD" \
	    -P -F '#{pane_id} #{pid} #{pane_pid}' \
	    "$BASH" "$T/tmux-cmd" \; \
	    set -g window-size manual)
	if [ $? -ne 0 ] || [ -z "$info" ]; then
		echo "# tmux_start: tmux did not start ($tmux_sock)" >&2
		tmux_stop
		return 1
	fi
	set -- $info
	tmux_pane=$1 tmux_pid=$2 tmux_pane_pid=$3
	_tmux_starts="$(_tmux_stat "$tmux_pid") $(_tmux_stat "$tmux_pane_pid")"
	return 0
}

tmux_stop() {
	local s rc=0
	[ -n "$tmux_sock" ] || return 0
	_tmux kill-server >/dev/null 2>&1
	# kill-server hangs up the pane; a program that ignores SIGHUP is
	# stopped by its PID too.
	set -- $_tmux_starts
	[ -z "$tmux_pid" ] || _tmux_kill "$tmux_pid" "${2:-}" || rc=1
	[ -z "$tmux_pane_pid" ] || _tmux_kill "$tmux_pane_pid" "${4:-}" || rc=1
	rm -f "$tmux_sock" "$T/tmux-cmd"
	tmux_sock= tmux_pid= tmux_pane_pid= tmux_pane= _tmux_starts=
	return $rc
}

tmux_keys() {
	_tmux_esc "$@"
	_tmux send-keys -t "$tmux_pane" "${_tmux_args[@]}"
}

tmux_type() {
	_tmux_esc "$*"
	_tmux send-keys -t "$tmux_pane" -l -- "${_tmux_args[@]}"
}

tmux_capture() {
	_tmux capture-pane -p "$@" -t "$tmux_pane"
}

tmux_cursor() {
	_tmux display-message -p -t "$tmux_pane" '#{cursor_x} #{cursor_y}'
}

# _tmux_exit: CMD's exit into _tmux_rc: its status, or 128 + the signal
# that killed it; empty while it runs.  tmux shows the pane dead once
# its pty closes, which can be before it has reaped CMD, and tmux 3.3
# now and then misses the SIGCHLD altogether, leaving CMD a zombie and
# the status unknown for good: SIGCHLD to the server (ours, by PID)
# makes it look again.
_tmux_exit() {
	local s i
	_tmux_rc=
	for i in 1 2 3 4 5 6 7 8 9 10; do
		s=$(_tmux display-message -p -t "$tmux_pane" \
		    '#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}' \
		    2>/dev/null) || return 1
		case $s in
		1:[0-9]*)
			_tmux_rc=${s#1:}
			_tmux_rc=${_tmux_rc%%:*}
			return 0
			;;
		1::[0-9]*)
			_tmux_rc=$((128 + ${s#1::}))
			return 0
			;;
		1:*)
			;;
		*)
			return 1
			;;
		esac
		# Closed but not reaped: a program that closed its terminal
		# and runs on stays "not dead".
		[ -z "$tmux_pid" ] || kill -CHLD "$tmux_pid" 2>/dev/null
		sleep 0.02
	done
	return 1
}

tmux_dead() {
	_tmux_exit
}

tmux_status() {
	_tmux_exit
	echo "$_tmux_rc"
}

# _tmux_snap [-e]: one capture into _tmux_screen, with _tmux_dead
# (0 or 1) and _tmux_curs ("X Y") taken by the same tmux command.
_tmux_snap() {
	local out
	out=$(_tmux capture-pane -p "$@" -t "$tmux_pane" \; \
	    display-message -p -t "$tmux_pane" \
	    '#{pane_dead} #{cursor_x} #{cursor_y}' 2>&1) || {
		_tmux_screen=$out
		return 1
	}
	_tmux_screen=${out%$'\n'*}
	out=${out##*$'\n'}
	_tmux_dead=${out%% *}
	_tmux_curs=${out#* }
}

# _tmux_giveup WHAT: "# " lines on stderr: WHAT, then the last screen.
_tmux_giveup() {
	{
		printf '%s\n' "$1"
		[ "$_tmux_dead" != 1 ] ||
		    echo "(the program has exited, status $(tmux_status))"
		echo "the last screen:"
		printf '%s\n' "$_tmux_screen"
	} | sed 's/^/# /' >&2
}

# _tmux_poll WANT KIND PATTERN SECS WHAT: until grep -KIND PATTERN on the
# screen returns WANT (0 shown, 1 not).
_tmux_poll() {
	local want=$1 kind=$2 pat=$3 what=$5 ms end rc final=0
	ms=$(_tmux_ms "$4") || return 2
	_tmux_now
	end=$((_tmux_t + ms))
	while :; do
		if ! _tmux_snap; then
			_tmux_giveup "$what: tmux failed"
			return 1
		fi
		grep -q"$kind" -- "$pat" <<<"$_tmux_screen"
		rc=$?
		if [ "$rc" -gt 1 ]; then
			_tmux_giveup "$what: bad pattern"
			return 2
		fi
		[ "$rc" != "$want" ] || return 0
		# Once dead, one more capture is final: nothing will change.
		[ "$final" = 0 ] || break
		if [ "$_tmux_dead" = 1 ]; then
			final=1
			continue
		fi
		_tmux_now
		[ "$_tmux_t" -lt "$end" ] || break
		sleep 0.05
	done
	_tmux_giveup "$what: gave up after $4 s"
	return 1
}

tmux_wait() {
	_tmux_poll 0 F "$1" "${2:-10}" "tmux_wait: waiting for '$1'"
}

tmux_wait_re() {
	_tmux_poll 0 E "$1" "${2:-10}" "tmux_wait_re: waiting for /$1/"
}

tmux_wait_gone() {
	_tmux_poll 1 F "$1" "${2:-10}" \
	    "tmux_wait_gone: waiting for '$1' to go"
}

tmux_settle() {
	local n=${1:-3} secs=${2:-5} ms end same=0 prev= cur
	ms=$(_tmux_ms "$secs") || return 2
	_tmux_now
	end=$((_tmux_t + ms))
	while :; do
		if ! _tmux_snap -e; then
			_tmux_giveup "tmux_settle: tmux failed"
			return 1
		fi
		cur="$_tmux_curs"$'\n'"$_tmux_screen"
		if [ "$same" -gt 0 ] && [ "$cur" = "$prev" ]; then
			same=$((same + 1))
		else
			same=1
			prev=$cur
		fi
		[ "$same" -lt "$n" ] || return 0
		_tmux_now
		[ "$_tmux_t" -lt "$end" ] || break
		sleep 0.05
	done
	_tmux_snap
	_tmux_giveup "tmux_settle: no $n equal screens in a row in $secs s"
	return 1
}

tmux_wait_dead() {
	local secs=${1:-10} ms end
	ms=$(_tmux_ms "$secs") || return 2
	_tmux_now
	end=$((_tmux_t + ms))
	while ! tmux_dead; do
		_tmux_now
		if [ "$_tmux_t" -ge "$end" ]; then
			_tmux_snap
			_tmux_giveup \
			    "tmux_wait_dead: still running after $secs s"
			return 1
		fi
		sleep 0.05
	done
}

tmux_resize() {
	local w=$1 h=$2 i size
	_tmux resize-window -t "$tmux_pane" -x "$w" -y "$h" || return 1
	for i in $(seq 100); do
		size=$(_tmux display-message -p -t "$tmux_pane" \
		    '#{pane_width}x#{pane_height}')
		[ "$size" != "${w}x${h}" ] || return 0
		sleep 0.05
	done
	echo "# tmux_resize: the pane is $size, not ${w}x${h}" >&2
	return 1
}

# Also at exit when the test never gets to tmux_start's own call.
_tmux_trap
