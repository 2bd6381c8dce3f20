# Test certificates, made at run time (never committed).  Sourced by
# lib.sh, and by slapd.sh, which also runs on its own.
# test_ca DIR: a test CA (ca.pem, ca.key), an unrelated one (other-ca.pem)
# and a server certificate for 127.0.0.1 the first signed (server.pem,
# server.key), all made now, in DIR.
test_ca() {
	local d=$1
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -days 2 -subj '/CN=lifeboat test CA' \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign \
	    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -days 2 -subj '/CN=lifeboat other CA' \
	    -addext basicConstraints=critical,CA:TRUE \
	    -keyout "$d/other-ca.key" -out "$d/other-ca.pem" \
	    2>/dev/null || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj '/CN=127.0.0.1' -keyout "$d/server.key" \
	    -out "$d/server.csr" 2>/dev/null || return 1
	printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
	    'extendedKeyUsage=serverAuth' > "$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" \
	    -CAkey "$d/ca.key" -CAcreateserial -days 2 \
	    -extfile "$d/server.ext" -out "$d/server.pem" \
	    2>/dev/null || return 1
}
