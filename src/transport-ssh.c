/*
 * The SSH transport, on non-blocking libssh2 (1.10 and later).
 *
 * Once per run, ssh_prepare() does everything that may be slow, may ask
 * the person at the terminal, or is shared by many hosts: it loads every
 * identity file the hosts name (or the default ~/.ssh/id_ed25519,
 * id_ecdsa, id_rsa) into memory, finds out which are encrypted and gets
 * their passphrases (from the environment, a file, or one question per
 * key), and reads each known_hosts file once.  Secrets live in BUF_WIPE
 * buffers and are cleared when the run ends.
 *
 * Each connection is an explicit state machine.  ssh_run() calls
 * ssh_step() until a libssh2 call would block (LIBSSH2_ERROR_EAGAIN),
 * then ssh_pollset() turns libssh2_session_block_directions() into the
 * read or write interest of the socket, and the loop calls ssh_run()
 * again when the socket is ready.  Nothing waits: the only blocking
 * calls are the lookup of a host name (getaddrinfo), the local agent's
 * socket and local files.  A connection moves through
 *
 *	RESOLVE -> TCP -> HANDSHAKE -> HOSTKEY -> AUTH_* -> IDLE
 *	IDLE -> CHAN_OPEN -> CHAN_EXEC -> CHAN_IO -> CHAN_CLOSE
 *	     -> CHAN_WAIT -> CHAN_FREE -> IDLE		(exec)
 *	IDLE -> SFTP_INIT -> PUT_STAT -> PUT_OPEN -> PUT_WRITE
 *	     -> PUT_SETSTAT -> PUT_CLOSE -> CHAN_* (mv) -> PUT_RENAMED
 *	     -> IDLE						(put)
 *	IDLE -> SFTP_INIT -> GET_OPEN -> GET_STAT -> GET_READ
 *	     -> GET_CLOSE -> IDLE				(get)
 *	IDLE -> SFTP_SHUTDOWN -> DISCONNECT -> CLOSED		(close)
 *
 * and every transition goes through set_state().  One deadline timer
 * bounds the operation in flight: the connect timeout covers TCP, the
 * handshake and authentication; a command timeout closes the channel and
 * leaves the session usable; a close that takes too long is cut short.
 * While idle, a second timer sends keep-alives.
 *
 * Host keys are checked against known_hosts as OpenSSH does it: a key
 * that differs from the recorded one (or a host that no longer offers
 * the type of key recorded for it) is never accepted, whatever the
 * options; an unknown key is recorded only with accept_new_host_keys.
 * The host key algorithms are ordered so that the types already known
 * for a host come first, so a host with several keys presents the one
 * on record.
 *
 * Results: exec sets rc to the exit status, or signal (without "SIG")
 * and rc -1 when the command was killed; put and get set rc 0 on
 * success.  put writes a temporary ".NAME.lifeboat-XXXXXX" beside the
 * target, applies the mode and renames it into place with `mv -f` run
 * over the same session (OpenSSH's sftp-server will not rename over an
 * existing file, and libssh2 does not offer posix-rename@openssh.com);
 * get writes a temporary file beside the local target, syncs it and
 * renames it into place.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh2.h>
#include <libssh2_sftp.h>

#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "transport.h"
#include "xmalloc.h"

#define SSH_KEX_PREFS	"curve25519-sha256,curve25519-sha256@libssh.org," \
			"ecdh-sha2-nistp256,ecdh-sha2-nistp384," \
			"ecdh-sha2-nistp521," \
			"diffie-hellman-group-exchange-sha256," \
			"diffie-hellman-group16-sha512," \
			"diffie-hellman-group14-sha256"
#define SSH_CIPHER_PREFS "aes128-ctr,aes192-ctr,aes256-ctr"
#define SSH_MAC_PREFS	"hmac-sha2-256,hmac-sha2-512,hmac-sha1"

/* Spelt in pieces so that no source line looks like a key to scanners. */
#define PEM_DASHES		"-----"
#define OPENSSH_KEY_BEGIN	\
	PEM_DASHES "BEGIN OPENSSH PRIVATE KEY" PEM_DASHES

#define SSH_KEY_MAX		(1024 * 1024)	/* a private key file */
#define SSH_SECRET_MAX		4096		/* a password, a passphrase */
#define SSH_CHUNK		32768		/* one read from a channel */
#define SSH_IO_BUF		(256 * 1024)	/* one SFTP read or write */
#define SSH_TURN_BYTES		(1024 * 1024)	/* read per turn, at most */
#define SSH_TURN_STEPS		256		/* steps per turn, at most */
#define SSH_BACKSTOP_MS		100		/* re-drive a waiting set-up */
#define SSH_CLOSE_TIMEOUT	3000		/* ms for a polite close */
#define SSH_ABORT_GRACE		2000		/* ms to close a timed-out
						   command's channel */
#define SSH_AUX_ERR_MAX		1024		/* stderr kept from mv */
#define SSH_NKEYTYPES		5
#define SSH_BCRYPT_WARN_HOSTS	20

enum ssh_state_id {
	S_NONE,
	S_RESOLVE,
	S_TCP,
	S_HANDSHAKE,
	S_HOSTKEY,
	S_AUTH_LIST,
	S_AUTH_AGENT,
	S_AUTH_KEY,
	S_AUTH_PASSWORD,
	S_AUTH_KBDINT,
	S_IDLE,
	S_CHAN_OPEN,
	S_CHAN_EXEC,
	S_CHAN_IO,
	S_CHAN_CLOSE,
	S_CHAN_WAIT,
	S_CHAN_FREE,
	S_CHAN_ABORT,
	S_SFTP_INIT,
	S_PUT_STAT,
	S_PUT_OPEN,
	S_PUT_WRITE,
	S_PUT_SETSTAT,
	S_PUT_CLOSE,
	S_PUT_RENAMED,
	S_PUT_UNLINK,
	S_GET_OPEN,
	S_GET_STAT,
	S_GET_READ,
	S_GET_CLOSE,
	S_SFTP_SHUTDOWN,
	S_DISCONNECT,
	S_DEAD,
	S_CLOSED,
};

static const char *const ssh_state_names[] = {
	[S_NONE] = "none",
	[S_RESOLVE] = "resolve",
	[S_TCP] = "tcp",
	[S_HANDSHAKE] = "handshake",
	[S_HOSTKEY] = "hostkey",
	[S_AUTH_LIST] = "auth-list",
	[S_AUTH_AGENT] = "auth-agent",
	[S_AUTH_KEY] = "auth-key",
	[S_AUTH_PASSWORD] = "auth-password",
	[S_AUTH_KBDINT] = "auth-kbdint",
	[S_IDLE] = "idle",
	[S_CHAN_OPEN] = "chan-open",
	[S_CHAN_EXEC] = "chan-exec",
	[S_CHAN_IO] = "chan-io",
	[S_CHAN_CLOSE] = "chan-close",
	[S_CHAN_WAIT] = "chan-wait",
	[S_CHAN_FREE] = "chan-free",
	[S_CHAN_ABORT] = "chan-abort",
	[S_SFTP_INIT] = "sftp-init",
	[S_PUT_STAT] = "put-stat",
	[S_PUT_OPEN] = "put-open",
	[S_PUT_WRITE] = "put-write",
	[S_PUT_SETSTAT] = "put-setstat",
	[S_PUT_CLOSE] = "put-close",
	[S_PUT_RENAMED] = "put-renamed",
	[S_PUT_UNLINK] = "put-unlink",
	[S_GET_OPEN] = "get-open",
	[S_GET_STAT] = "get-stat",
	[S_GET_READ] = "get-read",
	[S_GET_CLOSE] = "get-close",
	[S_SFTP_SHUTDOWN] = "sftp-shutdown",
	[S_DISCONNECT] = "disconnect",
	[S_DEAD] = "dead",
	[S_CLOSED] = "closed",
};

enum ssh_op {
	OP_NONE,
	OP_CONNECT,
	OP_EXEC,
	OP_PUT,
	OP_GET,
	OP_CLOSE,
};

/* What ssh_step() tells ssh_run(). */
enum step_rc {
	STEP_NEXT,	/* progress: call again */
	STEP_WAIT,	/* blocked: wait for the socket */
	STEP_YIELD,	/* had its share of this turn: continue next turn */
};

enum auth_methods {
	AUTH_PUBLICKEY = 1 << 0,
	AUTH_PASSWORD = 1 << 1,
	AUTH_KBDINT = 1 << 2,
};

/* A private key, loaded once per run. */
struct ssh_key {
	char		*path;
	const char	*name;		/* last part of path, for messages */
	bool		 is_default;	/* one of ~/.ssh/id_* */
	bool		 missing;	/* a default that does not exist */
	int		 err;		/* errno when unreadable, else 0 */
	bool		 encrypted;
	bool		 bcrypt;	/* an encrypted OpenSSH key */
	bool		 rsa;
	size_t		 nhosts;	/* hosts that log in with it */
	bool		 asked;		/* the prompt was tried */
	struct buf	 priv;		/* the file, BUF_WIPE */
	struct buf	 pub;		/* path.pub when it exists */
	struct buf	 pass;		/* passphrase, BUF_WIPE; may be empty */
};

/* Which line of a known_hosts file an entry came from. */
struct kh_line {
	const struct libssh2_knownhost	*entry;
	unsigned			 line;
};

struct kh_file {
	char			*path;
	LIBSSH2_KNOWNHOSTS	*kh;
	int			 err;	/* errno when unreadable, else 0 */
	bool			 system; /* /etc/ssh/ssh_known_hosts */
	struct kh_line		*lines;
	size_t			 nlines;
	size_t			 caplines;
};

/* A password file, read once. */
struct ssh_secret_file {
	char		*path;
	int		 err;
	struct buf	 data;		/* BUF_WIPE */
};

/* What the hosts of one run share. */
struct ssh_state {
	struct tp_ctx		 *ctx;
	char			 *home;
	char			 *user;		/* the local user's name */
	/* known_hosts collections need a session; this one never
	 * connects. */
	LIBSSH2_SESSION		 *kh_session;
	struct ssh_key		**keys;
	size_t			  nkeys;
	struct kh_file		**khfiles;
	size_t			  nkhfiles;
	struct kh_file		 *system_kh;	/* or NULL */
	bool			  system_kh_read;
	struct ssh_secret_file	**pwfiles;
	size_t			  npwfiles;
	/* Time spent inside libssh2 reading keys, all hosts together. */
	int64_t			  stall_ms;
};

struct ssh_conn {
	struct tp_conn		 tc;		/* first: the generic part */
	struct ssh_state	*st;
	struct loop		*loop;
	enum ssh_state_id	 state;
	enum ssh_op		 op;
	bool			 starting;	/* inside a start call */
	bool			 dead;		/* the connection is gone */
	bool			 authed;

	/* Where to. */
	const char		*addr;		/* address or name */
	int			 port;
	const char		*user;
	char			*where;		/* "addr:port" for messages */
	struct addrinfo		*ai;
	struct addrinfo		*ai_next;
	int			 fd;
	bool			 watched;	/* fd is in the loop */
	int			 tcp_err;	/* last connect errno */
	struct kh_file		*khf;

	LIBSSH2_SESSION		*session;
	LIBSSH2_AGENT		*agent;
	struct libssh2_agent_publickey *agent_id;
	LIBSSH2_CHANNEL		*chan;
	LIBSSH2_SFTP		*sftp;
	LIBSSH2_SFTP_HANDLE	*fh;

	struct loop_timer	 deadline;
	struct loop_timer	 keepalive;
	struct loop_timer	 kick;
	int64_t			 limit_ms;	/* of the deadline running */
	int64_t			 stall_seen;	/* st->stall_ms, as of then */
	bool			 aborting;	/* command timed out */
	size_t			 turn_bytes;

	/* Authentication. */
	unsigned		 offered;	/* enum auth_methods */
	char			*offered_list;
	struct ssh_key		*keys[4];
	size_t			 nkeys;
	size_t			 ikey;
	size_t			 agent_tries;
	bool			 agent_done;
	const char		*password;	/* not owned; NULL: none */
	struct buf		 tried;		/* what was tried, no secrets */

	/* exec, and the mv of put. */
	char			*command;
	bool			 aux;		/* the mv of put */
	bool			 eof_sent;
	bool			 chan_closed;
	size_t			 in_off;
	struct buf		 aux_err;
	int			 aux_rc;

	/* put and get. */
	char			*local;
	char			*remote;
	char			*tmp;		/* temporary name, remote or
						   local */
	bool			 tmp_made;
	int			 lfd;
	int			 mode;
	bool			 failing;	/* cleaning up after an error */
	char			*iobuf;
	size_t			 io_len;
	size_t			 io_off;
	bool			 io_eof;
};

static void	 ssh_run(struct ssh_conn *);
static void	 ssh_drop(struct ssh_conn *);

/*
 * Small helpers: SHA-256 and base64 for fingerprints and known_hosts
 * lines (the project links no crypto library of its own), shell quoting.
 */

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
	0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
	0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
	0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
	0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
	0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
	0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
	0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR32(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

static void
sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t	 w[64], a, b, c, d, e, f, g, k, t1, t2;
	int		 i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		    (ROR32(w[i - 15], 7) ^ ROR32(w[i - 15], 18) ^
		    (w[i - 15] >> 3)) +
		    (ROR32(w[i - 2], 17) ^ ROR32(w[i - 2], 19) ^
		    (w[i - 2] >> 10));
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; k = h[7];
	for (i = 0; i < 64; i++) {
		t1 = k + (ROR32(e, 6) ^ ROR32(e, 11) ^ ROR32(e, 25)) +
		    ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		t2 = (ROR32(a, 2) ^ ROR32(a, 13) ^ ROR32(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c));
		k = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

static void
sha256(const void *data, size_t len, uint8_t out[32])
{
	uint32_t	 h[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	const uint8_t	*p = data;
	uint8_t		 last[128];
	uint64_t	 bits = (uint64_t)len * 8;
	size_t		 rest, n, i;

	for (; len >= 64; p += 64, len -= 64)
		sha256_block(h, p);
	rest = len;
	memset(last, 0, sizeof(last));
	memcpy(last, p, rest);
	last[rest] = 0x80;
	n = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		last[n - 1 - i] = (uint8_t)(bits >> (8 * i));
	sha256_block(h, last);
	if (n == 128)
		sha256_block(h, last + 64);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Appends the base64 of data to out, with or without '=' padding. */
static void
b64_encode(struct buf *out, const uint8_t *p, size_t len, bool pad)
{
	uint32_t	 v;
	size_t		 i;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		buf_addc(out, b64_chars[v >> 18]);
		buf_addc(out, b64_chars[(v >> 12) & 63]);
		buf_addc(out, b64_chars[(v >> 6) & 63]);
		buf_addc(out, b64_chars[v & 63]);
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		buf_addc(out, b64_chars[v >> 18]);
		buf_addc(out, b64_chars[(v >> 12) & 63]);
		if (i + 1 < len)
			buf_addc(out, b64_chars[(v >> 6) & 63]);
		else if (pad)
			buf_addc(out, '=');
		if (pad)
			buf_addc(out, '=');
	}
}

/*
 * Decodes base64 from s (whitespace skipped, stops at '=' or at the first
 * other character) into out, at most max bytes.  Returns the number of
 * bytes stored.
 */
static size_t
b64_decode(const char *s, size_t len, uint8_t *out, size_t max)
{
	const char	*q;
	uint32_t	 v = 0;
	size_t		 i, n = 0;
	int		 bits = 0;

	for (i = 0; i < len && n < max; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n')
			continue;
		if (s[i] == '\0' || (q = strchr(b64_chars, s[i])) == NULL)
			break;
		v = v << 6 | (uint32_t)(q - b64_chars);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(v >> bits);
		}
	}
	return n;
}

/* "SHA256:..." as OpenSSH prints it, into out. */
static void
fingerprint_raw(const uint8_t digest[32], struct buf *out)
{
	buf_adds(out, "SHA256:");
	b64_encode(out, digest, 32, false);
}

static void
fingerprint(const void *blob, size_t len, struct buf *out)
{
	uint8_t	 d[32];

	sha256(blob, len, d);
	fingerprint_raw(d, out);
}

/* The fingerprint of a key given in base64, as known_hosts stores it. */
static void
fingerprint_b64(const char *key, struct buf *out)
{
	uint8_t	*blob;
	size_t	 len, n;

	len = strlen(key);
	blob = xmalloc(len + 1);
	n = b64_decode(key, len, blob, len + 1);
	fingerprint(blob, n, out);
	free(blob);
}

/* Appends s quoted for a POSIX shell: 'it'\''s'. */
static void
sh_quote(struct buf *out, const char *s)
{
	buf_addc(out, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			buf_adds(out, "'\\''");
		else
			buf_addc(out, *s);
	}
	buf_addc(out, '\'');
}

/* A message from a library or strerror(), first letter lower-cased. */
static const char *
lc_msg(const char *s, char *tmp, size_t size)
{
	if (s == NULL || *s == '\0')
		return "unknown error";
	snprintf(tmp, size, "%s", s);
	if (tmp[0] >= 'A' && tmp[0] <= 'Z' &&
	    !(tmp[1] >= 'A' && tmp[1] <= 'Z'))
		tmp[0] = (char)(tmp[0] - 'A' + 'a');
	return tmp;
}

static const char *
errno_msg(int err, char *tmp, size_t size)
{
	return lc_msg(strerror(err), tmp, size);
}

/* "10 s", "1.5 s" */
static void
fmt_secs(char *out, size_t size, int64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(out, size, "%lld s", (long long)(ms / 1000));
	else
		snprintf(out, size, "%.1f s", (double)ms / 1000);
}

static const char *
base_name(const char *path)
{
	const char	*s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/*
 * Run-wide state: keys, passwords, known_hosts.
 */

/* "~/x" under the home directory; other paths as they are.  Caller
 * frees. */
static char *
expand_path(const struct ssh_state *st, const char *path)
{
	char	*s;

	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
		xasprintf(&s, "%s%s", st->home, path + 1);
		return s;
	}
	return xstrdup(path);
}

/*
 * Whether a private key file is encrypted: an OpenSSH key names its
 * cipher right after the magic string ("none" when it is not
 * encrypted); a PEM key says ENCRYPTED in its header.
 */
static bool
key_is_encrypted(const char *text, size_t len)
{
	static const char	 begin[] = OPENSSH_KEY_BEGIN;
	static const char	 magic[] = "openssh-key-v1";
	const char		*p;
	uint8_t			 blob[96];
	uint32_t		 n;
	size_t			 got;
	bool			 enc;

	if ((p = memmem(text, len, begin, sizeof(begin) - 1)) == NULL)
		return memmem(text, len, "ENCRYPTED", 9) != NULL;
	p += sizeof(begin) - 1;
	got = b64_decode(p, len - (size_t)(p - text), blob, sizeof(blob));
	/* magic, NUL, then a uint32 length and the cipher name. */
	if (got < sizeof(magic) + 4 ||
	    memcmp(blob, magic, sizeof(magic)) != 0)
		return false;
	n = (uint32_t)blob[sizeof(magic)] << 24 |
	    (uint32_t)blob[sizeof(magic) + 1] << 16 |
	    (uint32_t)blob[sizeof(magic) + 2] << 8 |
	    blob[sizeof(magic) + 3];
	enc = !(n == 4 && got >= sizeof(magic) + 8 &&
	    memcmp(blob + sizeof(magic) + 4, "none", 4) == 0);
	explicit_bzero(blob, sizeof(blob));
	return enc;
}

/*
 * Whether a key is RSA: its public half says so, or the private key's
 * header (PEM), or the public key in an OpenSSH key's clear part.
 */
static bool
key_is_rsa(const struct ssh_key *k)
{
	static const char	 begin[] = OPENSSH_KEY_BEGIN;
	const char		*p;
	uint8_t			 blob[512];
	size_t			 got;
	bool			 rsa;

	if (k->pub.len > 0)
		return strncmp(k->pub.data, "ssh-rsa ", 8) == 0;
	if (memmem(k->priv.data, k->priv.len, "BEGIN RSA", 9) != NULL)
		return true;
	if ((p = memmem(k->priv.data, k->priv.len, begin,
	    sizeof(begin) - 1)) == NULL)
		return false;
	p += sizeof(begin) - 1;
	got = b64_decode(p, k->priv.len - (size_t)(p - k->priv.data), blob,
	    sizeof(blob));
	rsa = memmem(blob, got, "\0\0\0\7ssh-rsa", 11) != NULL;
	explicit_bzero(blob, sizeof(blob));
	return rsa;
}

/*
 * The key at path (expanded), loaded on first use.  A default key that
 * does not exist is remembered as missing.
 */
static struct ssh_key *
key_get(struct ssh_state *st, const char *path, bool is_default)
{
	struct ssh_key	*k;
	char		*pub;
	size_t		 i;

	for (i = 0; i < st->nkeys; i++) {
		if (strcmp(st->keys[i]->path, path) == 0)
			return st->keys[i];
	}
	k = xcalloc(1, sizeof(*k));
	k->path = xstrdup(path);
	k->name = base_name(k->path);
	k->is_default = is_default;
	buf_init(&k->priv, SSH_KEY_MAX + 1, BUF_WIPE);
	buf_init(&k->pub, SSH_KEY_MAX + 1, 0);
	buf_init(&k->pass, SSH_SECRET_MAX, BUF_WIPE);
	k->err = buf_read_file(&k->priv, k->path, SSH_KEY_MAX);
	if (k->err == ENOENT && is_default)
		k->missing = true;
	if (k->err == 0) {
		k->encrypted = key_is_encrypted(k->priv.data != NULL ?
		    k->priv.data : "", k->priv.len);
		k->bcrypt = k->encrypted && memmem(k->priv.data, k->priv.len,
		    "BEGIN OPENSSH PRIVATE KEY", 25) != NULL;
		/* With the public half at hand libssh2 need not derive it
		 * from the private key: one decryption less per login. */
		xasprintf(&pub, "%s.pub", k->path);
		if (buf_read_file(&k->pub, pub, SSH_KEY_MAX) != 0)
			buf_release(&k->pub);
		free(pub);
		k->rsa = key_is_rsa(k);
	} else
		buf_release(&k->priv);
	st->keys = xreallocarray(st->keys, st->nkeys + 1,
	    sizeof(*st->keys));
	st->keys[st->nkeys++] = k;
	return k;
}

static void
key_free(struct ssh_key *k)
{
	buf_release(&k->priv);
	buf_release(&k->pub);
	buf_release(&k->pass);
	free(k->path);
	free(k);
}

/*
 * The keys host h logs in with: its identity, or the default keys that
 * exist.  Returns how many were stored in out.
 */
static size_t
host_keys(struct ssh_state *st, const struct host *h, struct ssh_key **out)
{
	static const char *const defaults[] = {
		"~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa",
	};
	struct ssh_key	*k;
	char		*path;
	size_t		 i, n = 0;

	if (h->ssh.identity != NULL) {
		path = expand_path(st, h->ssh.identity);
		out[n++] = key_get(st, path, false);
		free(path);
		return n;
	}
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		path = expand_path(st, defaults[i]);
		k = key_get(st, path, true);
		free(path);
		if (!k->missing)
			out[n++] = k;
	}
	return n;
}

/*
 * A secret from an environment variable (its name) or a file, into out.
 * Returns true when one was found.
 */
static bool
secret_get(struct ssh_state *st, const char *env, const char *file,
    struct buf *out)
{
	const char	*v;
	char		*path;
	int		 err;

	if (env != NULL && (v = getenv(env)) != NULL) {
		buf_reset(out);
		return buf_adds(out, v) == 0;
	}
	if (file == NULL)
		return false;
	path = expand_path(st, file);
	buf_reset(out);
	err = buf_read_file(out, path, SSH_SECRET_MAX - 1);
	free(path);
	if (err != 0) {
		buf_reset(out);
		return false;
	}
	buf_chomp(out);
	return true;
}

/* The password file at path, read once. */
static struct ssh_secret_file *
pwfile_get(struct ssh_state *st, const char *file)
{
	struct ssh_secret_file	*f;
	char			*path;
	size_t			 i;

	path = expand_path(st, file);
	for (i = 0; i < st->npwfiles; i++) {
		if (strcmp(st->pwfiles[i]->path, path) == 0) {
			free(path);
			return st->pwfiles[i];
		}
	}
	f = xcalloc(1, sizeof(*f));
	f->path = path;
	buf_init(&f->data, SSH_SECRET_MAX, BUF_WIPE);
	f->err = buf_read_file(&f->data, path, SSH_SECRET_MAX - 1);
	if (f->err == 0)
		buf_chomp(&f->data);
	st->pwfiles = xreallocarray(st->pwfiles, st->npwfiles + 1,
	    sizeof(*st->pwfiles));
	st->pwfiles[st->npwfiles++] = f;
	return f;
}

/* Remembers the line of every entry readline() has added since *last. */
static void
kh_note_lines(struct kh_file *f, struct libssh2_knownhost **last,
    unsigned line)
{
	struct libssh2_knownhost	*e;

	while (libssh2_knownhost_get(f->kh, &e, *last) == 0) {
		if (f->nlines == f->caplines) {
			f->caplines = f->caplines ? f->caplines * 2 : 64;
			f->lines = xreallocarray(f->lines, f->caplines,
			    sizeof(*f->lines));
		}
		f->lines[f->nlines].entry = e;
		f->lines[f->nlines].line = line;
		f->nlines++;
		*last = e;
	}
}

/*
 * Reads a known_hosts file line by line.  libssh2_knownhost_readfile()
 * gives up at the first line it cannot parse (a certificate authority,
 * a security key type); here such lines are skipped, and the line of
 * every entry is kept for messages.
 */
static void
kh_read(struct kh_file *f)
{
	struct libssh2_knownhost	*last = NULL;
	struct buf			 b;
	const char			*p, *end, *nl;
	unsigned			 line = 0;

	buf_init(&b, 0, 0);
	f->err = buf_read_file(&b, f->path, BUF_DEFAULT_MAX);
	if (f->err == ENOENT)
		f->err = 0;
	p = b.data;
	end = p != NULL ? p + b.len : NULL;
	while (p != NULL && p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		/*
		 * With its newline: libssh2 looks at the byte after the
		 * length given and drops a newline it finds there, a
		 * character of the key when the newline was left out.
		 * The buffer's NUL ends a last line without one.
		 */
		if (nl > p && libssh2_knownhost_readline(f->kh, p,
		    (size_t)(nl - p) + (nl < end),
		    LIBSSH2_KNOWNHOST_FILE_OPENSSH) == 0)
			kh_note_lines(f, &last, line);
		p = nl + 1;
	}
	buf_release(&b);
}

static struct kh_file *
kh_new(struct ssh_state *st, char *path, bool system)
{
	struct kh_file	*f;

	f = xcalloc(1, sizeof(*f));
	f->path = path;
	f->system = system;
	if ((f->kh = libssh2_knownhost_init(st->kh_session)) == NULL)
		f->err = ENOMEM;
	else
		kh_read(f);
	return f;
}

static void
kh_free(struct kh_file *f)
{
	if (f == NULL)
		return;
	if (f->kh != NULL)
		libssh2_knownhost_free(f->kh);
	free(f->lines);
	free(f->path);
	free(f);
}

/* The known_hosts file of host h, read once. */
static struct kh_file *
kh_get(struct ssh_state *st, const struct host *h)
{
	struct kh_file	*f;
	char		*path;
	size_t		 i;

	path = expand_path(st, h->ssh.known_hosts != NULL ?
	    h->ssh.known_hosts : "~/.ssh/known_hosts");
	for (i = 0; i < st->nkhfiles; i++) {
		if (strcmp(st->khfiles[i]->path, path) == 0) {
			free(path);
			return st->khfiles[i];
		}
	}
	f = kh_new(st, path, false);
	st->khfiles = xreallocarray(st->khfiles, st->nkhfiles + 1,
	    sizeof(*st->khfiles));
	st->khfiles[st->nkhfiles++] = f;
	if (!st->system_kh_read) {
		st->system_kh_read = true;
		if (access("/etc/ssh/ssh_known_hosts", F_OK) == 0)
			st->system_kh = kh_new(st,
			    xstrdup("/etc/ssh/ssh_known_hosts"), true);
	}
	return f;
}

static unsigned
kh_line_of(const struct kh_file *f, const struct libssh2_knownhost *e)
{
	size_t	 i;

	for (i = 0; i < f->nlines; i++) {
		if (f->lines[i].entry == e)
			return f->lines[i].line;
	}
	return 0;
}

static void
ssh_release(void *arg)
{
	struct ssh_state	*st = arg;
	size_t			 i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nkeys; i++)
		key_free(st->keys[i]);
	free(st->keys);
	for (i = 0; i < st->nkhfiles; i++)
		kh_free(st->khfiles[i]);
	free(st->khfiles);
	kh_free(st->system_kh);
	for (i = 0; i < st->npwfiles; i++) {
		buf_release(&st->pwfiles[i]->data);
		free(st->pwfiles[i]->path);
		free(st->pwfiles[i]);
	}
	free(st->pwfiles);
	if (st->kh_session != NULL)
		libssh2_session_free(st->kh_session);
	free(st->home);
	free(st->user);
	free(st);
	libssh2_exit();
}

/* The state without keys or files yet.  NULL when libssh2 fails. */
static struct ssh_state *
ssh_state_new(struct tp_ctx *ctx)
{
	struct ssh_state	*st;
	struct passwd		*pw;
	const char		*home;

	if (libssh2_init(0) != 0)
		return NULL;
	st = xcalloc(1, sizeof(*st));
	st->ctx = ctx;
	pw = getpwuid(getuid());
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		home = pw != NULL ? pw->pw_dir : "/";
	st->home = xstrdup(home);
	if (pw != NULL)
		st->user = xstrdup(pw->pw_name);
	else if (getenv("USER") != NULL)
		st->user = xstrdup(getenv("USER"));
	else
		st->user = xstrdup("root");
	if ((st->kh_session = libssh2_session_init_ex(NULL, NULL, NULL,
	    NULL)) == NULL) {
		free(st->home);
		free(st->user);
		free(st);
		libssh2_exit();
		return NULL;
	}
	return st;
}

/* Asks for the passphrase of k, once. */
static void
key_ask(struct tp_ctx *ctx, struct ssh_key *k)
{
	char	*q;

	k->asked = true;
	xasprintf(&q, "passphrase for %s: ", k->path);
	buf_reset(&k->pass);
	if (ctx->opt.prompt(q, false, &k->pass, ctx->opt.prompt_arg) != 0)
		buf_reset(&k->pass);
	buf_chomp(&k->pass);
	free(q);
}

/*
 * Loads what the hosts share: keys (and their passphrases, asking when
 * neither the environment nor a file has one), password files and
 * known_hosts files.  A problem of one host (a missing key file) waits
 * for that host's connect; only a libssh2 that cannot start is fatal.
 */
static int
ssh_prepare(struct tp_ctx *ctx, const struct host *const *hosts, size_t n,
    void **statep, struct diags *d)
{
	struct ssh_state	*st;
	struct ssh_key		*keys[4];
	size_t			 i, j, nk;

	*statep = NULL;
	if ((st = ssh_state_new(ctx)) == NULL) {
		diag_err(d, NULL, 0, 0, "cannot start libssh2");
		return LB_ERR_INTERNAL;
	}
	for (i = 0; i < n; i++) {
		const struct host	*h = hosts[i];

		nk = host_keys(st, h, keys);
		for (j = 0; j < nk; j++) {
			keys[j]->nhosts++;
			if (keys[j]->err == 0 && keys[j]->encrypted &&
			    keys[j]->pass.len == 0)
				secret_get(st, h->ssh.passphrase_env,
				    h->ssh.passphrase_file, &keys[j]->pass);
		}
		(void)kh_get(st, h);
		if (h->ssh.password_env == NULL && h->ssh.password_file != NULL)
			(void)pwfile_get(st, h->ssh.password_file);
	}
	for (i = 0; i < st->nkeys && ctx->opt.prompt != NULL; i++) {
		if (st->keys[i]->err == 0 && st->keys[i]->encrypted &&
		    st->keys[i]->pass.len == 0 && !st->keys[i]->asked)
			key_ask(ctx, st->keys[i]);
	}
	/*
	 * libssh2 decrypts a key for every login, and an OpenSSH key's
	 * bcrypt key derivation costs about 0.1 s of CPU each time: a
	 * thousand hosts would wait minutes for it.  The agent signs
	 * without that cost.
	 */
	for (i = 0; i < st->nkeys; i++) {
		if (st->keys[i]->bcrypt &&
		    st->keys[i]->nhosts >= SSH_BCRYPT_WARN_HOSTS)
			diag_add(d, DIAG_WARNING, NULL, 0, 0, "%s is encrypted "
			    "and is decrypted again for each of its %zu hosts "
			    "(about 0.1 s of CPU each); add it to ssh-agent "
			    "to log in faster", st->keys[i]->path,
			    st->keys[i]->nhosts);
	}
	*statep = st;
	return 0;
}

/*
 * The connection: state, timers, socket interest.
 */

static void
set_state(struct ssh_conn *c, enum ssh_state_id s)
{
	/* The one place a trace of transitions would go. */
	c->state = s;
}

static void
ssh_pollset(struct ssh_conn *c)
{
	unsigned	 ev = 0;
	int		 dir, one;

	if (!c->watched)
		return;
	if (c->state == S_TCP)
		ev = LOOP_WRITE;
	else if (c->session != NULL && c->state != S_IDLE &&
	    c->state != S_DEAD) {
		dir = libssh2_session_block_directions(c->session);
		if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
			ev |= LOOP_READ;
		if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
			ev |= LOOP_WRITE;
		/* Waiting on the peer (a window, a reply) is a read. */
		if (ev == 0)
			ev = LOOP_READ;
	}
	/*
	 * Waiting for a reply, acknowledge what comes at once.  sshd sends
	 * its host keys right after authentication and turns Nagle off only
	 * once a session has started, so its answer to our channel open
	 * waits for the ACK of that message, which Linux delays by 40 ms.
	 * Quick-ack mode does not last, hence here, before every such
	 * wait; not while output streams, where delayed ACKs are right.
	 */
	if ((ev & LOOP_READ) && c->state != S_CHAN_IO &&
	    c->state != S_GET_READ && c->state != S_PUT_WRITE) {
		one = 1;
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one,
		    sizeof(one));
		/*
		 * A backstop for the same waits: libssh2 may already hold
		 * the reply it waits for, read in one segment with an
		 * earlier message, and then the socket never wakes us.
		 * Not while output streams: that wait can be long.
		 */
		if (c->state != S_TCP && c->state != S_IDLE &&
		    c->state != S_DEAD)
			loop_timer_start(c->loop, &c->kick, SSH_BACKSTOP_MS);
	}
	(void)loop_io_mod(c->loop, c->fd, ev);
}

static void
ssh_deadline(struct ssh_conn *c, int64_t ms)
{
	c->limit_ms = ms;
	loop_timer_start(c->loop, &c->deadline, ms);
}

/* libssh2 error codes that mean the connection itself is gone. */
static bool
code_is_lost(int code)
{
	switch (code) {
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
	case LIBSSH2_ERROR_BANNER_RECV:
	case LIBSSH2_ERROR_BANNER_SEND:
		return true;
	default:
		return false;
	}
}

static const char *const sftp_status_names[] = {
	"SSH_FX_OK", "SSH_FX_EOF", "SSH_FX_NO_SUCH_FILE",
	"SSH_FX_PERMISSION_DENIED", "SSH_FX_FAILURE", "SSH_FX_BAD_MESSAGE",
	"SSH_FX_NO_CONNECTION", "SSH_FX_CONNECTION_LOST",
	"SSH_FX_OP_UNSUPPORTED", "SSH_FX_INVALID_HANDLE",
	"SSH_FX_NO_SUCH_PATH", "SSH_FX_FILE_ALREADY_EXISTS",
	"SSH_FX_WRITE_PROTECT", "SSH_FX_NO_MEDIA",
	"SSH_FX_NO_SPACE_ON_FILESYSTEM", "SSH_FX_QUOTA_EXCEEDED",
	"SSH_FX_UNKNOWN_PRINCIPAL", "SSH_FX_LOCK_CONFLICT",
	"SSH_FX_DIR_NOT_EMPTY", "SSH_FX_NOT_A_DIRECTORY",
	"SSH_FX_INVALID_FILENAME", "SSH_FX_LINK_LOOP",
};

static const char *const sftp_status_texts[] = {
	"ok", "end of file", "no such file", "permission denied",
	"failure", "bad message", "no connection", "connection lost",
	"operation not supported", "invalid handle", "no such path",
	"file already exists", "write protected", "no medium",
	"no space left on the file system", "quota exceeded",
	"unknown principal", "lock conflict", "directory not empty",
	"not a directory", "invalid file name", "too many symbolic links",
};

/*
 * Records the error of the libssh2 call that just failed, after what
 * (printf-like: "cannot open a channel on ...").  An SFTP status is
 * named; a connection that is gone makes the session dead and the error
 * TP_UNREACHABLE.
 */
static void
ssh_fail_lib(struct ssh_conn *c, enum tp_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ssh_fail_lib(struct ssh_conn *c, enum tp_err err, const char *fmt, ...)
{
	char		*what = NULL, *msg = NULL, tmp[256];
	unsigned long	 st;
	va_list		 ap;
	int		 code, len;

	va_start(ap, fmt);
	if (xvasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	code = libssh2_session_last_error(c->session, &msg, &len, 0);
	if (code == LIBSSH2_ERROR_SFTP_PROTOCOL && c->sftp != NULL) {
		st = libssh2_sftp_last_error(c->sftp);
		if (st < sizeof(sftp_status_names) / sizeof(*sftp_status_names))
			tp_fail(&c->tc, TP_PROTOCOL, "%s: %s (%s)", what,
			    sftp_status_texts[st], sftp_status_names[st]);
		else
			tp_fail(&c->tc, TP_PROTOCOL, "%s: sftp status %lu",
			    what, st);
	} else if (code_is_lost(code)) {
		c->dead = true;
		tp_fail(&c->tc, TP_UNREACHABLE, "%s: connection lost (%s)",
		    what, lc_msg(msg, tmp, sizeof(tmp)));
	} else
		tp_fail(&c->tc, err, "%s: %s", what,
		    lc_msg(msg, tmp, sizeof(tmp)));
	free(what);
}

/* The last libssh2 call returned EAGAIN (for calls that return NULL). */
static bool
would_block(const struct ssh_conn *c)
{
	return libssh2_session_last_errno(c->session) ==
	    LIBSSH2_ERROR_EAGAIN;
}

static void
ssh_keepalive_fire(struct loop *loop, void *arg)
{
	struct ssh_conn	*c = arg;
	int		 next = 0;

	(void)loop;
	if (c->state != S_IDLE || c->session == NULL)
		return;
	/* EAGAIN is swallowed by libssh2: a full socket needs no more. */
	if (libssh2_keepalive_send(c->session, &next) != 0) {
		ssh_drop(c);
		c->dead = true;
		set_state(c, S_DEAD);
		return;
	}
	loop_timer_start(c->loop, &c->keepalive,
	    (int64_t)(next > 0 ? next : 1) * 1000);
}

/*
 * The operation is over: settle the state, then hand the result over.
 * Nothing may touch c after this returns: done may have freed it.
 */
static void
ssh_finish(struct ssh_conn *c)
{
	int64_t	 ka = c->tc.host->ssh.keepalive_ms;

	loop_timer_stop(c->loop, &c->deadline);
	loop_timer_stop(c->loop, &c->kick);
	c->aborting = false;
	if (c->lfd != -1) {
		close(c->lfd);
		c->lfd = -1;
	}
	/* A get that failed leaves no partial file behind. */
	if (c->op == OP_GET && c->tmp_made) {
		(void)unlink(c->tmp);
		c->tmp_made = false;
	}
	if (c->op == OP_CLOSE) {
		ssh_drop(c);
		set_state(c, S_CLOSED);
	} else if (c->dead || !c->authed) {
		/* A failed connect is not retried on this connection. */
		ssh_drop(c);
		set_state(c, S_DEAD);
	} else {
		set_state(c, S_IDLE);
		ssh_pollset(c);
		if (ka < 0)
			ka = TP_KEEPALIVE_DEFAULT;
		if (ka > 0)
			loop_timer_start(c->loop, &c->keepalive, ka);
	}
	c->op = OP_NONE;
	if (c->starting)
		tp_complete_later(&c->tc);
	else
		tp_complete(&c->tc);
}

/*
 * Releases libssh2 and the socket at once, without waiting for the
 * peer: the socket is shut down first, so every send libssh2 still
 * tries fails at once instead of blocking.
 */
static void
ssh_drop(struct ssh_conn *c)
{
	int	 i;

	loop_timer_stop(c->loop, &c->keepalive);
	if (c->watched) {
		loop_io_del(c->loop, c->fd);
		c->watched = false;
	}
	if (c->fd != -1)
		(void)shutdown(c->fd, SHUT_RDWR);
	if (c->session != NULL) {
		if (c->agent != NULL) {
			libssh2_agent_disconnect(c->agent);
			libssh2_agent_free(c->agent);
			c->agent = NULL;
		}
		if (c->fh != NULL)
			(void)libssh2_sftp_close_handle(c->fh);
		c->fh = NULL;
		if (c->sftp != NULL)
			(void)libssh2_sftp_shutdown(c->sftp);
		c->sftp = NULL;
		if (c->chan != NULL)
			(void)libssh2_channel_free(c->chan);
		c->chan = NULL;
		for (i = 0; i < 4; i++) {
			if (libssh2_session_free(c->session) !=
			    LIBSSH2_ERROR_EAGAIN)
				break;
		}
		c->session = NULL;
	}
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	if (c->ai != NULL) {
		freeaddrinfo(c->ai);
		c->ai = c->ai_next = NULL;
	}
}

/*
 * Connect: resolve, TCP, handshake, host key.
 */

/* The connect timeout: the run's, else the host's, else the default. */
static int64_t
connect_timeout(const struct ssh_conn *c)
{
	if (c->tc.ctx->opt.connect_timeout_ms > 0)
		return c->tc.ctx->opt.connect_timeout_ms;
	if (c->tc.host->ssh.connect_timeout_ms > 0)
		return c->tc.host->ssh.connect_timeout_ms;
	return TP_CONNECT_TIMEOUT_DEFAULT;
}

static enum step_rc
st_resolve(struct ssh_conn *c, bool *done)
{
	struct addrinfo	 hints;
	char		 port[16], tmp[256];
	size_t		 i;
	int		 r;

	ssh_deadline(c, connect_timeout(c));
	c->stall_seen = c->st->stall_ms;
	/* Local problems first: they need no network to be found. */
	for (i = 0; i < c->nkeys; i++) {
		if (c->keys[i]->err != 0 && !c->keys[i]->is_default) {
			tp_fail(&c->tc, TP_LOCAL,
			    "cannot read identity file %s: %s",
			    c->keys[i]->path,
			    errno_msg(c->keys[i]->err, tmp, sizeof(tmp)));
			*done = true;
			return STEP_NEXT;
		}
	}
	if (c->khf->err != 0) {
		tp_fail(&c->tc, TP_LOCAL, "cannot read known hosts file %s: %s",
		    c->khf->path, errno_msg(c->khf->err, tmp, sizeof(tmp)));
		*done = true;
		return STEP_NEXT;
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", c->port);
	r = getaddrinfo(c->addr, port, &hints, &c->ai);
	if (r == EAI_NONAME) {
		/*
		 * A name.  This lookup blocks the whole loop for as long as
		 * the resolver takes: acceptable while inventories give
		 * addresses, but an asynchronous resolver belongs here.
		 */
		hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
		r = getaddrinfo(c->addr, port, &hints, &c->ai);
	}
	if (r != 0) {
		c->ai = NULL;
		tp_fail(&c->tc, TP_UNREACHABLE, "cannot resolve %s: %s",
		    c->addr, lc_msg(gai_strerror(r), tmp, sizeof(tmp)));
		*done = true;
		return STEP_NEXT;
	}
	c->ai_next = c->ai;
	set_state(c, S_TCP);
	return STEP_NEXT;
}

static void
tcp_fail(struct ssh_conn *c)
{
	char	 tmp[256];

	switch (c->tcp_err) {
	case ECONNREFUSED:
		tp_fail(&c->tc, TP_REFUSED, "cannot connect to %s: "
		    "connection refused", c->where);
		break;
	case ETIMEDOUT:
		tp_fail(&c->tc, TP_TIMEOUT, "cannot connect to %s: "
		    "connection timed out", c->where);
		break;
	default:
		tp_fail(&c->tc, TP_UNREACHABLE, "cannot connect to %s: %s",
		    c->where, errno_msg(c->tcp_err ? c->tcp_err : EHOSTUNREACH,
		    tmp, sizeof(tmp)));
		break;
	}
}

/* Host key algorithms, those already known for this host first. */
static void hostkey_prefs(struct ssh_conn *, struct buf *);

static void ssh_on_io(struct loop *, int, unsigned, void *);

/* The TCP connection is up: a session, its preferences, the handshake. */
static bool
session_start(struct ssh_conn *c)
{
	struct buf	 hk;
	int64_t		 ka = c->tc.host->ssh.keepalive_ms;
	char		 tmp[256], *msg;
	int		 len;

	c->session = libssh2_session_init_ex(NULL, NULL, NULL, c);
	if (c->session == NULL) {
		tp_fail(&c->tc, TP_LOCAL, "cannot start an ssh session for "
		    "%s: out of memory", c->where);
		return false;
	}
	libssh2_session_set_blocking(c->session, 0);
	buf_init(&hk, 0, 0);
	hostkey_prefs(c, &hk);
	if (libssh2_session_method_pref(c->session, LIBSSH2_METHOD_KEX,
	    SSH_KEX_PREFS) != 0 ||
	    libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY,
	    buf_str(&hk)) != 0 ||
	    libssh2_session_method_pref(c->session, LIBSSH2_METHOD_CRYPT_CS,
	    SSH_CIPHER_PREFS) != 0 ||
	    libssh2_session_method_pref(c->session, LIBSSH2_METHOD_CRYPT_SC,
	    SSH_CIPHER_PREFS) != 0 ||
	    libssh2_session_method_pref(c->session, LIBSSH2_METHOD_MAC_CS,
	    SSH_MAC_PREFS) != 0 ||
	    libssh2_session_method_pref(c->session, LIBSSH2_METHOD_MAC_SC,
	    SSH_MAC_PREFS) != 0) {
		libssh2_session_last_error(c->session, &msg, &len, 0);
		tp_fail(&c->tc, TP_LOCAL, "cannot set the ssh algorithms: %s",
		    lc_msg(msg, tmp, sizeof(tmp)));
		buf_release(&hk);
		return false;
	}
	buf_release(&hk);
	if (ka < 0)
		ka = TP_KEEPALIVE_DEFAULT;
	if (ka > 0)
		libssh2_keepalive_config(c->session, 1,
		    ka < 1000 ? 1 : (unsigned)(ka / 1000));
	set_state(c, S_HANDSHAKE);
	return true;
}

static enum step_rc
st_tcp(struct ssh_conn *c, bool *done)
{
	struct sockaddr_storage	 ss;
	struct addrinfo		*ai;
	socklen_t		 len;
	int			 err, one = 1, r;

	if (c->fd != -1) {
		/* Woken up: did the connect work? */
		len = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err == 0) {
			len = sizeof(ss);
			if (getpeername(c->fd, (struct sockaddr *)&ss,
			    &len) == 0)
				goto up;
			if (errno == ENOTCONN)
				return STEP_WAIT;	/* not yet */
			err = errno;
		}
		c->tcp_err = err;
		loop_io_del(c->loop, c->fd);
		c->watched = false;
		close(c->fd);
		c->fd = -1;
	}
	while ((ai = c->ai_next) != NULL) {
		c->ai_next = ai->ai_next;
		c->fd = socket(ai->ai_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd == -1) {
			c->tcp_err = errno;
			continue;
		}
		/* Without it a handshake waits for delayed ACKs. */
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		r = connect(c->fd, ai->ai_addr, ai->ai_addrlen);
		if (r == 0 || errno == EINPROGRESS) {
			if (loop_io_add(c->loop, c->fd, LOOP_WRITE, ssh_on_io,
			    c) != 0) {
				tp_fail(&c->tc, TP_LOCAL, "cannot watch the "
				    "socket for %s", c->where);
				*done = true;
				return STEP_NEXT;
			}
			c->watched = true;
			if (r == 0)
				goto up;
			return STEP_WAIT;
		}
		c->tcp_err = errno;
		close(c->fd);
		c->fd = -1;
	}
	tcp_fail(c);
	*done = true;
	return STEP_NEXT;

up:
	freeaddrinfo(c->ai);
	c->ai = c->ai_next = NULL;
	if (!session_start(c))
		*done = true;
	return STEP_NEXT;
}

static enum step_rc
st_handshake(struct ssh_conn *c, bool *done)
{
	int	 r;

	r = libssh2_session_handshake(c->session, c->fd);
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (r != 0) {
		ssh_fail_lib(c, TP_PROTOCOL, "ssh handshake with %s failed",
		    c->where);
		*done = true;
		return STEP_NEXT;
	}
	set_state(c, S_HOSTKEY);
	return STEP_NEXT;
}

static const struct {
	int		 hostkey;	/* LIBSSH2_HOSTKEY_TYPE_* */
	int		 known;		/* LIBSSH2_KNOWNHOST_KEY_* */
	const char	*name;
} keytypes[SSH_NKEYTYPES] = {
	{ LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519,
	    "ssh-ed25519" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256,
	    "ecdsa-sha2-nistp256" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384,
	    "ecdsa-sha2-nistp384" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521,
	    "ecdsa-sha2-nistp521" },
	{ LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA,
	    "ssh-rsa" },
};

static const char *
known_type_name(int known)
{
	size_t	 i;

	for (i = 0; i < SSH_NKEYTYPES; i++) {
		if (keytypes[i].known == (known & LIBSSH2_KNOWNHOST_KEY_MASK))
			return keytypes[i].name;
	}
	return "unknown";
}

/*
 * An entry of type known (LIBSSH2_KNOWNHOST_KEY_*) for this host and
 * port in f, or NULL.  A check with a key that cannot match finds out,
 * since libssh2 reports a mismatch only for entries of the same type.
 */
static struct libssh2_knownhost *
kh_find_type(const struct ssh_conn *c, const struct kh_file *f, int known)
{
	struct libssh2_knownhost	*e = NULL;

	if (f == NULL || f->kh == NULL)
		return NULL;
	if (libssh2_knownhost_checkp(f->kh, c->addr, c->port, "-", 1,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_BASE64 |
	    known, &e) == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
		return e;
	return NULL;
}

static void
hostkey_prefs(struct ssh_conn *c, struct buf *out)
{
	bool	 known[SSH_NKEYTYPES];
	size_t	 i;
	int	 pass;

	for (i = 0; i < SSH_NKEYTYPES; i++)
		known[i] = kh_find_type(c, c->khf, keytypes[i].known) != NULL ||
		    kh_find_type(c, c->st->system_kh, keytypes[i].known) !=
		    NULL;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < SSH_NKEYTYPES; i++) {
			if (known[i] != (pass == 0))
				continue;
			if (out->len > 0)
				buf_addc(out, ',');
			buf_adds(out, keytypes[i].name);
		}
	}
}

/* The message for a key that is not the one on record. */
static void
hostkey_changed(struct ssh_conn *c, const struct kh_file *f,
    const struct libssh2_knownhost *e, const char *type, const char *fp)
{
	struct buf	 exp;
	unsigned	 line;
	char		 at[64] = "";

	buf_init(&exp, 0, 0);
	fingerprint_b64(e->key, &exp);
	if ((line = kh_line_of(f, e)) > 0)
		snprintf(at, sizeof(at), " line %u", line);
	tp_fail(&c->tc, TP_HOSTKEY_CHANGED,
	    "HOST KEY CHANGED for [%s]:%d\n"
	    "known hosts file: %s%s\n"
	    "expected key:  %s %s\n"
	    "presented key: %s %s\n"
	    "someone may be intercepting, or the host was reinstalled; "
	    "lifeboat will not connect until the old key is removed from %s\n"
	    "(ssh-keygen -R '[%s]:%d' -f %s removes it)",
	    c->addr, c->port, f->path, at,
	    known_type_name(e->typemask), buf_str(&exp), type, fp, f->path,
	    c->addr, c->port, f->path);
	buf_release(&exp);
}

/*
 * Appends the host's key to the known_hosts file as one line (O_APPEND,
 * one write, so concurrent runs do not clobber each other) and adds it
 * to the collection.  Returns false with the error set.
 */
static bool
hostkey_record(struct ssh_conn *c, const char *key, size_t keylen,
    int known, const char *type)
{
	struct kh_file	*f = c->khf;
	struct buf	 line;
	struct stat	 sb;
	char		*dir, *slash, tmp[256], last;
	size_t		 skip;
	ssize_t		 n;
	int		 fd, err = 0;

	buf_init(&line, 0, 0);
	buf_addc(&line, '\n');
	if (c->port == 22)
		buf_adds(&line, c->addr);
	else
		buf_addf(&line, "[%s]:%d", c->addr, c->port);
	if (libssh2_knownhost_addc(f->kh, buf_str(&line) + 1, NULL, key,
	    keylen, NULL, 0, LIBSSH2_KNOWNHOST_TYPE_PLAIN |
	    LIBSSH2_KNOWNHOST_KEYENC_RAW | known, NULL) != 0) {
		tp_fail(&c->tc, TP_LOCAL, "cannot add the host key of %s to "
		    "the known hosts", c->where);
		buf_release(&line);
		return false;
	}
	buf_addf(&line, " %s ", type);
	b64_encode(&line, (const uint8_t *)key, keylen, true);
	buf_addc(&line, '\n');

	fd = open(f->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1 && errno == ENOENT) {
		/* ~/.ssh itself may not exist yet. */
		dir = xstrdup(f->path);
		if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
			*slash = '\0';
			(void)mkdir(dir, 0700);
		}
		free(dir);
		fd = open(f->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
		    0600);
	}
	if (fd == -1)
		err = errno;
	else {
		/* A file that does not end in a newline gets one first,
		 * in the same write. */
		skip = 1;
		if (fstat(fd, &sb) == 0 && sb.st_size > 0 &&
		    pread(fd, &last, 1, sb.st_size - 1) == 1 && last != '\n')
			skip = 0;
		n = write(fd, line.data + skip, line.len - skip);
		if (n == -1)
			err = errno;
		else if ((size_t)n != line.len - skip)
			err = ENOSPC;
		if (close(fd) == -1 && err == 0)
			err = errno;
	}
	buf_release(&line);
	if (err != 0) {
		tp_fail(&c->tc, TP_LOCAL, "cannot record the host key of %s "
		    "in %s: %s", c->where, f->path,
		    errno_msg(err, tmp, sizeof(tmp)));
		return false;
	}
	return true;
}

static enum step_rc
st_hostkey(struct ssh_conn *c, bool *done)
{
	const struct kh_file		*files[2];
	struct libssh2_knownhost	*e;
	struct tp_ctx			*ctx = c->tc.ctx;
	struct buf			 fp, msg;
	const char			*key, *hash;
	size_t				 keylen, i, t;
	int				 type, known = 0, r;
	const char			*tname = "unknown";

	files[0] = c->khf;
	files[1] = c->st->system_kh;
	buf_init(&fp, 0, 0);
	buf_init(&msg, 0, 0);
	*done = true;
	if ((key = libssh2_session_hostkey(c->session, &keylen,
	    &type)) == NULL) {
		tp_fail(&c->tc, TP_PROTOCOL, "%s sent no host key", c->where);
		goto out;
	}
	for (t = 0; t < SSH_NKEYTYPES; t++) {
		if (keytypes[t].hostkey == type) {
			known = keytypes[t].known;
			tname = keytypes[t].name;
		}
	}
	hash = libssh2_hostkey_hash(c->session, LIBSSH2_HOSTKEY_HASH_SHA256);
	if (hash != NULL)
		fingerprint_raw((const uint8_t *)hash, &fp);
	else
		fingerprint(key, keylen, &fp);
	if (known == 0) {
		tp_fail(&c->tc, TP_PROTOCOL, "%s offered a host key of an "
		    "unknown type", c->where);
		goto out;
	}
	for (i = 0; i < 2; i++) {
		if (files[i] == NULL || files[i]->kh == NULL)
			continue;
		r = libssh2_knownhost_checkp(files[i]->kh, c->addr, c->port,
		    key, keylen, LIBSSH2_KNOWNHOST_TYPE_PLAIN |
		    LIBSSH2_KNOWNHOST_KEYENC_RAW | known, &e);
		if (r == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
			*done = false;
			set_state(c, S_AUTH_LIST);
			goto out;
		}
		if (r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
			hostkey_changed(c, files[i], e, tname, buf_str(&fp));
			goto out;
		}
	}
	/*
	 * Not on record.  If a key of another type is, the host no longer
	 * offers it (the preferences asked for it first): that too is a
	 * changed key, never a new one.
	 */
	for (i = 0; i < 2; i++) {
		for (t = 0; t < SSH_NKEYTYPES; t++) {
			if (keytypes[t].known == known ||
			    (e = kh_find_type(c, files[i],
			    keytypes[t].known)) == NULL)
				continue;
			hostkey_changed(c, files[i], e, tname, buf_str(&fp));
			goto out;
		}
	}
	if (!ctx->opt.accept_new_host_keys) {
		tp_fail(&c->tc, TP_HOSTKEY_UNKNOWN, "host key of [%s]:%d is "
		    "not known: %s %s is not in %s; check it, then run again "
		    "with --accept-new-host-keys to record it", c->addr,
		    c->port, tname, buf_str(&fp), c->khf->path);
		goto out;
	}
	if (!hostkey_record(c, key, keylen, known, tname))
		goto out;
	if (ctx->opt.notice != NULL) {
		buf_addf(&msg, "recorded new host key %s in %s", buf_str(&fp),
		    c->khf->path);
		ctx->opt.notice(c->tc.host, buf_str(&msg),
		    ctx->opt.notice_arg);
	}
	*done = false;
	set_state(c, S_AUTH_LIST);
out:
	buf_release(&msg);
	buf_release(&fp);
	return STEP_NEXT;
}

/*
 * Authentication: agent, keys, password, keyboard-interactive, in that
 * order, each only when the server offers it.
 */

static void
tried_add(struct ssh_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
tried_add(struct ssh_conn *c, const char *fmt, ...)
{
	va_list	 ap;

	if (c->tried.len > 0)
		buf_adds(&c->tried, ", ");
	va_start(ap, fmt);
	buf_vaddf(&c->tried, fmt, ap);
	va_end(ap);
}

static void
auth_failed(struct ssh_conn *c, bool lost)
{
	tp_fail(&c->tc, TP_AUTH, "authentication as %s on %s failed; "
	    "tried %s%s; the server offers %s", c->user, c->where,
	    c->tried.len > 0 ? buf_str(&c->tried) : "nothing",
	    lost ? " (then the server closed the connection)" : "",
	    c->offered_list != NULL && *c->offered_list != '\0' ?
	    c->offered_list : "nothing");
}

static bool
agent_usable(const struct ssh_conn *c)
{
	const char	*sock = getenv("SSH_AUTH_SOCK");

	return c->tc.host->ssh.agent != TRISTATE_FALSE && sock != NULL &&
	    *sock != '\0';
}

/* The next method to try, or the end of the road. */
static void
auth_next(struct ssh_conn *c, bool *done)
{
	switch (c->state) {
	case S_AUTH_LIST:
		if ((c->offered & AUTH_PUBLICKEY) && agent_usable(c)) {
			set_state(c, S_AUTH_AGENT);
			return;
		}
		/* FALLTHROUGH */
	case S_AUTH_AGENT:
		if ((c->offered & AUTH_PUBLICKEY) && c->nkeys > 0) {
			c->ikey = 0;
			set_state(c, S_AUTH_KEY);
			return;
		}
		/* FALLTHROUGH */
	case S_AUTH_KEY:
		if ((c->offered & AUTH_PASSWORD) && c->password != NULL) {
			set_state(c, S_AUTH_PASSWORD);
			return;
		}
		/* FALLTHROUGH */
	case S_AUTH_PASSWORD:
		if ((c->offered & AUTH_KBDINT) && c->password != NULL) {
			set_state(c, S_AUTH_KBDINT);
			return;
		}
		/* FALLTHROUGH */
	default:
		if ((c->offered & (AUTH_PASSWORD | AUTH_KBDINT)) &&
		    c->password == NULL)
			tried_add(c, "password (none given)");
		auth_failed(c, false);
		*done = true;
		return;
	}
}

/* Authenticated: the connect is done. */
static enum step_rc
auth_ok(struct ssh_conn *c, bool *done)
{
	if (c->agent != NULL) {
		libssh2_agent_disconnect(c->agent);
		libssh2_agent_free(c->agent);
		c->agent = NULL;
	}
	c->authed = true;
	*done = true;
	return STEP_NEXT;
}

/*
 * An authentication call failed with r (not EAGAIN).  Returns true when
 * the connection is gone, after setting the error.
 */
static bool
auth_lost(struct ssh_conn *c, int r, bool *done)
{
	if (!code_is_lost(r) && libssh2_session_last_errno(c->session) !=
	    LIBSSH2_ERROR_SOCKET_DISCONNECT)
		return false;
	c->dead = true;
	auth_failed(c, true);
	*done = true;
	return true;
}

static enum step_rc
st_auth_list(struct ssh_conn *c, bool *done)
{
	const char	*list, *p, *end;
	size_t		 len;

	list = libssh2_userauth_list(c->session, c->user,
	    (unsigned)strlen(c->user));
	if (list == NULL) {
		if (libssh2_userauth_authenticated(c->session))
			return auth_ok(c, done);
		if (would_block(c))
			return STEP_WAIT;
		ssh_fail_lib(c, TP_PROTOCOL, "cannot ask %s how to log in",
		    c->where);
		*done = true;
		return STEP_NEXT;
	}
	free(c->offered_list);
	c->offered_list = xstrdup(list);
	for (p = list; *p != '\0'; p = *end ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 9 && strncmp(p, "publickey", len) == 0)
			c->offered |= AUTH_PUBLICKEY;
		else if (len == 8 && strncmp(p, "password", len) == 0)
			c->offered |= AUTH_PASSWORD;
		else if (len == 20 &&
		    strncmp(p, "keyboard-interactive", len) == 0)
			c->offered |= AUTH_KBDINT;
	}
	auth_next(c, done);
	return STEP_NEXT;
}

/*
 * ssh-agent.  Talking to the agent is a local, blocking exchange on its
 * socket (libssh2's agent API has no other); only the server's answer
 * is waited for in the loop.
 */
static enum step_rc
st_auth_agent(struct ssh_conn *c, bool *done)
{
	struct libssh2_agent_publickey	*next;
	char				*msg, tmp[256];
	int				 r, len;

	if (c->agent == NULL && !c->agent_done) {
		c->agent_done = true;
		c->agent_id = NULL;
		if ((c->agent = libssh2_agent_init(c->session)) == NULL ||
		    libssh2_agent_connect(c->agent) != 0 ||
		    libssh2_agent_list_identities(c->agent) != 0) {
			libssh2_session_last_error(c->session, &msg, &len, 0);
			tried_add(c, "agent (not usable: %s)",
			    lc_msg(msg, tmp, sizeof(tmp)));
			goto next_method;
		}
		if (libssh2_agent_get_identity(c->agent, &c->agent_id,
		    NULL) != 0)
			c->agent_id = NULL;
	}
	while (c->agent != NULL && c->agent_id != NULL) {
		r = libssh2_agent_userauth(c->agent, c->user, c->agent_id);
		if (r == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		if (r == 0)
			return auth_ok(c, done);
		c->agent_tries++;
		if (auth_lost(c, r, done)) {
			tried_add(c, "agent");
			return STEP_NEXT;
		}
		if (libssh2_agent_get_identity(c->agent, &next,
		    c->agent_id) != 0)
			next = NULL;
		c->agent_id = next;
	}
	tried_add(c, "agent (%zu key%s)", c->agent_tries,
	    c->agent_tries == 1 ? "" : "s");
next_method:
	if (c->agent != NULL) {
		libssh2_agent_disconnect(c->agent);
		libssh2_agent_free(c->agent);
		c->agent = NULL;
	}
	auth_next(c, done);
	return STEP_NEXT;
}

static enum step_rc
st_auth_key(struct ssh_conn *c, bool *done)
{
	struct ssh_key	*k;
	char		*msg, tmp[256];
	int64_t		 t0;
	int		 r, len;

	for (; c->ikey < c->nkeys; c->ikey++) {
		k = c->keys[c->ikey];
		if (k->err != 0) {
			tried_add(c, "publickey (%s: %s)", k->name,
			    errno_msg(k->err, tmp, sizeof(tmp)));
			continue;
		}
		if (k->encrypted && k->pass.len == 0) {
			tried_add(c, "publickey (%s: encrypted, no "
			    "passphrase given)", k->name);
			continue;
		}
		t0 = loop_update_time(c->loop);
		r = libssh2_userauth_publickey_frommemory(c->session,
		    c->user, strlen(c->user), k->pub.data, k->pub.len,
		    k->priv.data, k->priv.len,
		    k->pass.len > 0 ? k->pass.data : NULL);
		c->st->stall_ms += loop_update_time(c->loop) - t0;
		if (r == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		if (r == 0)
			return auth_ok(c, done);
		if (auth_lost(c, r, done)) {
			tried_add(c, "publickey (%s)", k->name);
			return STEP_NEXT;
		}
		libssh2_session_last_error(c->session, &msg, &len, 0);
		if (r == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED && msg != NULL &&
		    strstr(msg, "Callback") != NULL) {
			/* libssh2 could not sign: it could not read the key. */
			tried_add(c, "publickey (%s: cannot use the key%s)",
			    k->name, k->encrypted ? "; wrong passphrase?" : "");
		} else if (r == LIBSSH2_ERROR_FILE ||
		    r == LIBSSH2_ERROR_METHOD_NOT_SUPPORTED ||
		    r == LIBSSH2_ERROR_PUBLICKEY_PROTOCOL) {
			tried_add(c, "publickey (%s: %s%s)", k->name,
			    lc_msg(msg, tmp, sizeof(tmp)),
			    k->encrypted ? "; wrong passphrase?" : "");
		} else if (k->rsa && libssh2_version(0x010b00) == NULL)
			tried_add(c, "publickey (%s: refused; this libssh2 "
			    "signs RSA keys only with SHA-1 (ssh-rsa), which "
			    "OpenSSH 8.8 and later refuse by default)",
			    k->name);
		else
			tried_add(c, "publickey (%s)", k->name);
	}
	auth_next(c, done);
	return STEP_NEXT;
}

static enum step_rc
st_auth_password(struct ssh_conn *c, bool *done)
{
	int	 r;

	r = libssh2_userauth_password_ex(c->session, c->user,
	    (unsigned)strlen(c->user), c->password,
	    (unsigned)strlen(c->password), NULL);
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (r == 0)
		return auth_ok(c, done);
	tried_add(c, r == LIBSSH2_ERROR_PASSWORD_EXPIRED ?
	    "password (expired)" : "password");
	if (auth_lost(c, r, done))
		return STEP_NEXT;
	auth_next(c, done);
	return STEP_NEXT;
}

/* Answers every prompt with the password. */
static
LIBSSH2_USERAUTH_KBDINT_RESPONSE_FUNC(kbdint_answer)
{
	struct ssh_conn	*c = *abstract;
	int		 i;

	(void)name;
	(void)name_len;
	(void)instruction;
	(void)instruction_len;
	(void)prompts;
	for (i = 0; i < num_prompts; i++) {
		/* libssh2 frees these with its allocator, free(). */
		responses[i].text = xstrdup(c->password != NULL ?
		    c->password : "");
		responses[i].length = (unsigned)strlen(responses[i].text);
	}
}

static enum step_rc
st_auth_kbdint(struct ssh_conn *c, bool *done)
{
	int	 r;

	r = libssh2_userauth_keyboard_interactive_ex(c->session, c->user,
	    (unsigned)strlen(c->user), kbdint_answer);
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (r == 0)
		return auth_ok(c, done);
	tried_add(c, "keyboard-interactive");
	if (auth_lost(c, r, done))
		return STEP_NEXT;
	auth_next(c, done);
	return STEP_NEXT;
}

/*
 * Channels: the command of exec, and the mv that ends a put.
 */

/*
 * Where an operation goes after an error: put and get clean up their
 * temporary files first (while the session lives), exec is over.
 */
static void
op_failed(struct ssh_conn *c, bool *done)
{
	if (c->dead) {
		*done = true;
		return;
	}
	c->failing = true;
	switch (c->op) {
	case OP_PUT:
		if (c->fh != NULL)
			set_state(c, S_PUT_CLOSE);
		else if (c->tmp_made)
			set_state(c, S_PUT_UNLINK);
		else
			*done = true;
		break;
	case OP_GET:
		if (c->fh != NULL)
			set_state(c, S_GET_CLOSE);
		else
			*done = true;
		break;
	default:
		*done = true;
		break;
	}
}

static enum step_rc
st_chan_open(struct ssh_conn *c, bool *done)
{
	c->chan = libssh2_channel_open_session(c->session);
	if (c->chan == NULL) {
		if (would_block(c))
			return STEP_WAIT;
		ssh_fail_lib(c, TP_PROTOCOL, "cannot open a session on %s",
		    c->where);
		op_failed(c, done);
		return STEP_NEXT;
	}
	set_state(c, S_CHAN_EXEC);
	return STEP_NEXT;
}

static enum step_rc
st_chan_exec(struct ssh_conn *c, bool *done)
{
	int	 r;

	r = libssh2_channel_exec(c->chan, c->command);
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (r != 0) {
		ssh_fail_lib(c, TP_PROTOCOL, "cannot run a command on %s",
		    c->where);
		op_failed(c, done);
		return STEP_NEXT;
	}
	set_state(c, S_CHAN_IO);
	return STEP_NEXT;
}

/* Sends what is left of the input, then EOF.  Returns true on progress. */
static bool
chan_write_input(struct ssh_conn *c)
{
	const struct tp_exec_opts	*xo = &c->tc.xo;
	ssize_t				 n;
	bool				 progress = false;
	int				 r;

	while (!c->aux && xo->input != NULL && c->in_off < xo->input_len) {
		n = libssh2_channel_write(c->chan, xo->input + c->in_off,
		    xo->input_len - c->in_off);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return progress;
		if (n < 0) {
			/* The command stopped reading: the rest is moot. */
			c->in_off = xo->input_len;
			break;
		}
		c->in_off += (size_t)n;
		progress = true;
	}
	/*
	 * EOF even without input: a command that reads stdin must see it
	 * end rather than wait for the timeout.
	 */
	if (!c->eof_sent) {
		r = libssh2_channel_send_eof(c->chan);
		if (r == LIBSSH2_ERROR_EAGAIN)
			return progress;
		c->eof_sent = true;
		progress = true;
	}
	return progress;
}

static void
chan_output(struct ssh_conn *c, int stream, const char *data, size_t len)
{
	if (!c->aux) {
		tp_output(&c->tc, stream == 0 ? TP_STDOUT : TP_STDERR, data,
		    len);
		return;
	}
	/* The mv of put: its stderr explains a failure; keep a little. */
	if (stream != 0 && c->aux_err.len < SSH_AUX_ERR_MAX)
		(void)buf_add(&c->aux_err, data,
		    len < SSH_AUX_ERR_MAX - c->aux_err.len ? len :
		    SSH_AUX_ERR_MAX - c->aux_err.len);
}

/*
 * Reads both streams until neither has more; returns STEP_NEXT when the
 * channel reached EOF (state changed), STEP_WAIT, or STEP_YIELD.
 *
 * A read of one stream takes every packet off the socket, the other
 * stream's included, so a pass that got nothing may still have queued
 * something: before waiting on the socket, libssh2 is asked whether it
 * holds data already.  Otherwise the last lines (and the EOF after them)
 * would wait in its queue for a socket that has nothing more to say.
 */
static enum step_rc
st_chan_io(struct ssh_conn *c, bool *done)
{
	char		 data[SSH_CHUNK];
	ssize_t		 n;
	int		 stream, idle = 0;
	bool		 progress, eof[2] = { false, false };

	do {
		progress = chan_write_input(c);
		for (stream = 0; stream < 2; stream++) {
			while ((n = libssh2_channel_read_ex(c->chan,
			    stream ? SSH_EXTENDED_DATA_STDERR : 0, data,
			    sizeof(data))) > 0) {
				chan_output(c, stream, data, (size_t)n);
				c->turn_bytes += (size_t)n;
				progress = true;
				if (c->turn_bytes >= SSH_TURN_BYTES)
					return STEP_YIELD;
			}
			if (n == LIBSSH2_ERROR_EAGAIN)
				continue;
			if (n < 0) {
				ssh_fail_lib(c, TP_PROTOCOL, "cannot read "
				    "the output of %s", c->where);
				op_failed(c, done);
				return STEP_NEXT;
			}
			eof[stream] = true;
		}
		/* Bounded: data of a third kind would stay queued. */
		idle = progress ? 0 : idle + 1;
	} while ((progress || (idle < 4 &&
	    libssh2_poll_channel_read(c->chan, 1) == 1)) &&
	    !(eof[0] && eof[1]));
	if (eof[0] && eof[1] && libssh2_channel_eof(c->chan) == 1) {
		set_state(c, S_CHAN_CLOSE);
		return STEP_NEXT;
	}
	return STEP_WAIT;
}

static enum step_rc
st_chan_close(struct ssh_conn *c, bool *done)
{
	int	 r;

	r = libssh2_channel_close(c->chan);
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (r != 0) {
		ssh_fail_lib(c, TP_PROTOCOL, "cannot close the session on %s",
		    c->where);
		op_failed(c, done);
		return STEP_NEXT;
	}
	set_state(c, S_CHAN_WAIT);
	return STEP_NEXT;
}

static enum step_rc
st_chan_wait(struct ssh_conn *c, bool *done)
{
	char	*sig = NULL;
	size_t	 siglen = 0;
	int	 r, rc;

	r = libssh2_channel_wait_closed(c->chan);
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (r != 0) {
		ssh_fail_lib(c, TP_PROTOCOL, "cannot close the session on %s",
		    c->where);
		op_failed(c, done);
		return STEP_NEXT;
	}
	rc = libssh2_channel_get_exit_status(c->chan);
	if (libssh2_channel_get_exit_signal(c->chan, &sig, &siglen, NULL,
	    NULL, NULL, NULL) != 0)
		sig = NULL;
	if (sig != NULL && siglen > 0) {
		/* Killed: there is a signal and no exit status. */
		rc = -1;
		if (!c->aux) {
			free(c->tc.res->signal);
			c->tc.res->signal = xstrdup(strncmp(sig, "SIG", 3) ==
			    0 ? sig + 3 : sig);
		}
	}
	if (sig != NULL)
		libssh2_free(c->session, sig);
	if (c->aux)
		c->aux_rc = rc;
	else
		c->tc.res->rc = rc;
	set_state(c, S_CHAN_FREE);
	return STEP_NEXT;
}

static enum step_rc
st_chan_free(struct ssh_conn *c, bool *done)
{
	int	 r;

	r = libssh2_channel_free(c->chan);
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	c->chan = NULL;
	if (c->aux)
		set_state(c, S_PUT_RENAMED);
	else
		*done = true;
	return STEP_NEXT;
}

/*
 * The command ran out of time: close its channel (the error is set).
 * OpenSSH answers the close of a session channel only when the command
 * has exited, and libssh2 cannot free a channel before that answer.  So
 * once our close is out (libssh2 waits to read, not to write) the channel
 * is left to libssh2, which frees it with the session; the session
 * itself stays usable.  The grace timer bounds the sending.
 */
static enum step_rc
st_chan_abort(struct ssh_conn *c, bool *done)
{
	int	 r;

	if (c->chan != NULL && !c->chan_closed) {
		r = libssh2_channel_close(c->chan);
		if (r == LIBSSH2_ERROR_EAGAIN) {
			if (libssh2_session_block_directions(c->session) &
			    LIBSSH2_SESSION_BLOCK_OUTBOUND)
				return STEP_WAIT;
			c->chan = NULL;
			*done = true;
			return STEP_NEXT;
		}
		c->chan_closed = true;
		if (r != 0 && code_is_lost(r))
			c->dead = true;
	}
	if (c->chan != NULL && !c->dead) {
		r = libssh2_channel_free(c->chan);
		if (r == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		c->chan = NULL;
	}
	*done = true;
	return STEP_NEXT;
}

/* Sets up the channel part of c for a command. */
static void
chan_begin(struct ssh_conn *c, const char *command, bool aux)
{
	free(c->command);
	c->command = xstrdup(command);
	c->aux = aux;
	c->eof_sent = false;
	c->chan_closed = false;
	c->in_off = 0;
	c->aux_rc = -1;
	buf_reset(&c->aux_err);
	set_state(c, S_CHAN_OPEN);
}

/*
 * SFTP: put and get.
 */

static enum step_rc
st_sftp_init(struct ssh_conn *c, bool *done)
{
	if (c->sftp == NULL) {
		c->sftp = libssh2_sftp_init(c->session);
		if (c->sftp == NULL) {
			if (would_block(c))
				return STEP_WAIT;
			ssh_fail_lib(c, TP_PROTOCOL, "cannot start sftp on %s",
			    c->where);
			op_failed(c, done);
			return STEP_NEXT;
		}
	}
	set_state(c, c->op == OP_PUT ? S_PUT_STAT : S_GET_OPEN);
	return STEP_NEXT;
}

/* ".NAME.lifeboat-XXXXXX" beside path (remote or local). */
static char *
tmp_name_beside(const char *path)
{
	static const char	 set[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	const char		*base = base_name(path);
	unsigned char		 rnd[6];
	char			 suffix[7], *s;
	size_t			 i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)(rand() >> 3);
	}
	for (i = 0; i < sizeof(rnd); i++)
		suffix[i] = set[rnd[i] % (sizeof(set) - 1)];
	suffix[6] = '\0';
	xasprintf(&s, "%.*s.%s.lifeboat-%s", (int)(base - path), path, base,
	    suffix);
	return s;
}

/*
 * A target that is a directory (or a link to one) would make mv move the
 * file into it under its temporary name: refuse before writing.
 */
static enum step_rc
st_put_stat(struct ssh_conn *c, bool *done)
{
	LIBSSH2_SFTP_ATTRIBUTES	 a;
	int			 r;

	memset(&a, 0, sizeof(a));
	r = libssh2_sftp_stat_ex(c->sftp, c->remote,
	    (unsigned)strlen(c->remote), LIBSSH2_SFTP_STAT, &a);
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (r == 0 && (a.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) &&
	    LIBSSH2_SFTP_S_ISDIR(a.permissions)) {
		tp_fail(&c->tc, TP_PROTOCOL, "cannot put %s to %s on %s: is a "
		    "directory", c->local, c->remote, c->where);
		op_failed(c, done);
		return STEP_NEXT;
	}
	if (r != 0 && code_is_lost(libssh2_session_last_errno(c->session))) {
		ssh_fail_lib(c, TP_UNREACHABLE, "cannot look at %s on %s",
		    c->remote, c->where);
		op_failed(c, done);
		return STEP_NEXT;
	}
	/* No such file is the usual case; other errors show at open. */
	set_state(c, S_PUT_OPEN);
	return STEP_NEXT;
}

static enum step_rc
st_put_open(struct ssh_conn *c, bool *done)
{
	c->fh = libssh2_sftp_open_ex(c->sftp, c->tmp,
	    (unsigned)strlen(c->tmp), LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
	    LIBSSH2_FXF_EXCL, 0600, LIBSSH2_SFTP_OPENFILE);
	if (c->fh == NULL) {
		if (would_block(c))
			return STEP_WAIT;
		ssh_fail_lib(c, TP_PROTOCOL, "cannot create %s on %s",
		    c->tmp, c->where);
		op_failed(c, done);
		return STEP_NEXT;
	}
	c->tmp_made = true;
	c->io_len = c->io_off = 0;
	set_state(c, S_PUT_WRITE);
	return STEP_NEXT;
}

static enum step_rc
st_put_write(struct ssh_conn *c, bool *done)
{
	ssize_t	 n;
	char	 tmp[256];

	for (;;) {
		if (c->io_off == c->io_len) {
			n = read(c->lfd, c->iobuf, SSH_IO_BUF);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				tp_fail(&c->tc, TP_LOCAL, "cannot read %s: %s",
				    c->local, errno_msg(errno, tmp,
				    sizeof(tmp)));
				op_failed(c, done);
				return STEP_NEXT;
			}
			if (n == 0)
				break;
			c->io_len = (size_t)n;
			c->io_off = 0;
		}
		/* After EAGAIN libssh2 wants the same data again. */
		n = libssh2_sftp_write(c->fh, c->iobuf + c->io_off,
		    c->io_len - c->io_off);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		if (n < 0) {
			ssh_fail_lib(c, TP_PROTOCOL, "cannot write %s on %s",
			    c->tmp, c->where);
			op_failed(c, done);
			return STEP_NEXT;
		}
		c->io_off += (size_t)n;
		c->turn_bytes += (size_t)n;
		if (c->turn_bytes >= SSH_TURN_BYTES)
			return STEP_YIELD;
	}
	set_state(c, S_PUT_SETSTAT);
	return STEP_NEXT;
}

static enum step_rc
st_put_setstat(struct ssh_conn *c, bool *done)
{
	LIBSSH2_SFTP_ATTRIBUTES	 a;
	int			 r;

	/* The mode given to open is cut by the server's umask. */
	memset(&a, 0, sizeof(a));
	a.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
	a.permissions = (unsigned long)c->mode & 07777;
	r = libssh2_sftp_fsetstat(c->fh, &a);
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (r != 0) {
		ssh_fail_lib(c, TP_PROTOCOL, "cannot set the mode of %s on %s",
		    c->tmp, c->where);
		op_failed(c, done);
		return STEP_NEXT;
	}
	set_state(c, S_PUT_CLOSE);
	return STEP_NEXT;
}

static enum step_rc
st_put_close(struct ssh_conn *c, bool *done)
{
	struct buf	 cmd;
	int		 r;

	r = libssh2_sftp_close_handle(c->fh);
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	c->fh = NULL;
	if (c->failing) {
		set_state(c, S_PUT_UNLINK);
		return STEP_NEXT;
	}
	if (r != 0) {
		/* Closing is when a server may report a full disk. */
		ssh_fail_lib(c, TP_PROTOCOL, "cannot write %s on %s", c->tmp,
		    c->where);
		op_failed(c, done);
		return STEP_NEXT;
	}
	buf_init(&cmd, 0, 0);
	buf_adds(&cmd, "mv -f -- ");
	sh_quote(&cmd, c->tmp);
	buf_addc(&cmd, ' ');
	sh_quote(&cmd, c->remote);
	chan_begin(c, buf_str(&cmd), true);
	buf_release(&cmd);
	return STEP_NEXT;
}

static enum step_rc
st_put_renamed(struct ssh_conn *c, bool *done)
{
	char	*nl;

	if (c->aux_rc == 0) {
		c->tmp_made = false;
		c->tc.res->rc = 0;
		*done = true;
		return STEP_NEXT;
	}
	if ((nl = memchr(buf_str(&c->aux_err), '\n', c->aux_err.len)) != NULL)
		buf_truncate(&c->aux_err, (size_t)(nl - c->aux_err.data));
	if (c->aux_err.len > 0)
		tp_fail(&c->tc, TP_PROTOCOL, "cannot rename %s to %s on %s: %s",
		    c->tmp, c->remote, c->where, buf_str(&c->aux_err));
	else
		tp_fail(&c->tc, TP_PROTOCOL, "cannot rename %s to %s on %s: "
		    "mv exited with status %d", c->tmp, c->remote, c->where,
		    c->aux_rc);
	c->failing = true;
	set_state(c, S_PUT_UNLINK);
	return STEP_NEXT;
}

static enum step_rc
st_put_unlink(struct ssh_conn *c, bool *done)
{
	int	 r;

	r = libssh2_sftp_unlink_ex(c->sftp, c->tmp,
	    (unsigned)strlen(c->tmp));
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	/* A failure here leaves the temporary file; the error stands. */
	c->tmp_made = false;
	*done = true;
	return STEP_NEXT;
}

static enum step_rc
st_get_open(struct ssh_conn *c, bool *done)
{
	c->fh = libssh2_sftp_open_ex(c->sftp, c->remote,
	    (unsigned)strlen(c->remote), LIBSSH2_FXF_READ, 0,
	    LIBSSH2_SFTP_OPENFILE);
	if (c->fh == NULL) {
		if (would_block(c))
			return STEP_WAIT;
		ssh_fail_lib(c, TP_PROTOCOL, "cannot open %s on %s", c->remote,
		    c->where);
		op_failed(c, done);
		return STEP_NEXT;
	}
	set_state(c, S_GET_STAT);
	return STEP_NEXT;
}

static enum step_rc
st_get_stat(struct ssh_conn *c, bool *done)
{
	LIBSSH2_SFTP_ATTRIBUTES	 a;
	char			 tmp[256];
	int			 r;

	memset(&a, 0, sizeof(a));
	r = libssh2_sftp_fstat(c->fh, &a);
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	if (r != 0) {
		ssh_fail_lib(c, TP_PROTOCOL, "cannot stat %s on %s", c->remote,
		    c->where);
		op_failed(c, done);
		return STEP_NEXT;
	}
	c->mode = (a.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) ?
	    (int)(a.permissions & 07777) : 0644;
	if ((a.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) &&
	    !LIBSSH2_SFTP_S_ISREG(a.permissions)) {
		tp_fail(&c->tc, TP_PROTOCOL, "cannot get %s from %s: not a "
		    "regular file", c->remote, c->where);
		op_failed(c, done);
		return STEP_NEXT;
	}
	c->tmp = tmp_name_beside(c->local);
	c->lfd = open(c->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (c->lfd == -1) {
		tp_fail(&c->tc, TP_LOCAL, "cannot create %s: %s", c->tmp,
		    errno_msg(errno, tmp, sizeof(tmp)));
		op_failed(c, done);
		return STEP_NEXT;
	}
	c->tmp_made = true;
	set_state(c, S_GET_READ);
	return STEP_NEXT;
}

/* Writes all of data to the local file; false with the error set. */
static bool
get_write(struct ssh_conn *c, const char *data, size_t len)
{
	ssize_t	 n;
	char	 tmp[256];

	while (len > 0) {
		n = write(c->lfd, data, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			tp_fail(&c->tc, TP_LOCAL, "cannot write %s: %s", c->tmp,
			    errno_msg(n == 0 ? ENOSPC : errno, tmp,
			    sizeof(tmp)));
			return false;
		}
		data += n;
		len -= (size_t)n;
	}
	return true;
}

/* The whole file is in the temporary: sync, mode, rename into place. */
static bool
get_commit(struct ssh_conn *c)
{
	char	 tmp[256];
	int	 fd = c->lfd;

	c->lfd = -1;
	if (fchmod(fd, (mode_t)c->mode) == -1 || fsync(fd) == -1) {
		tp_fail(&c->tc, TP_LOCAL, "cannot write %s: %s", c->tmp,
		    errno_msg(errno, tmp, sizeof(tmp)));
		close(fd);
		return false;
	}
	if (close(fd) == -1) {
		tp_fail(&c->tc, TP_LOCAL, "cannot write %s: %s", c->tmp,
		    errno_msg(errno, tmp, sizeof(tmp)));
		return false;
	}
	if (rename(c->tmp, c->local) == -1) {
		tp_fail(&c->tc, TP_LOCAL, "cannot rename %s to %s: %s", c->tmp,
		    c->local, errno_msg(errno, tmp, sizeof(tmp)));
		return false;
	}
	c->tmp_made = false;
	return true;
}

static enum step_rc
st_get_read(struct ssh_conn *c, bool *done)
{
	ssize_t	 n;

	for (;;) {
		n = libssh2_sftp_read(c->fh, c->iobuf, SSH_IO_BUF);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		if (n < 0) {
			ssh_fail_lib(c, TP_PROTOCOL, "cannot read %s on %s",
			    c->remote, c->where);
			op_failed(c, done);
			return STEP_NEXT;
		}
		if (n == 0)
			break;
		if (!get_write(c, c->iobuf, (size_t)n)) {
			op_failed(c, done);
			return STEP_NEXT;
		}
		c->turn_bytes += (size_t)n;
		if (c->turn_bytes >= SSH_TURN_BYTES)
			return STEP_YIELD;
	}
	if (!get_commit(c))
		c->failing = true;
	else
		c->tc.res->rc = 0;
	set_state(c, S_GET_CLOSE);
	return STEP_NEXT;
}

static enum step_rc
st_get_close(struct ssh_conn *c, bool *done)
{
	int	 r;

	r = libssh2_sftp_close_handle(c->fh);
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	c->fh = NULL;
	*done = true;
	return STEP_NEXT;
}

/*
 * close: SFTP down, a disconnect message, then everything is dropped.
 */

static enum step_rc
st_sftp_shutdown(struct ssh_conn *c, bool *done)
{
	int	 r;

	if (c->sftp != NULL) {
		r = libssh2_sftp_shutdown(c->sftp);
		if (r == LIBSSH2_ERROR_EAGAIN)
			return STEP_WAIT;
		c->sftp = NULL;
	}
	set_state(c, S_DISCONNECT);
	return STEP_NEXT;
}

static enum step_rc
st_disconnect(struct ssh_conn *c, bool *done)
{
	int	 r;

	r = libssh2_session_disconnect(c->session, "closed by lifeboat");
	if (r == LIBSSH2_ERROR_EAGAIN)
		return STEP_WAIT;
	*done = true;
	return STEP_NEXT;
}

/*
 * The state machine.
 */

static enum step_rc
ssh_step(struct ssh_conn *c, bool *done)
{
	switch (c->state) {
	case S_RESOLVE:
		return st_resolve(c, done);
	case S_TCP:
		return st_tcp(c, done);
	case S_HANDSHAKE:
		return st_handshake(c, done);
	case S_HOSTKEY:
		return st_hostkey(c, done);
	case S_AUTH_LIST:
		return st_auth_list(c, done);
	case S_AUTH_AGENT:
		return st_auth_agent(c, done);
	case S_AUTH_KEY:
		return st_auth_key(c, done);
	case S_AUTH_PASSWORD:
		return st_auth_password(c, done);
	case S_AUTH_KBDINT:
		return st_auth_kbdint(c, done);
	case S_CHAN_OPEN:
		return st_chan_open(c, done);
	case S_CHAN_EXEC:
		return st_chan_exec(c, done);
	case S_CHAN_IO:
		return st_chan_io(c, done);
	case S_CHAN_CLOSE:
		return st_chan_close(c, done);
	case S_CHAN_WAIT:
		return st_chan_wait(c, done);
	case S_CHAN_FREE:
		return st_chan_free(c, done);
	case S_CHAN_ABORT:
		return st_chan_abort(c, done);
	case S_SFTP_INIT:
		return st_sftp_init(c, done);
	case S_PUT_STAT:
		return st_put_stat(c, done);
	case S_PUT_OPEN:
		return st_put_open(c, done);
	case S_PUT_WRITE:
		return st_put_write(c, done);
	case S_PUT_SETSTAT:
		return st_put_setstat(c, done);
	case S_PUT_CLOSE:
		return st_put_close(c, done);
	case S_PUT_RENAMED:
		return st_put_renamed(c, done);
	case S_PUT_UNLINK:
		return st_put_unlink(c, done);
	case S_GET_OPEN:
		return st_get_open(c, done);
	case S_GET_STAT:
		return st_get_stat(c, done);
	case S_GET_READ:
		return st_get_read(c, done);
	case S_GET_CLOSE:
		return st_get_close(c, done);
	case S_SFTP_SHUTDOWN:
		return st_sftp_shutdown(c, done);
	case S_DISCONNECT:
		return st_disconnect(c, done);
	default:
		/* Nothing to do in this state: a stray wake-up. */
		return STEP_WAIT;
	}
}

/*
 * Runs the machine until it blocks, ends the operation, or has had its
 * share of this turn (so that one host streaming output at full speed
 * does not starve the others; libssh2 may hold data it has read already,
 * so a 0 ms timer, not the socket, brings it back).
 */
static void
ssh_run(struct ssh_conn *c)
{
	enum step_rc	 r = STEP_NEXT;
	bool		 done = false;
	int		 n;

	c->turn_bytes = 0;
	for (n = 0; n < SSH_TURN_STEPS && r == STEP_NEXT && !done; n++)
		r = ssh_step(c, &done);
	if (done) {
		ssh_finish(c);		/* c may be gone */
		return;
	}
	if (r == STEP_WAIT) {
		ssh_pollset(c);
		return;
	}
	loop_timer_start(c->loop, &c->kick, 0);
}

static void
ssh_kick(struct loop *loop, void *arg)
{
	(void)loop;
	ssh_run(arg);
}

static void
ssh_on_io(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct ssh_conn	*c = arg;

	(void)loop;
	(void)fd;
	if (c->state == S_IDLE) {
		/*
		 * Nothing is asked for while idle: this is an error or a
		 * hang-up, reported whatever the interest.  The session is
		 * gone; the next operation will say so.
		 */
		if (events & LOOP_ERROR) {
			ssh_drop(c);
			c->dead = true;
			set_state(c, S_DEAD);
		}
		return;
	}
	ssh_run(c);
}

static void
ssh_on_deadline(struct loop *loop, void *arg)
{
	struct ssh_conn	*c = arg;
	char		 secs[32];

	(void)loop;
	if (c->op == OP_CONNECT && c->st->stall_ms > c->stall_seen) {
		/*
		 * The connect timeout is for the network and the server.
		 * While libssh2 decrypted keys (for any host) nothing else
		 * could run: that time is given back.
		 */
		loop_timer_start(c->loop, &c->deadline,
		    c->st->stall_ms - c->stall_seen);
		c->stall_seen = c->st->stall_ms;
		return;
	}
	fmt_secs(secs, sizeof(secs), c->limit_ms);
	switch (c->op) {
	case OP_CONNECT:
		if (c->state == S_RESOLVE || c->state == S_TCP)
			tp_fail(&c->tc, TP_TIMEOUT, "cannot connect to %s: "
			    "no answer after %s", c->where, secs);
		else if (c->state == S_HANDSHAKE || c->state == S_HOSTKEY)
			tp_fail(&c->tc, TP_TIMEOUT, "ssh handshake with %s "
			    "timed out after %s", c->where, secs);
		else
			tp_fail(&c->tc, TP_TIMEOUT, "authentication on %s "
			    "timed out after %s", c->where, secs);
		c->dead = true;
		break;
	case OP_EXEC:
		if (!c->aborting && c->chan != NULL) {
			/* Close the channel; the session stays usable. */
			tp_fail(&c->tc, TP_TIMEOUT,
			    "command timed out after %s", secs);
			c->aborting = true;
			c->chan_closed = false;
			set_state(c, S_CHAN_ABORT);
			ssh_deadline(c, SSH_ABORT_GRACE);
			ssh_run(c);
			return;
		}
		tp_fail(&c->tc, TP_TIMEOUT, "command timed out after %s",
		    secs);
		c->dead = true;
		break;
	case OP_PUT:
	case OP_GET:
		tp_fail(&c->tc, TP_TIMEOUT, "transfer of %s timed out after %s",
		    c->op == OP_PUT ? c->local : c->remote, secs);
		c->dead = true;
		break;
	default:
		/* A close that takes too long is simply dropped. */
		break;
	}
	ssh_finish(c);
}

/*
 * The transport's entry points.
 */

static struct tp_conn *
ssh_open(struct tp_ctx *ctx, void *state, const struct host *h)
{
	struct ssh_state	*st = state;
	struct ssh_conn		*c;

	if (st == NULL) {
		/* Not prepared: keys and files are loaded as hosts need
		 * them, and nobody is asked for anything. */
		if ((st = ssh_state_new(ctx)) == NULL)
			return NULL;
		ctx->state[TRANSPORT_SSH] = st;
	}
	c = xcalloc(1, sizeof(*c));
	c->st = st;
	c->loop = ctx->loop;
	c->fd = -1;
	c->lfd = -1;
	c->state = S_NONE;
	c->addr = h->address != NULL ? h->address : h->name;
	c->port = h->ssh.port > 0 ? h->ssh.port : 22;
	c->user = h->user != NULL ? h->user : st->user;
	if (strchr(c->addr, ':') != NULL)
		xasprintf(&c->where, "[%s]:%d", c->addr, c->port);
	else
		xasprintf(&c->where, "%s:%d", c->addr, c->port);
	buf_init(&c->tried, 0, 0);
	buf_init(&c->aux_err, SSH_AUX_ERR_MAX + 1, 0);
	loop_timer_init(&c->deadline, ssh_on_deadline, c);
	loop_timer_init(&c->keepalive, ssh_keepalive_fire, c);
	loop_timer_init(&c->kick, ssh_kick, c);
	return &c->tc;
}

/* The password for h: its variable, its file, or the run's. */
static const char *
host_password(struct ssh_conn *c)
{
	const struct host	*h = c->tc.host;
	struct ssh_secret_file	*f;
	const char		*v;

	if (h->ssh.password_env != NULL &&
	    (v = getenv(h->ssh.password_env)) != NULL)
		return v;
	if (h->ssh.password_file != NULL) {
		f = pwfile_get(c->st, h->ssh.password_file);
		if (f->err == 0)
			return buf_str(&f->data);
	}
	return c->tc.ctx->opt.password;
}

static void
ssh_connect(struct tp_conn *tc)
{
	struct ssh_conn	*c = (struct ssh_conn *)tc;

	c->starting = true;
	c->op = OP_CONNECT;
	if (c->state != S_NONE) {
		tp_fail(tc, TP_LOCAL, "connect to %s: already connected",
		    c->where);
		c->op = OP_NONE;
		tp_complete_later(tc);
	} else {
		c->nkeys = host_keys(c->st, tc->host, c->keys);
		c->khf = kh_get(c->st, tc->host);
		c->password = host_password(c);
		set_state(c, S_RESOLVE);
		ssh_run(c);
	}
	c->starting = false;
}

/*
 * Starts op on an idle session.  Returns false when it cannot start (the
 * result is on its way).
 */
static bool
op_begin(struct ssh_conn *c, enum ssh_op op)
{
	if (c->state == S_IDLE) {
		loop_timer_stop(c->loop, &c->keepalive);
		c->op = op;
		c->failing = false;
		c->turn_bytes = 0;
		return true;
	}
	if (c->state == S_DEAD || c->dead)
		tp_fail(&c->tc, TP_UNREACHABLE, "connection to %s was lost",
		    c->where);
	else
		tp_fail(&c->tc, TP_LOCAL, "not connected to %s (%s)",
		    c->where, ssh_state_names[c->state]);
	tp_complete_later(&c->tc);
	return false;
}

static void
ssh_exec(struct tp_conn *tc, const char *command)
{
	struct ssh_conn	*c = (struct ssh_conn *)tc;

	c->starting = true;
	if (op_begin(c, OP_EXEC)) {
		if (tc->xo.timeout_ms > 0)
			ssh_deadline(c, tc->xo.timeout_ms);
		chan_begin(c, command, false);
		ssh_run(c);
	}
	c->starting = false;
}

static void
xfer_reset(struct ssh_conn *c)
{
	free(c->local);
	free(c->remote);
	free(c->tmp);
	c->local = c->remote = c->tmp = NULL;
	c->tmp_made = false;
	if (c->lfd != -1)
		close(c->lfd);
	c->lfd = -1;
	if (c->iobuf == NULL)
		c->iobuf = xmalloc(SSH_IO_BUF);
}

static void
ssh_put(struct tp_conn *tc, const char *local, const char *remote,
    int mode)
{
	struct ssh_conn	*c = (struct ssh_conn *)tc;
	struct stat	 sb;
	char		 tmp[256];

	c->starting = true;
	if (!op_begin(c, OP_PUT))
		goto out;
	xfer_reset(c);
	c->local = xstrdup(local);
	c->remote = xstrdup(remote);
	if (*remote == '\0' || remote[strlen(remote) - 1] == '/') {
		tp_fail(tc, TP_LOCAL, "cannot put %s: remote path '%s' names "
		    "no file", local, remote);
		goto fail;
	}
	c->lfd = open(local, O_RDONLY | O_CLOEXEC);
	if (c->lfd == -1 || fstat(c->lfd, &sb) == -1) {
		tp_fail(tc, TP_LOCAL, "cannot open %s: %s", local,
		    errno_msg(errno, tmp, sizeof(tmp)));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		tp_fail(tc, TP_LOCAL, "cannot put %s: not a regular file",
		    local);
		goto fail;
	}
	c->mode = mode >= 0 ? mode : (int)(sb.st_mode & 07777);
	c->tmp = tmp_name_beside(remote);
	set_state(c, S_SFTP_INIT);
	ssh_run(c);
	goto out;
fail:
	ssh_finish(c);
out:
	c->starting = false;
}

static void
ssh_get(struct tp_conn *tc, const char *remote, const char *local)
{
	struct ssh_conn	*c = (struct ssh_conn *)tc;

	c->starting = true;
	if (op_begin(c, OP_GET)) {
		xfer_reset(c);
		c->local = xstrdup(local);
		c->remote = xstrdup(remote);
		set_state(c, S_SFTP_INIT);
		ssh_run(c);
	}
	c->starting = false;
}

static void
ssh_close(struct tp_conn *tc)
{
	struct ssh_conn	*c = (struct ssh_conn *)tc;

	c->starting = true;
	c->op = OP_CLOSE;
	loop_timer_stop(c->loop, &c->keepalive);
	if (c->state != S_IDLE || c->session == NULL)
		ssh_finish(c);
	else {
		ssh_deadline(c, SSH_CLOSE_TIMEOUT);
		set_state(c, S_SFTP_SHUTDOWN);
		ssh_run(c);
	}
	/* Completion is deferred while starting: c still exists here. */
	c->starting = false;
}

static void
ssh_free(struct tp_conn *tc)
{
	struct ssh_conn	*c = (struct ssh_conn *)tc;

	loop_timer_stop(c->loop, &c->deadline);
	loop_timer_stop(c->loop, &c->keepalive);
	loop_timer_stop(c->loop, &c->kick);
	ssh_drop(c);
	if (c->lfd != -1)
		close(c->lfd);
	/* A get cut short leaves no half-written file behind. */
	if (c->tmp_made && c->op == OP_GET && c->tmp != NULL)
		(void)unlink(c->tmp);
	free(c->local);
	free(c->remote);
	free(c->tmp);
	free(c->iobuf);
	free(c->command);
	free(c->offered_list);
	free(c->where);
	buf_release(&c->tried);
	buf_release(&c->aux_err);
	free(c);
}

const struct transport transport_ssh = {
	.name = "ssh",
	.prepare = ssh_prepare,
	.release = ssh_release,
	.open = ssh_open,
	.connect = ssh_connect,
	.exec = ssh_exec,
	.put = ssh_put,
	.get = ssh_get,
	.close = ssh_close,
	.free = ssh_free,
};
