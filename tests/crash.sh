# crash SEED T_FULL_MS CMD...: runs lifeboat CMD... in the background and
# kills it with SIGKILL at a moment drawn from SEED within the time an
# uninterrupted run takes (5% to 95% of T_FULL_MS); one seed in three
# kills its first resume too.  Then resumes the run (--rerun-unknown)
# until it is done, three times at the most.  Sets CRASH_ID, the run,
# and CRASH_RC, the last resume's exit status ("none" when the run was
# done before it was killed).  For t0150 and t0151; needs lib.sh.
crash() {
	local seed=$1 t_full=$2 pid k st
	shift 2
	RANDOM=$seed
	"$LIFEBOAT" "$@" >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v r=$RANDOM -v t="$t_full" \
	    'BEGIN { printf "%.3f", (0.05 + 0.9 * r / 32767) * t / 1000 }')"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	CRASH_ID=$(run_id)
	CRASH_RC=none
	if [ $((seed % 3)) = 0 ]; then
		"$LIFEBOAT" resume "$CRASH_ID" --rerun-unknown -q \
		    >/dev/null 2>&1 &
		pid=$!
		sleep "$(awk -v r=$RANDOM -v t="$t_full" \
		    'BEGIN { printf "%.3f", 0.4 * r / 32767 * t / 1000 }')"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	for k in 1 2 3; do
		st=$("$LIFEBOAT" runs show --json "$CRASH_ID" | python3 -c '
import json, sys; print(json.load(sys.stdin)["state"])')
		[ "$st" = done ] && break
		"$LIFEBOAT" resume "$CRASH_ID" --rerun-unknown -q \
		    >/dev/null 2>&1
		CRASH_RC=$?
	done
}
