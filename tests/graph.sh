# The Graph test server (tests/graph-server.py) for the entra tests.
# Source it after lib.sh.
#
#   graph_certs DIR          a test CA and a server certificate in DIR
#   graph_start NAME DIR     serves DIR/NAME.json over HTTPS with them;
#                            sets $url (https://127.0.0.1:PORT) and
#                            $graph_pid; the
#                            server's state in DIR/NAME, its log in
#                            DIR/NAME.log; stopped, by its PID, at exit
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
_graph_pids=
_graph_cleanup() {
	local p
	for p in $_graph_pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap _graph_cleanup EXIT

graph_certs() {
	test_ca "$1"
}

graph_start() {
	local name=$1 dir=$2 i
	mkdir -p "$dir/$name"
	python3 "$TESTDIR/graph-server.py" --cert "$dir/server.pem" \
	    --key "$dir/server.key" --data "$dir/$name.json" \
	    --state-dir "$dir/$name" --port-file "$dir/$name.port" \
	    2>"$dir/$name.log" &
	graph_pid=$!
	_graph_pids="$_graph_pids $graph_pid"
	# Bounded: 10 s for the server to say its port.
	for i in $(seq 100); do
		[ -s "$dir/$name.port" ] && break
		sleep 0.1
	done
	url="https://127.0.0.1:$(cat "$dir/$name.port")"
}
