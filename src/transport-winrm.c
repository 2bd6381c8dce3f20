/*
 * The WinRM transport: Windows' WS-Management remote shell (WinRS) over
 * HTTP(S), with libcurl for HTTP and libxml2 for the SOAP answers.
 *
 * One libcurl multi handle per context (the transport's prepare state)
 * is driven by our loop through libcurl's socket API (curlloop.h, shared
 * with the HTTP client).  Nothing blocks.  Each connection has
 * one easy handle, reused for each request so that the HTTP connection
 * is kept alive between them.
 *
 * A connection is a small state machine, one HTTP request per state:
 *
 *	connect:  CREATE -> IDLE
 *	exec:     [CREATE] -> COMMAND -> [SEND] -> RECEIVE... -> SIGNAL
 *		  -> IDLE
 *	close:    [DELETE] -> closed
 *
 * connect creates the shell (WINRS_NOPROFILE, code page 65001), so that
 * it proves the address, TLS and the credentials at once; every exec on
 * the connection reuses that shell and close deletes it.  A Receive that
 * the server ends with the w:TimedOut fault (its OperationTimeout ran
 * out with nothing to say) is simply sent again.  When the command's
 * state is Done, its exit code becomes rc and a terminate Signal ends it
 * on the server, as MS-WSMV asks.  A command timeout drops the Receive
 * in flight, sends the terminate Signal and fails with TP_TIMEOUT.
 *
 * Limits, because the server is not trusted: a response body is capped
 * at WINRM_RESP_MAX (the host fails with "response too large"), a
 * request never exceeds the MaxEnvelopeSize of old Windows (150 KiB), and
 * every request has a deadline: the connect timeout for the TCP and TLS
 * set-up, the operation timeout plus a margin for the whole exchange, so
 * a server that never answers fails the host instead of holding it.
 * The XML is parsed without network access, without entity expansion,
 * and a document type declaration is refused; elements are matched by
 * namespace URI, never by prefix.
 *
 * Security: https with certificate verification unless the inventory
 * says winrm.insecure_skip_verify; plain http only with
 * winrm.allow_unencrypted (WinRM's own message encryption is not
 * implemented).  Basic auth, or Negotiate (Kerberos through libcurl's
 * GSS-API); the password comes from winrm.password_env, then
 * winrm.password_file, then the run's password, lives in a wiped buffer
 * and never reaches a message or a URL.
 *
 * Large requests: stdin goes out in as many Send requests as it takes,
 * each sized to the host's MaxEnvelopeSize.  That size is read from the
 * host's WinRM configuration (a WS-Transfer Get) the first time a
 * request could outgrow 150 KiB; when the user may not read it (only
 * administrators may), 150 KiB it stays.
 *
 * put and get run PowerShell scripts over the same shell.  put streams
 * the file to the script's stdin as lines of base64 and ends with a
 * trailer "end SHA256 SIZE"; the script writes a temporary file beside
 * the target, compares its own hash and size with the trailer, and only
 * then renames it into place (Move-Item -Force, which replaces an
 * existing file).  get is the mirror image: the script prints the file
 * as base64 lines and the trailer, and we write a temporary local file,
 * check the trailer against what arrived, sync and rename.  In both,
 * %VAR% in the remote path is expanded on the host.
 *
 * An encoded PowerShell command (winrm_ps_command()) longer than cmd.exe
 * accepts (8191 characters) is uploaded as a script to %TEMP% with put's
 * machinery, run with -File, and removed with del when it is over
 * (left behind only when the command times out or the host is lost).
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sodium.h>

#include "base64.h"
#include "buf.h"
#include "curlloop.h"
#include "diag.h"
#include "errors.h"
#include "transport-winrm.h"
#include "transport.h"
#include "xmalloc.h"

#define WINRM_RESP_MAX		(8UL * 1024 * 1024)
#define WINRM_ENVELOPE		153600		/* MaxEnvelopeSize we send */
#define WINRM_REQ_MAX		153600		/* old Windows' limit */
#define WINRM_MARGIN_MS		5000		/* over OperationTimeout */
#define WINRM_OP_TIMEOUT	60000		/* ms, the default */
#define WINRM_SIGNAL_TIMEOUT	5000		/* ms, for an abort */
#define WINRM_SECRET_MAX	4096
#define WINRM_ID_MAX		128
#define WINRM_MSG_MAX		400		/* of a fault's text */
#define WINRM_CLIXML_MAX	(1024UL * 1024)	/* stderr held to decode */
#define WINRM_TIMED_OUT		"2150858793"
#define WINRM_ENVELOPE_MAX	(4UL * 1024 * 1024)	/* we accept */
#define WINRM_CMDLINE_MAX	8191		/* cmd.exe's line */
#define WINRM_LINE_RAW		12288		/* bytes per base64 line */
#define WINRM_LINE_MAX		65536		/* a line of get's output */
#define WINRM_KEEP_MAX		65536		/* put/get output kept */
#define WINRM_NEED_CONFIG	65536		/* input that asks the size */
#define PS_PREFIX		"powershell -NoProfile -NonInteractive " \
				"-EncodedCommand "

#define NS_SOAP		"http://www.w3.org/2003/05/soap-envelope"
#define NS_ADDR		"http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define NS_WSMAN	"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
#define NS_WSMV		"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
#define NS_SHELL	"http://schemas.microsoft.com/wbem/wsman/1/windows/" \
			"shell"
#define NS_FAULT	"http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
#define NS_WMIERR	"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/" \
			"MSFT_WmiError"
#define NS_PSH		"http://schemas.microsoft.com/powershell/2004/04"
#define NS_CONFIG	"http://schemas.microsoft.com/wbem/wsman/1/config"

#define ACT_TRANSFER	"http://schemas.xmlsoap.org/ws/2004/09/transfer/"
#define ACT_SHELL	NS_SHELL "/"
#define SHELL_URI	NS_SHELL "/cmd"
#define STATE_DONE	NS_SHELL "/CommandState/Done"
#define SIGNAL_TERM	NS_SHELL "/signal/terminate"
#define ANONYMOUS	NS_ADDR "/role/anonymous"

enum winrm_state_id {
	W_IDLE,
	W_CREATE,
	W_COMMAND,
	W_SEND,
	W_RECEIVE,
	W_SIGNAL,
	W_DELETE,
	W_CONFIG,
};

static const char *const winrm_state_names[] = {
	[W_IDLE] = "idle",
	[W_CREATE] = "create shell",
	[W_COMMAND] = "command",
	[W_SEND] = "send",
	[W_RECEIVE] = "receive",
	[W_SIGNAL] = "signal",
	[W_DELETE] = "delete shell",
	[W_CONFIG] = "read config",
};

enum winrm_op {
	OP_NONE,
	OP_CONNECT,
	OP_EXEC,
	OP_PUT,
	OP_GET,
	OP_CLOSE,
};

/* What a command's stdin is made of. */
enum winrm_in {
	IN_NONE,
	IN_RAW,		/* the exec's input, as it is */
	IN_LINES,	/* a file or memory as base64 lines and a trailer */
};

/* What the connections of one context share. */
struct winrm_state {
	struct tp_ctx		*ctx;
	struct loop		*loop;
	struct curlloop		 cl;		/* libcurl on the loop */
};

struct winrm_conn {
	struct tp_conn		 tc;		/* first: the generic part */
	struct winrm_state	*st;
	struct loop		*loop;
	enum winrm_state_id	 state;
	enum winrm_op		 op;

	CURL			*easy;
	struct curl_slist	*hdrs;
	bool			 in_multi;
	bool			 setup;		/* easy handle configured */
	char			*url;
	char			*where;		/* "addr:port" for messages */
	const char		*auth_name;	/* "basic", "negotiate" */
	struct buf		 pw;		/* BUF_WIPE */
	int64_t			 connect_ms;
	int64_t			 op_ms;		/* OperationTimeout */
	char			 errbuf[CURL_ERROR_SIZE];
	char			 gss_err[256];	/* why Kerberos failed */

	struct buf		 req;
	struct buf		 resp;
	bool			 resp_big;	/* cut at WINRM_RESP_MAX */

	char			 shell_id[WINRM_ID_MAX];
	char			 cmd_id[WINRM_ID_MAX];
	char			*command;
	struct loop_timer	 deadline;	/* command timeout */
	bool			 aborting;
	struct buf		 clixml;	/* stderr held back to decode */
	bool			 clixml_on;
	bool			 stderr_seen;

	size_t			 envelope;	/* the host's; 0: not asked */

	/* stdin */
	enum winrm_in		 in_kind;
	const unsigned char	*in_mem;	/* IN_RAW, or IN_LINES from */
	size_t			 in_len;	/* memory */
	size_t			 in_off;
	int			 in_fd;		/* IN_LINES from a file */
	uint64_t		 in_size;	/* IN_LINES: known size */
	bool			 in_end;	/* the last Send went */
	crypto_hash_sha256_state in_sha;
	uint64_t		 in_sent;	/* raw bytes in lines so far */
	struct buf		 in_text;	/* the stdin of one Send */

	/* put, get and the upload of a script: output kept, not given */
	bool			 quiet;
	struct buf		 keep_out;
	struct buf		 keep_err;
	char			*local;
	char			*remote;
	char			*tmp;		/* get: local temporary */
	int			 out_fd;	/* get: its descriptor */
	struct buf		 line;		/* get: a partial line */
	crypto_hash_sha256_state out_sha;
	uint64_t		 out_size;
	char			*trailer;	/* get: the host's "end ..." */
	char			*bad;		/* get: the first problem */
	char			 sent[96];	/* put: our trailer */
	struct buf		 script;	/* an upload's file content */
	char			*run_after;	/* the command after upload */
	char			*del_after;	/* the command after that */
	bool			 deleting;	/* del_after runs */
	int			 saved_rc;	/* of the script, meanwhile */
};

/* One SOAP fault, its parts as text. */
struct winrm_fault {
	char	*code;		/* s:Code/s:Value */
	char	*subcode;	/* s:Code/s:Subcode/s:Value */
	char	*reason;
	char	*wsman_code;	/* WSManFault@Code or MSFT_WmiError */
	char	*message;
};

static void	 winrm_next(struct winrm_conn *);
static void	 winrm_send(struct winrm_conn *, enum winrm_state_id);
static void	 quiet_output(struct winrm_conn *, enum tp_stream_id,
		    const char *, size_t);
static void	 start_command(struct winrm_conn *);
static void	 get_line(struct winrm_conn *);
static void	 command_done(struct winrm_conn *);
static void	 winrm_deadline_fire(struct loop *, void *);
static void	 winrm_request(struct winrm_conn *, enum winrm_state_id,
		    int64_t);

/*
 * Small text helpers.
 */


/* Appends s with the five XML special characters escaped. */
static int
xml_escape(struct buf *out, const char *s)
{
	int	 r = 0;

	for (; *s != '\0' && r == 0; s++) {
		switch (*s) {
		case '&':
			r = buf_adds(out, "&amp;");
			break;
		case '<':
			r = buf_adds(out, "&lt;");
			break;
		case '>':
			r = buf_adds(out, "&gt;");
			break;
		case '"':
			r = buf_adds(out, "&quot;");
			break;
		case '\'':
			r = buf_adds(out, "&apos;");
			break;
		default:
			r = buf_addc(out, *s);
			break;
		}
	}
	return r;
}

/* A fresh "uuid:..." (version 4). */
static void
uuid_new(char out[42])
{
	unsigned char	 r[16];
	size_t		 i, n = 0;
	static const char hex[] = "0123456789ABCDEF";

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* Only an ID, not a secret: anything unique will do. */
		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(rand() & 0xff);
	}
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	memcpy(out, "uuid:", 5);
	n = 5;
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		out[n++] = hex[r[i] >> 4];
		out[n++] = hex[r[i] & 15];
	}
	out[n] = '\0';
}

/* True when s is a plausible shell or command ID, safe to copy. */
static bool
id_ok(const char *s)
{
	size_t	 n = strlen(s);

	if (n == 0 || n >= WINRM_ID_MAX)
		return false;
	return strspn(s, "0123456789abcdefABCDEF-:{}uid") == n;
}

/*
 * Collapses runs of whitespace into one space, drops leading and trailing
 * whitespace and control characters; in place.
 */
static void
tidy(char *s)
{
	char	*w = s, *start = s;
	bool	 space = false;

	for (; *s != '\0'; s++) {
		unsigned char	 ch = (unsigned char)*s;

		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			space = w != start;
			continue;
		}
		if (ch < 0x20 || ch == 0x7f)
			continue;
		if (space) {
			*w++ = ' ';
			space = false;
		}
		*w++ = *s;
	}
	*w = '\0';
}

static char *
text_dup(const char *s)
{
	char	*t;
	size_t	 n;

	if (s == NULL)
		return NULL;
	t = xstrdup(s);
	tidy(t);
	n = strlen(t);
	if (n > WINRM_MSG_MAX)
		memcpy(t + WINRM_MSG_MAX - 3, "...", 4);
	return t;
}

/*
 * XML: lookups by namespace URI and local name.
 */

static bool
is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	    n->ns != NULL && n->ns->href != NULL &&
	    strcmp((const char *)n->ns->href, ns) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

static xmlNode *
child(const xmlNode *n, const char *ns, const char *name)
{
	xmlNode	*k;

	if (n == NULL)
		return NULL;
	for (k = n->children; k != NULL; k = k->next) {
		if (is_el(k, ns, name))
			return k;
	}
	return NULL;
}

/* The first element below n (depth first), or NULL. */
static xmlNode *
find(const xmlNode *n, const char *ns, const char *name)
{
	xmlNode	*k, *f;

	if (n == NULL)
		return NULL;
	for (k = n->children; k != NULL; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(k, ns, name))
			return k;
		if ((f = find(k, ns, name)) != NULL)
			return f;
	}
	return NULL;
}

/* The text of n, or NULL; the caller frees it with free(). */
static char *
text_of(const xmlNode *n)
{
	xmlChar	*t;
	char	*s;

	if (n == NULL)
		return NULL;
	if ((t = xmlNodeGetContent(n)) == NULL)
		return NULL;
	s = xstrdup((const char *)t);
	xmlFree(t);
	return s;
}

static char *
attr_of(const xmlNode *n, const char *name)
{
	xmlChar	*t;
	char	*s;

	if (n == NULL || (t = xmlGetNoNsProp(n, (const xmlChar *)name)) ==
	    NULL)
		return NULL;
	s = xstrdup((const char *)t);
	xmlFree(t);
	return s;
}

/* Parses a response; NULL when it is not well-formed XML. */
static xmlDoc *
xml_parse(const char *data, size_t len)
{
	xmlDoc	*doc;

	if (len == 0 || len > INT32_MAX)
		return NULL;
	doc = xmlReadMemory(data, (int)len, "response", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return NULL;
	/* WinRM never sends a DTD; one can only be an attack. */
	if (doc->intSubset != NULL || doc->extSubset != NULL ||
	    xmlDocGetRootElement(doc) == NULL) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

static xmlNode *
soap_body(xmlDoc *doc)
{
	xmlNode	*root = xmlDocGetRootElement(doc);

	if (!is_el(root, NS_SOAP, "Envelope"))
		return NULL;
	return child(root, NS_SOAP, "Body");
}

static void
fault_release(struct winrm_fault *f)
{
	free(f->code);
	free(f->subcode);
	free(f->reason);
	free(f->wsman_code);
	free(f->message);
	memset(f, 0, sizeof(*f));
}

/* Reads the fault of doc into f; false when doc holds none. */
static bool
fault_parse(xmlDoc *doc, struct winrm_fault *f)
{
	xmlNode	*fault, *code, *sub, *detail, *wf, *we;
	char	*t;

	memset(f, 0, sizeof(*f));
	if ((fault = child(soap_body(doc), NS_SOAP, "Fault")) == NULL)
		return false;
	code = child(fault, NS_SOAP, "Code");
	t = text_of(child(code, NS_SOAP, "Value"));
	f->code = text_dup(t);
	free(t);
	sub = child(code, NS_SOAP, "Subcode");
	t = text_of(child(sub, NS_SOAP, "Value"));
	f->subcode = text_dup(t);
	free(t);
	t = text_of(child(child(fault, NS_SOAP, "Reason"), NS_SOAP, "Text"));
	f->reason = text_dup(t);
	free(t);
	detail = child(fault, NS_SOAP, "Detail");
	if ((wf = find(detail, NS_FAULT, "WSManFault")) != NULL) {
		t = attr_of(wf, "Code");
		f->wsman_code = text_dup(t);
		free(t);
		t = text_of(child(wf, NS_FAULT, "Message"));
		f->message = text_dup(t);
		free(t);
	} else if ((we = find(detail, NS_WMIERR, "MSFT_WmiError")) != NULL) {
		t = text_of(child(we, NS_WMIERR, "error_Code"));
		f->wsman_code = text_dup(t);
		free(t);
		t = text_of(child(we, NS_WMIERR, "Message"));
		f->message = text_dup(t);
		free(t);
	}
	return true;
}

/* The local part of a QName such as "w:TimedOut". */
static const char *
local_part(const char *q)
{
	const char	*c;

	if (q == NULL)
		return "";
	c = strrchr(q, ':');
	return c != NULL ? c + 1 : q;
}

static bool
fault_is_timeout(const struct winrm_fault *f)
{
	return (f->wsman_code != NULL &&
	    strcmp(f->wsman_code, WINRM_TIMED_OUT) == 0) ||
	    strcmp(local_part(f->subcode), "TimedOut") == 0;
}

static bool
fault_is_denied(const struct winrm_fault *f)
{
	return (f->wsman_code != NULL && strcmp(f->wsman_code, "5") == 0) ||
	    strcmp(local_part(f->subcode), "AccessDenied") == 0;
}

/*
 * The run-wide part: the multi handle and its sockets and timer.
 */

static void	 winrm_http_done(struct winrm_conn *, CURLcode);

/* A transfer off the multi handle (curlloop.h). */
static void
multi_done(void *arg, CURL *easy, void *priv, CURLcode rc)
{
	struct winrm_conn	*c = priv;

	(void)arg;
	(void)easy;
	if (c == NULL)
		return;
	c->in_multi = false;
	winrm_http_done(c, rc);
}

static void
winrm_release(void *arg)
{
	struct winrm_state	*st = arg;

	if (st == NULL)
		return;
	curlloop_release(&st->cl);
	free(st);
}

static struct winrm_state *
winrm_state_new(struct tp_ctx *ctx)
{
	static bool		 inited;
	struct winrm_state	*st;

	if (!inited) {
		xmlInitParser();
		inited = true;
	}
	st = xcalloc(1, sizeof(*st));
	st->ctx = ctx;
	st->loop = ctx->loop;
	if (curlloop_init(&st->cl, st->loop, multi_done, st) != 0) {
		curlloop_release(&st->cl);
		free(st);
		return NULL;
	}
	return st;
}

/*
 * Starts libcurl and the multi handle, and warns once about hosts whose
 * certificates will not be checked.
 */
static int
winrm_prepare(struct tp_ctx *ctx, const struct host *const *hosts,
    size_t n, void **statep, struct diags *d)
{
	size_t	 i, nskip = 0;

	*statep = NULL;
	if ((*statep = winrm_state_new(ctx)) == NULL) {
		diag_err(d, NULL, 0, 0, "cannot start libcurl");
		return LB_ERR_INTERNAL;
	}
	for (i = 0; i < n; i++) {
		if (hosts[i]->winrm.insecure_skip_verify == TRISTATE_TRUE)
			nskip++;
	}
	if (nskip > 0)
		diag_add(d, DIAG_WARNING, NULL, 0, 0, "the TLS certificates "
		    "of %zu WinRM host%s will not be verified "
		    "(winrm.insecure_skip_verify)", nskip,
		    nskip == 1 ? "" : "s");
	return 0;
}

/*
 * The connection.
 */

static void
set_state(struct winrm_conn *c, enum winrm_state_id s)
{
	/* The one place a trace of transitions would go. */
	c->state = s;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct winrm_conn	*c = arg;
	size_t			 n = size * nmemb;

	if (buf_add(&c->resp, data, n) != 0) {
		c->resp_big = true;
		return 0;	/* libcurl stops with CURLE_WRITE_ERROR */
	}
	return n;
}

static struct tp_conn *
winrm_open(struct tp_ctx *ctx, void *state, const struct host *h)
{
	struct winrm_conn	*c;

	/* A context that was not prepared gets its state now. */
	if (state == NULL) {
		if ((state = winrm_state_new(ctx)) == NULL)
			return NULL;
		ctx->state[TRANSPORT_WINRM] = state;
	}
	c = xcalloc(1, sizeof(*c));
	c->st = state;
	c->loop = ctx->loop;
	buf_init(&c->pw, WINRM_SECRET_MAX, BUF_WIPE);
	buf_init(&c->req, WINRM_REQ_MAX, 0);
	buf_init(&c->resp, WINRM_RESP_MAX, 0);
	buf_init(&c->clixml, WINRM_CLIXML_MAX, 0);
	buf_init(&c->in_text, WINRM_ENVELOPE_MAX, 0);
	buf_init(&c->keep_out, WINRM_KEEP_MAX, 0);
	buf_init(&c->keep_err, WINRM_KEEP_MAX, 0);
	buf_init(&c->line, WINRM_LINE_MAX, 0);
	buf_init(&c->script, WINRM_ENVELOPE_MAX, 0);
	c->in_fd = c->out_fd = -1;
	loop_timer_init(&c->deadline, winrm_deadline_fire, c);
	(void)h;
	return &c->tc;
}

/* The password: environment, file, the run's.  false: tp_fail()ed. */
static bool
get_password(struct winrm_conn *c)
{
	const struct winrm_opts	*o = &c->tc.host->winrm;
	const char		*v;
	int			 err;

	buf_reset(&c->pw);
	if (o->password_env != NULL && (v = getenv(o->password_env)) != NULL)
		return buf_adds(&c->pw, v) == 0;
	if (o->password_file != NULL) {
		if ((err = buf_read_file(&c->pw, o->password_file,
		    WINRM_SECRET_MAX - 1)) != 0) {
			buf_reset(&c->pw);
			tp_fail(&c->tc, TP_LOCAL, "cannot read password file "
			    "%s: %s", o->password_file, strerror(err));
			return false;
		}
		buf_chomp(&c->pw);
		return true;
	}
	if (c->tc.ctx->opt.password != NULL)
		return buf_adds(&c->pw, c->tc.ctx->opt.password) == 0;
	if (o->password_env != NULL) {
		tp_fail(&c->tc, TP_LOCAL, "no password: environment variable "
		    "%s is not set", o->password_env);
		return false;
	}
	tp_fail(&c->tc, TP_LOCAL, "no password: set winrm.password_env or "
	    "winrm.password_file");
	return false;
}

/*
 * libcurl's verbose text, seen for negotiate only: the one line that says
 * why Kerberos failed is kept.  Everything else is dropped unseen, the
 * headers above all (they carry the tokens).
 */
static int
gss_debug(CURL *e, curl_infotype type, char *data, size_t size, void *arg)
{
	static const char	 pfx[] = "gss_init_sec_context() failed: ";
	struct winrm_conn	*c = arg;
	size_t			 n;

	(void)e;
	if (type != CURLINFO_TEXT || size < sizeof(pfx) ||
	    memcmp(data, pfx, sizeof(pfx) - 1) != 0)
		return 0;
	data += sizeof(pfx) - 1;
	size -= sizeof(pfx) - 1;
	n = size < sizeof(c->gss_err) - 1 ? size : sizeof(c->gss_err) - 1;
	memcpy(c->gss_err, data, n);
	c->gss_err[n] = '\0';
	tidy(c->gss_err);
	return 0;
}

/*
 * Configures the easy handle once per connection.  Returns false with
 * the error set (tp_fail()) when the host cannot be reached as asked.
 */
static bool
winrm_setup(struct winrm_conn *c)
{
	const struct host	*h = c->tc.host;
	const struct winrm_opts	*o = &h->winrm;
	const char		*scheme, *path, *addr, *auth;
	bool			 v6;
	int			 port;
	long			 how;

	if (c->setup)
		return true;
	scheme = o->scheme != NULL ? o->scheme : "https";
	path = o->path != NULL ? o->path : "/wsman";
	auth = o->auth != NULL ? o->auth : "negotiate";
	port = o->port != INV_UNSET ? o->port :
	    strcmp(scheme, "http") == 0 ? 5985 : 5986;
	addr = h->address != NULL ? h->address : h->name;
	v6 = strchr(addr, ':') != NULL;
	if (strcmp(scheme, "http") == 0 &&
	    o->allow_unencrypted != TRISTATE_TRUE) {
		tp_fail(&c->tc, TP_LOCAL, "refusing plain http: set "
		    "winrm.allow_unencrypted: true to allow it, or use https "
		    "(lifeboat-inventory(5))");
		return false;
	}
	if (strcmp(auth, "basic") == 0)
		how = CURLAUTH_BASIC;
	else if (strcmp(auth, "negotiate") == 0 ||
	    strcmp(auth, "kerberos") == 0)
		how = CURLAUTH_NEGOTIATE;
	else {
		tp_fail(&c->tc, TP_LOCAL, "winrm.auth %s is not supported: "
		    "WinRM offers NTLM only inside negotiate; use negotiate "
		    "or basic", auth);
		return false;
	}
	if (h->user == NULL) {
		tp_fail(&c->tc, TP_LOCAL, "no user for WinRM");
		return false;
	}
	if (how == CURLAUTH_BASIC && !get_password(c))
		return false;
	c->auth_name = how == CURLAUTH_BASIC ? "basic" : "negotiate";
	if (xasprintf(&c->url, "%s://%s%s%s:%d%s%s", scheme, v6 ? "[" : "",
	    addr, v6 ? "]" : "", port, path[0] == '/' ? "" : "/", path) < 0 ||
	    xasprintf(&c->where, "%s%s%s:%d", v6 ? "[" : "", addr,
	    v6 ? "]" : "", port) < 0) {
		tp_fail(&c->tc, TP_LOCAL, "out of memory");
		return false;
	}
	c->connect_ms = c->tc.ctx->opt.connect_timeout_ms > 0 ?
	    c->tc.ctx->opt.connect_timeout_ms : o->connect_timeout_ms > 0 ?
	    o->connect_timeout_ms : TP_CONNECT_TIMEOUT_DEFAULT;
	c->op_ms = o->operation_timeout_ms > 0 ? o->operation_timeout_ms :
	    WINRM_OP_TIMEOUT;
	if ((c->easy = curl_easy_init()) == NULL) {
		tp_fail(&c->tc, TP_LOCAL, "cannot start libcurl");
		return false;
	}
	c->hdrs = curl_slist_append(NULL,
	    "Content-Type: application/soap+xml;charset=UTF-8");
	c->hdrs = curl_slist_append(c->hdrs, "Expect:");
	curl_easy_setopt(c->easy, CURLOPT_PRIVATE, (char *)c);
	curl_easy_setopt(c->easy, CURLOPT_URL, c->url);
	curl_easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, scheme);
	curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(c->easy, CURLOPT_USERAGENT, "lifeboat");
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)c->connect_ms);
	curl_easy_setopt(c->easy, CURLOPT_HTTPAUTH, how);
	if (how == CURLAUTH_NEGOTIATE) {
		/* libcurl says why GSS-API failed only as verbose text. */
		curl_easy_setopt(c->easy, CURLOPT_DEBUGFUNCTION, gss_debug);
		curl_easy_setopt(c->easy, CURLOPT_DEBUGDATA, c);
		curl_easy_setopt(c->easy, CURLOPT_VERBOSE, 1L);
	}
	curl_easy_setopt(c->easy, CURLOPT_USERNAME, h->user);
	curl_easy_setopt(c->easy, CURLOPT_PASSWORD, buf_str(&c->pw));
	curl_easy_setopt(c->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	if (o->ca_file != NULL)
		curl_easy_setopt(c->easy, CURLOPT_CAINFO, o->ca_file);
	if (o->insecure_skip_verify == TRISTATE_TRUE) {
		curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	c->setup = true;
	return true;
}

/* Forgets what put, get and an upload held; removes a partial file. */
static void
op_cleanup(struct winrm_conn *c)
{
	if (c->in_fd != -1)
		close(c->in_fd);
	c->in_fd = -1;
	if (c->out_fd != -1)
		close(c->out_fd);
	c->out_fd = -1;
	if (c->tmp != NULL)
		(void)unlink(c->tmp);
	free(c->tmp);
	free(c->local);
	free(c->remote);
	free(c->trailer);
	free(c->bad);
	free(c->run_after);
	free(c->del_after);
	c->tmp = c->local = c->remote = c->trailer = c->bad = NULL;
	c->run_after = c->del_after = NULL;
	c->deleting = false;
	c->in_kind = IN_NONE;
	c->in_mem = NULL;
	c->in_len = c->in_off = 0;
	c->in_end = false;
	c->quiet = false;
	buf_reset(&c->in_text);
	buf_reset(&c->keep_out);
	buf_reset(&c->keep_err);
	buf_reset(&c->line);
	buf_release(&c->script);
	buf_init(&c->script, WINRM_ENVELOPE_MAX, 0);
}

/* Ends the operation in flight; c may be gone afterwards. */
static void
winrm_finish(struct winrm_conn *c)
{
	loop_timer_stop(c->loop, &c->deadline);
	set_state(c, W_IDLE);
	c->op = OP_NONE;
	c->aborting = false;
	free(c->command);
	c->command = NULL;
	if (c->clixml_on) {
		struct buf	 text = BUF_INIT;

		if (winrm_clixml_decode(&text, c->clixml.data,
		    c->clixml.len) == 0)
			tp_output(&c->tc, TP_STDERR, text.data, text.len);
		else
			tp_output(&c->tc, TP_STDERR, c->clixml.data,
			    c->clixml.len);
		buf_release(&text);
	}
	buf_reset(&c->clixml);
	c->clixml_on = false;
	c->stderr_seen = false;
	op_cleanup(c);
	tp_complete(&c->tc);
}

/*
 * Envelopes.
 */

static int
env_begin(struct winrm_conn *c, const char *action, const char *resource,
    bool shell)
{
	struct buf	*b = &c->req;
	char		 id[42];

	uuid_new(id);
	buf_reset(b);
	buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<s:Envelope xmlns:s=\"" NS_SOAP "\" xmlns:a=\"" NS_ADDR "\" "
	    "xmlns:w=\"" NS_WSMAN "\" xmlns:p=\"" NS_WSMV "\" "
	    "xmlns:rsp=\"" NS_SHELL "\"><s:Header><a:To>");
	xml_escape(b, c->url);
	buf_addf(b, "</a:To><a:ReplyTo><a:Address s:mustUnderstand=\"true\">"
	    ANONYMOUS "</a:Address></a:ReplyTo><a:MessageID>%s</a:MessageID>"
	    "<a:Action s:mustUnderstand=\"true\">%s</a:Action>"
	    "<w:ResourceURI s:mustUnderstand=\"true\">%s"
	    "</w:ResourceURI><w:MaxEnvelopeSize s:mustUnderstand=\"true\">"
	    "%zu</w:MaxEnvelopeSize><w:OperationTimeout>PT%" PRId64 ".%03"
	    PRId64 "S</w:OperationTimeout><w:Locale xml:lang=\"en-US\" "
	    "s:mustUnderstand=\"false\"/><p:DataLocale xml:lang=\"en-US\" "
	    "s:mustUnderstand=\"false\"/>", id, action, resource,
	    c->envelope > 0 ? c->envelope : (size_t)WINRM_ENVELOPE,
	    c->op_ms / 1000, c->op_ms % 1000);
	if (shell) {
		buf_adds(b, "<w:SelectorSet><w:Selector Name=\"ShellId\">");
		xml_escape(b, c->shell_id);
		buf_adds(b, "</w:Selector></w:SelectorSet>");
	}
	return 0;
}

/* Closes the envelope; false (with the error set) when it is too big. */
static bool
env_end(struct winrm_conn *c)
{
	if (buf_adds(&c->req, "</s:Body></s:Envelope>") != 0) {
		tp_fail(&c->tc, TP_LOCAL, "%s request larger than %zu bytes "
		    "(the host's MaxEnvelopeSize)",
		    winrm_state_names[c->state], c->req.max);
		return false;
	}
	return true;
}

static bool
build_create(struct winrm_conn *c)
{
	env_begin(c, ACT_TRANSFER "Create", SHELL_URI, false);
	buf_adds(&c->req, "<w:OptionSet><w:Option Name=\"WINRS_NOPROFILE\">"
	    "TRUE</w:Option><w:Option Name=\"WINRS_CODEPAGE\">65001"
	    "</w:Option></w:OptionSet></s:Header><s:Body><rsp:Shell>"
	    "<rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>"
	    "stdout stderr</rsp:OutputStreams></rsp:Shell>");
	return env_end(c);
}

static bool
build_command(struct winrm_conn *c)
{
	env_begin(c, ACT_SHELL "Command", SHELL_URI, true);
	buf_adds(&c->req, "<w:OptionSet><w:Option Name=\""
	    "WINRS_CONSOLEMODE_STDIN\">TRUE</w:Option><w:Option Name=\""
	    "WINRS_SKIP_CMD_SHELL\">FALSE</w:Option></w:OptionSet>"
	    "</s:Header><s:Body><rsp:CommandLine><rsp:Command>");
	xml_escape(&c->req, c->command);
	buf_adds(&c->req, "</rsp:Command></rsp:CommandLine>");
	return env_end(c);
}

/*
 * The next raw bytes of an IN_LINES source, up to want; fewer at its
 * end.  -1 on a read error (errno set).
 */
static ssize_t
in_read(struct winrm_conn *c, unsigned char *p, size_t want)
{
	size_t	 got = 0;
	ssize_t	 n;

	if (c->in_fd == -1) {
		got = c->in_len - c->in_off < want ? c->in_len - c->in_off :
		    want;
		memcpy(p, c->in_mem + c->in_off, got);
		c->in_off += got;
		return (ssize_t)got;
	}
	while (got < want) {
		n = read(c->in_fd, p + got, want - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* "end SHA256 SIZE": what both sides of put and get compare. */
static void
trailer_of(crypto_hash_sha256_state *st, uint64_t size, char out[96])
{
	unsigned char	 h[crypto_hash_sha256_BYTES];
	char		 hex[crypto_hash_sha256_BYTES * 2 + 1];

	crypto_hash_sha256_final(st, h);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(out, 96, "end %s %" PRIu64, hex, size);
}

/*
 * Fills c->in_text with the stdin of the next Send, at most room bytes,
 * and sets c->in_end when it is the last.  false: tp_fail()ed.
 */
static bool
in_fill(struct winrm_conn *c, size_t room)
{
	unsigned char	 raw[WINRM_LINE_RAW];
	size_t		 line, take;
	ssize_t		 n;

	buf_reset(&c->in_text);
	if (c->in_kind == IN_RAW) {
		take = c->in_len - c->in_off < room ? c->in_len - c->in_off :
		    room;
		if (buf_add(&c->in_text, c->in_mem + c->in_off, take) != 0)
			return false;
		c->in_off += take;
		c->in_end = c->in_off == c->in_len;
		return true;
	}
	/* Lines of base64 (4 characters per 3 bytes) and CRLF; the
	 * trailer needs under 96. */
	line = (room - 96 - 2) / 4 * 3;
	if (line > WINRM_LINE_RAW)
		line = WINRM_LINE_RAW;
	while (c->in_text.len + (line + 2) / 3 * 4 + 2 + 96 <= room) {
		if ((n = in_read(c, raw, line)) < 0) {
			tp_fail(&c->tc, TP_LOCAL, "cannot read %s: %s",
			    c->local, strerror(errno));
			return false;
		}
		if (n > 0) {
			crypto_hash_sha256_update(&c->in_sha, raw, (size_t)n);
			c->in_sent += (uint64_t)n;
			base64_encode(&c->in_text, raw, (size_t)n);
			buf_adds(&c->in_text, "\r\n");
		}
		if ((size_t)n < line) {
			trailer_of(&c->in_sha, c->in_sent, c->sent);
			buf_addf(&c->in_text, "%s\r\n", c->sent);
			c->in_end = true;
			break;
		}
	}
	return true;
}

/*
 * A Send with as much of stdin as the envelope holds: its text is base64
 * (4 characters per 3 bytes) between the opening and closing tags.
 */
static bool
build_send(struct winrm_conn *c)
{
	static const char	 tail[] = "</rsp:Stream></rsp:Send>"
	    "</s:Body></s:Envelope>";
	size_t			 room;

	env_begin(c, ACT_SHELL "Send", SHELL_URI, true);
	buf_adds(&c->req, "</s:Header><s:Body><rsp:Send>"
	    "<rsp:Stream Name=\"stdin\" CommandId=\"");
	xml_escape(&c->req, c->cmd_id);
	room = c->req.len + sizeof(" End=\"true\">") + sizeof(tail) + 16;
	room = room < c->req.max ? (c->req.max - room) / 4 * 3 : 0;
	if (room < 4096) {
		tp_fail(&c->tc, TP_LOCAL, "the host's MaxEnvelopeSize (%zu "
		    "bytes) leaves no room for input", c->req.max);
		return false;
	}
	if (!in_fill(c, room))
		return false;
	buf_adds(&c->req, c->in_end ? "\" End=\"true\">" : "\">");
	base64_encode(&c->req, (const unsigned char *)c->in_text.data,
	    c->in_text.len);
	buf_adds(&c->req, "</rsp:Stream></rsp:Send>");
	return env_end(c);
}

/* WS-Transfer Get of the WinRM configuration, for MaxEnvelopeSizekb. */
static bool
build_config(struct winrm_conn *c)
{
	env_begin(c, ACT_TRANSFER "Get", NS_CONFIG, false);
	buf_adds(&c->req, "</s:Header><s:Body>");
	return env_end(c);
}

/*
 * The host's MaxEnvelopeSizekb from a Get answer, in bytes, between
 * 150 KiB (also when there is none) and what we accept.
 */
static size_t
envelope_of(xmlNode *body)
{
	char		*t = text_of(find(body, NS_CONFIG,
			    "MaxEnvelopeSizekb"));
	char		*end;
	unsigned long	 kb = 0;

	if (t != NULL && t[0] >= '0' && t[0] <= '9') {
		errno = 0;
		kb = strtoul(t, &end, 10);
		if (errno == ERANGE)
			kb = ULONG_MAX;
		else if (*end != '\0')
			kb = 0;
	}
	free(t);
	if (kb > WINRM_ENVELOPE_MAX / 1024)
		kb = WINRM_ENVELOPE_MAX / 1024;
	return kb * 1024 > WINRM_REQ_MAX ? kb * 1024 : WINRM_REQ_MAX;
}

static void
take_envelope(struct winrm_conn *c, xmlNode *body)
{
	c->envelope = envelope_of(body);
	c->req.max = c->envelope;
}

static bool
build_receive(struct winrm_conn *c)
{
	env_begin(c, ACT_SHELL "Receive", SHELL_URI, true);
	buf_adds(&c->req, "<w:OptionSet><w:Option Name=\""
	    "WSMAN_CMDSHELL_OPTION_KEEPALIVE\">TRUE</w:Option></w:OptionSet>"
	    "</s:Header><s:Body><rsp:Receive><rsp:DesiredStream "
	    "CommandId=\"");
	xml_escape(&c->req, c->cmd_id);
	buf_adds(&c->req, "\">stdout stderr</rsp:DesiredStream>"
	    "</rsp:Receive>");
	return env_end(c);
}

static bool
build_signal(struct winrm_conn *c)
{
	env_begin(c, ACT_SHELL "Signal", SHELL_URI, true);
	buf_adds(&c->req, "</s:Header><s:Body><rsp:Signal CommandId=\"");
	xml_escape(&c->req, c->cmd_id);
	buf_adds(&c->req, "\"><rsp:Code>" SIGNAL_TERM "</rsp:Code>"
	    "</rsp:Signal>");
	return env_end(c);
}

static bool
build_delete(struct winrm_conn *c)
{
	env_begin(c, ACT_TRANSFER "Delete", SHELL_URI, true);
	buf_adds(&c->req, "</s:Header><s:Body>");
	return env_end(c);
}

/*
 * Requests and their answers.
 */

/* Builds the request of state s and sends it; on failure, finishes. */
static void
winrm_send(struct winrm_conn *c, enum winrm_state_id s)
{
	bool		 ok = false;
	int64_t		 limit = c->op_ms + WINRM_MARGIN_MS;

	set_state(c, s);
	switch (s) {
	case W_CREATE:
		ok = build_create(c);
		break;
	case W_COMMAND:
		ok = build_command(c);
		break;
	case W_SEND:
		ok = build_send(c);
		break;
	case W_RECEIVE:
		ok = build_receive(c);
		break;
	case W_SIGNAL:
		ok = build_signal(c);
		if (c->aborting)
			limit = WINRM_SIGNAL_TIMEOUT;
		break;
	case W_DELETE:
		ok = build_delete(c);
		break;
	case W_CONFIG:
		ok = build_config(c);
		break;
	case W_IDLE:
		break;
	}
	if (!ok) {
		winrm_finish(c);
		return;
	}
	winrm_request(c, s, limit);
}

static void
winrm_request(struct winrm_conn *c, enum winrm_state_id s, int64_t limit)
{
	CURLMcode	 mc;

	(void)s;
	buf_reset(&c->resp);
	c->resp_big = false;
	c->errbuf[0] = '\0';
	c->gss_err[0] = '\0';
	curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, c->req.data);
	curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE, (long)c->req.len);
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, (long)limit);
	mc = curl_multi_add_handle(c->st->cl.multi, c->easy);
	if (mc != CURLM_OK) {
		tp_fail(&c->tc, TP_LOCAL, "cannot start a request: %s",
		    curl_multi_strerror(mc));
		winrm_finish(c);
		return;
	}
	c->in_multi = true;
}

/* A libcurl error as a tp_err and a message. */
static void
fail_curl(struct winrm_conn *c, CURLcode rc)
{
	const char	*what = winrm_state_names[c->state];
	const char	*detail = c->errbuf[0] != '\0' ? c->errbuf :
			    curl_easy_strerror(rc);
	long		 oserr = 0;

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		tp_fail(&c->tc, TP_UNREACHABLE, "cannot resolve %s: %s",
		    c->where, detail);
		break;
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(c->easy, CURLINFO_OS_ERRNO, &oserr);
		tp_fail(&c->tc, oserr == ECONNREFUSED ? TP_REFUSED :
		    TP_UNREACHABLE, "cannot connect to %s: %s", c->where,
		    detail);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		tp_fail(&c->tc, TP_TIMEOUT, "no answer from %s to %s: %s",
		    c->where, what, detail);
		break;
	case CURLE_WRITE_ERROR:
		if (c->resp_big) {
			tp_fail(&c->tc, TP_PROTOCOL, "response too large from "
			    "%s to %s (more than %lu bytes)", c->where, what,
			    WINRM_RESP_MAX);
			break;
		}
		tp_fail(&c->tc, TP_PROTOCOL, "%s on %s: %s", what, c->where,
		    detail);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
		tp_fail(&c->tc, TP_PROTOCOL, "TLS with %s failed: %s",
		    c->where, detail);
		break;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		tp_fail(&c->tc, TP_PROTOCOL, "truncated response from %s to "
		    "%s: %s", c->where, what, detail);
		break;
	default:
		tp_fail(&c->tc, TP_PROTOCOL, "%s on %s failed: %s", what,
		    c->where, detail);
		break;
	}
}

/* A fault as an error; returns false when it is a Receive time-out. */
static bool
fail_fault(struct winrm_conn *c, const struct winrm_fault *f)
{
	const char	*msg = f->message != NULL && f->message[0] != '\0' ?
			    f->message : f->reason != NULL ? f->reason : "";

	if (c->state == W_RECEIVE && fault_is_timeout(f))
		return false;
	tp_fail(&c->tc, fault_is_denied(f) ? TP_AUTH : TP_PROTOCOL,
	    "WinRM fault %s%s%s%s from %s during %s: %s",
	    f->subcode != NULL ? f->subcode : f->code != NULL ? f->code :
	    "(no code)", f->wsman_code != NULL ? " (code " : "",
	    f->wsman_code != NULL ? f->wsman_code : "",
	    f->wsman_code != NULL ? ")" : "", c->where,
	    winrm_state_names[c->state], msg[0] != '\0' ? msg :
	    "(no message)");
	return true;
}

typedef void	 stream_fn(void *, enum tp_stream_id, char *, size_t);

/*
 * Reads a ReceiveResponse: fn gets each stream's decoded bytes, *done
 * says whether the command's state is Done and *rc is its exit code when
 * one came (else it is left alone).  false on bad base64.
 */
static bool
read_receive(xmlNode *rr, stream_fn *fn, void *arg, bool *done, int *rc)
{
	xmlNode		*k, *cs;
	char		*name, *text, *state, *code, *end;
	ssize_t		 n;
	bool		 ok = true;
	long		 v;

	*done = false;
	for (k = rr->children; k != NULL && ok; k = k->next) {
		if (!is_el(k, NS_SHELL, "Stream"))
			continue;
		name = attr_of(k, "Name");
		text = text_of(k);
		if (name != NULL && text != NULL) {
			if ((n = base64_decode(text)) < 0)
				ok = false;
			else if (n > 0)
				fn(arg, strcmp(name, "stderr") == 0 ?
				    TP_STDERR : TP_STDOUT, text, (size_t)n);
		}
		free(name);
		free(text);
	}
	if (!ok)
		return false;
	cs = child(rr, NS_SHELL, "CommandState");
	state = attr_of(cs, "State");
	if (state != NULL && strcmp(state, STATE_DONE) == 0) {
		*done = true;
		code = text_of(child(cs, NS_SHELL, "ExitCode"));
		if (code != NULL) {
			errno = 0;
			v = strtol(code, &end, 10);
			if (errno == 0 && end != code && v >= INT32_MIN &&
			    v <= UINT32_MAX)
				*rc = (int)v;	/* 4294967295 is -1 */
		}
		free(code);
	}
	free(state);
	return true;
}

/* Output for the caller, CLIXML on stderr held back to be decoded. */
static void
deliver(void *arg, enum tp_stream_id id, char *text, size_t n)
{
	struct winrm_conn	*c = arg;

	if (c->quiet) {
		quiet_output(c, id, text, n);
		return;
	}
	if (id == TP_STDERR && !c->stderr_seen) {
		c->stderr_seen = true;
		c->clixml_on = n >= 9 && memcmp(text, "#< CLIXML", 9) == 0;
	}
	if (id == TP_STDERR && c->clixml_on &&
	    buf_add(&c->clixml, text, n) != 0) {
		/* Too big to decode: give it as it is. */
		tp_output(&c->tc, TP_STDERR, c->clixml.data, c->clixml.len);
		buf_reset(&c->clixml);
		c->clixml_on = false;
	}
	if (id == TP_STDOUT || !c->clixml_on)
		tp_output(&c->tc, id, text, n);
}

/* The output of one Receive response; false on a bad response. */
static bool
take_output(struct winrm_conn *c, xmlNode *rr, bool *done)
{
	if (!read_receive(rr, deliver, c, done, &c->tc.res->rc)) {
		tp_fail(&c->tc, TP_PROTOCOL, "bad base64 in the output from %s",
		    c->where);
		return false;
	}
	return true;
}

/* Copies the text of the first name element into out. */
static bool
take_id(xmlNode *body, const char *ns, const char *name, const char *attr,
    char out[WINRM_ID_MAX])
{
	xmlNode	*n;
	char	*t, *a;

	if (attr == NULL)
		n = find(body, ns, name);
	else {
		/* The Selector whose Name is attr. */
		for (n = find(body, ns, name); n != NULL; n = n->next) {
			if (!is_el(n, ns, name))
				continue;
			a = attr_of(n, "Name");
			if (a != NULL && strcmp(a, attr) == 0) {
				free(a);
				break;
			}
			free(a);
		}
	}
	if ((t = text_of(n)) == NULL)
		return false;
	tidy(t);
	if (!id_ok(t)) {
		free(t);
		return false;
	}
	snprintf(out, WINRM_ID_MAX, "%s", t);
	free(t);
	return true;
}

/* The response to the request of c->state has come. */
static void
winrm_http_done(struct winrm_conn *c, CURLcode rc)
{
	struct winrm_fault	 f;
	xmlDoc			*doc = NULL;
	xmlNode			*body;
	long			 status = 0;
	bool			 done;

	if (c->aborting && c->state != W_SIGNAL)
		return;
	if (rc != CURLE_OK) {
		if (c->state == W_DELETE || (c->state == W_SIGNAL &&
		    c->aborting)) {
			/* Best effort: the shell times out on its own. */
			winrm_finish(c);
			return;
		}
		fail_curl(c, rc);
		winrm_finish(c);
		return;
	}
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status == 401) {
		if (strcmp(c->auth_name, "basic") == 0)
			tp_fail(&c->tc, TP_AUTH, "basic auth as %s rejected by "
			    "%s", c->tc.host->user, c->where);
		else if (c->gss_err[0] != '\0')
			tp_fail(&c->tc, TP_AUTH, "negotiate auth rejected by "
			    "%s: Kerberos: %s", c->where, c->gss_err);
		else
			tp_fail(&c->tc, TP_AUTH, "negotiate auth rejected by "
			    "%s: the host refused the Kerberos ticket (klist "
			    "shows which there are)", c->where);
		winrm_finish(c);
		return;
	}
	if (status != 200 && status != 500) {
		tp_fail(&c->tc, TP_PROTOCOL, "HTTP status %ld from %s to %s",
		    status, c->where, winrm_state_names[c->state]);
		winrm_finish(c);
		return;
	}
	if (c->state == W_CONFIG) {
		/* Only administrators may read it (others get a fault), and
		 * anything but a clean answer leaves 150 KiB. */
		if (status == 200 &&
		    (doc = xml_parse(c->resp.data, c->resp.len)) != NULL)
			take_envelope(c, soap_body(doc));
		else
			take_envelope(c, NULL);
		goto next;
	}
	if ((doc = xml_parse(c->resp.data, c->resp.len)) == NULL ||
	    (body = soap_body(doc)) == NULL) {
		if (status == 200 && c->resp.len == 0 &&
		    (c->state == W_SIGNAL || c->state == W_DELETE))
			goto next;	/* an empty answer will do here */
		tp_fail(&c->tc, TP_PROTOCOL, "malformed %sresponse from %s to "
		    "%s (HTTP %ld, %zu bytes)", c->resp.len == 0 ? "(empty) " :
		    "", c->where, winrm_state_names[c->state], status,
		    c->resp.len);
		goto fail;
	}
	if (fault_parse(doc, &f)) {
		bool	 real = fail_fault(c, &f);

		fault_release(&f);
		xmlFreeDoc(doc);
		if (!real) {
			winrm_send(c, W_RECEIVE);	/* nothing yet: again */
			return;
		}
		if (c->state == W_COMMAND || c->state == W_CREATE)
			c->shell_id[0] = c->state == W_CREATE ? '\0' :
			    c->shell_id[0];
		winrm_finish(c);
		return;
	}
	if (status != 200) {
		tp_fail(&c->tc, TP_PROTOCOL, "HTTP status 500 without a fault "
		    "from %s to %s", c->where, winrm_state_names[c->state]);
		goto fail;
	}
	switch (c->state) {
	case W_CREATE:
		if (!take_id(body, NS_WSMAN, "Selector", "ShellId",
		    c->shell_id)) {
			tp_fail(&c->tc, TP_PROTOCOL, "no shell ID in the "
			    "answer from %s", c->where);
			goto fail;
		}
		break;
	case W_COMMAND:
		if (!take_id(body, NS_SHELL, "CommandId", NULL, c->cmd_id)) {
			tp_fail(&c->tc, TP_PROTOCOL, "no command ID in the "
			    "answer from %s", c->where);
			goto fail;
		}
		break;
	case W_RECEIVE:
		body = child(body, NS_SHELL, "ReceiveResponse");
		if (body == NULL) {
			tp_fail(&c->tc, TP_PROTOCOL, "no ReceiveResponse in "
			    "the answer from %s", c->where);
			goto fail;
		}
		if (!take_output(c, body, &done))
			goto fail;
		xmlFreeDoc(doc);
		winrm_send(c, done ? W_SIGNAL : W_RECEIVE);
		return;
	default:
		break;
	}
next:
	xmlFreeDoc(doc);
	winrm_next(c);
	return;
fail:
	xmlFreeDoc(doc);
	winrm_finish(c);
}

/*
 * put, get and long scripts.
 */

/* The PowerShell scripts; @PATH@ and @SUFFIX@ are filled in. */
static const char put_script[] =
    "# lifeboat put: stdin is base64 lines, then \"end SHA256 SIZE\"\n"
    "begin {\n"
    "$ErrorActionPreference = 'Stop'\n"
    "$ProgressPreference = 'SilentlyContinue'\n"
    "$dst = [Environment]::ExpandEnvironmentVariables('@PATH@')\n"
    "if (Test-Path -LiteralPath $dst -PathType Container) "
    "{ throw \"$dst is a directory\" }\n"
    "$dst = [IO.Path]::GetFullPath($dst)\n"
    "$tmp = [IO.Path]::Combine([IO.Path]::GetDirectoryName($dst), "
    "'.' + [IO.Path]::GetFileName($dst) + '.lifeboat-@SUFFIX@')\n"
    "$f = [IO.File]::Open($tmp, 'CreateNew', 'Write', 'None')\n"
    "$h = [Security.Cryptography.SHA256]::Create()\n"
    "$n = [long]0\n"
    "$end = $null\n"
    "}\n"
    "process {\n"
    "try {\n"
    "if ($end -ne $null) { throw 'data after the trailer' }\n"
    "if ($_.StartsWith('end ')) { $end = $_; return }\n"
    "$b = [Convert]::FromBase64String($_)\n"
    "$f.Write($b, 0, $b.Length)\n"
    "[void]$h.TransformBlock($b, 0, $b.Length, $null, 0)\n"
    "$n += $b.Length\n"
    "} catch { $f.Dispose(); Remove-Item -LiteralPath $tmp -Force "
    "-ErrorAction SilentlyContinue; throw }\n"
    "}\n"
    "end {\n"
    "$f.Dispose()\n"
    "[void]$h.TransformFinalBlock((New-Object byte[] 0), 0, 0)\n"
    "$got = 'end ' + (($h.Hash | ForEach-Object { $_.ToString('x2') }) "
    "-join '') + ' ' + $n\n"
    "if ($end -ne $got) { Remove-Item -LiteralPath $tmp -Force; "
    "throw \"damaged in transit: sent $end, received $got\" }\n"
    "Move-Item -LiteralPath $tmp -Destination $dst -Force\n"
    "Write-Output $got\n"
    "}\n";

static const char get_script[] =
    "# lifeboat get: stdout is base64 lines, then \"end SHA256 SIZE\"\n"
    "$ErrorActionPreference = 'Stop'\n"
    "$ProgressPreference = 'SilentlyContinue'\n"
    "$src = [Environment]::ExpandEnvironmentVariables('@PATH@')\n"
    "$f = [IO.File]::Open($src, 'Open', 'Read', 'ReadWrite')\n"
    "try {\n"
    "$h = [Security.Cryptography.SHA256]::Create()\n"
    "$b = New-Object byte[] 12288\n"
    "$n = [long]0\n"
    "$o = [Console]::Out\n"
    "while (($r = $f.Read($b, 0, $b.Length)) -gt 0) {\n"
    "$o.WriteLine([Convert]::ToBase64String($b, 0, $r))\n"
    "[void]$h.TransformBlock($b, 0, $r, $null, 0)\n"
    "$n += $r\n"
    "}\n"
    "[void]$h.TransformFinalBlock($b, 0, 0)\n"
    "$o.WriteLine('end ' + (($h.Hash | ForEach-Object "
    "{ $_.ToString('x2') }) -join '') + ' ' + $n)\n"
    "} finally { $f.Dispose() }\n";

/*
 * Appends s for a single-quoted PowerShell string: quotes doubled, the
 * typographic ones too (PowerShell takes U+2018..U+201B for quotes).
 * false when s has a control character, which no path has.
 */
static bool
ps_quote(struct buf *out, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if (*p == '\'')
			buf_addc(out, '\'');
		else if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x98 &&
		    p[2] <= 0x9b)
			buf_add(out, p, 3);
		buf_addc(out, (char)*p);
	}
	return true;
}

/* A script with @PATH@ and @SUFFIX@ filled in, as a command line. */
static bool
script_command(struct winrm_conn *c, const char *tmpl, const char *path,
    const char *what)
{
	struct buf	 b = BUF_INIT, cmd = BUF_INIT;
	const char	*p, *at;
	char		 id[42];
	bool		 ok = true;

	uuid_new(id);
	for (p = tmpl; (at = strchr(p, '@')) != NULL; ) {
		buf_add(&b, p, (size_t)(at - p));
		if (strncmp(at, "@PATH@", 6) == 0) {
			ok = ps_quote(&b, path);
			p = at + 6;
		} else if (strncmp(at, "@SUFFIX@", 8) == 0) {
			buf_adds(&b, id + 5);	/* no "uuid:" */
			p = at + 8;
		} else {
			buf_addc(&b, '@');
			p = at + 1;
		}
	}
	buf_adds(&b, p);
	if (!ok) {
		tp_fail(&c->tc, TP_LOCAL, "cannot %s %s: a control character "
		    "in the path", what, path);
	} else if (winrm_ps_command(&cmd, b.data, b.len) != 0 ||
	    cmd.len > WINRM_CMDLINE_MAX) {
		tp_fail(&c->tc, TP_LOCAL, "cannot %s %s: the path is too "
		    "long or not UTF-8", what, path);
		ok = false;
	} else {
		free(c->command);
		c->command = buf_detach(&cmd, NULL);
	}
	buf_release(&b);
	buf_release(&cmd);
	return ok;
}

/* Sets up an upload of c->in_fd or c->in_mem to remote: put's script. */
static bool
upload_begin(struct winrm_conn *c, const char *remote)
{
	if (!script_command(c, put_script, remote, "put to"))
		return false;
	c->in_kind = IN_LINES;
	c->in_off = 0;
	c->in_end = false;
	c->in_sent = 0;
	c->sent[0] = '\0';
	crypto_hash_sha256_init(&c->in_sha);
	c->quiet = true;
	buf_reset(&c->keep_out);
	buf_reset(&c->keep_err);
	return true;
}

/* The first line of what the host said on stderr, for a message. */
static char *
stderr_line(struct winrm_conn *c)
{
	struct buf	 text = BUF_INIT;
	const char	*p, *e;
	char		*s;

	if (winrm_clixml_decode(&text, c->keep_err.data,
	    c->keep_err.len) != 0)
		buf_add(&text, c->keep_err.data, c->keep_err.len);
	p = buf_str(&text);
	for (;;) {
		p += strspn(p, " \t\r\n");
		e = p + strcspn(p, "\r\n");
		if (e > p || *p == '\0')
			break;
	}
	s = xstrndup(p, (size_t)(e - p));
	buf_release(&text);
	tidy(s);
	if (strlen(s) > WINRM_MSG_MAX)
		memcpy(s + WINRM_MSG_MAX - 3, "...", 4);
	return s;
}

/* Why the quiet command failed, in words, or NULL when it did not. */
static char *
quiet_failure(struct winrm_conn *c)
{
	char	*s;

	if (c->tc.res->rc == 0)
		return NULL;
	s = stderr_line(c);
	if (s[0] == '\0') {
		free(s);
		xasprintf(&s, "exit code %d", c->tc.res->rc);
	}
	return s;
}

static void
quiet_output(struct winrm_conn *c, enum tp_stream_id id, const char *p,
    size_t n)
{
	const char	*nl;
	size_t		 k;

	if (id == TP_STDERR) {
		(void)buf_add(&c->keep_err, p, n);	/* the first 64 KiB */
		return;
	}
	if (c->op != OP_GET) {
		(void)buf_add(&c->keep_out, p, n);
		return;
	}
	while (n > 0 && c->bad == NULL) {
		nl = memchr(p, '\n', n);
		k = nl != NULL ? (size_t)(nl - p) : n;
		if (buf_add(&c->line, p, k) != 0) {
			xasprintf(&c->bad, "a line of more than %d bytes",
			    WINRM_LINE_MAX);
			return;
		}
		if (nl == NULL)
			return;
		get_line(c);
		p += k + 1;
		n -= k + 1;
	}
}

/* One line of get's output: base64 for the file, or the trailer. */
static void
get_line(struct winrm_conn *c)
{
	char	*l;
	ssize_t	 n, w;
	size_t	 off;

	if (c->line.len > 0 && c->line.data[c->line.len - 1] == '\r')
		buf_truncate(&c->line, c->line.len - 1);
	if (c->line.len == 0)
		return;
	l = c->line.data;
	if (c->trailer != NULL)
		c->bad = xstrdup("output after the end of the file");
	else if (strncmp(l, "end ", 4) == 0)
		c->trailer = xstrdup(l);
	else if ((n = base64_decode(l)) < 0)
		c->bad = xstrdup("output that is not base64");
	else {
		for (off = 0; off < (size_t)n; off += (size_t)w) {
			w = write(c->out_fd, l + off, (size_t)n - off);
			if (w == -1 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w == -1) {
				xasprintf(&c->bad, "cannot write %s: %s",
				    c->tmp, strerror(errno));
				break;
			}
		}
		crypto_hash_sha256_update(&c->out_sha, (unsigned char *)l,
		    (size_t)n);
		c->out_size += (uint64_t)n;
	}
	buf_reset(&c->line);
}

/* Whether the host printed our trailer, on a line of its own. */
static bool
confirmed(struct winrm_conn *c)
{
	const char	*hit;
	size_t		 n = strlen(c->sent);

	if (n == 0)
		return false;
	hit = strstr(buf_str(&c->keep_out), c->sent);
	return hit != NULL && (hit[n] == '\0' || hit[n] == '\r' ||
	    hit[n] == '\n');
}

/* Command, with a Get of the host's envelope size first if it helps. */
static void
start_command(struct winrm_conn *c)
{
	uint64_t	 size = c->in_kind == IN_RAW ? c->in_len :
			    c->in_kind == IN_LINES ? c->in_size : 0;

	winrm_send(c, c->envelope == 0 && size > WINRM_NEED_CONFIG ?
	    W_CONFIG : W_COMMAND);
}

static void
exec_input(struct winrm_conn *c)
{
	c->in_kind = c->tc.xo.input != NULL ? IN_RAW : IN_NONE;
	c->in_mem = (const unsigned char *)c->tc.xo.input;
	c->in_len = c->tc.xo.input_len;
	c->in_off = 0;
	c->in_end = false;
}

static void
put_done(struct winrm_conn *c)
{
	char	*why = quiet_failure(c);

	if (why == NULL && !confirmed(c))
		why = xstrdup("the host did not confirm the upload");
	if (why != NULL) {
		tp_fail(&c->tc, TP_PROTOCOL, "cannot put %s to %s on %s: %s",
		    c->local, c->remote, c->where, why);
		free(why);
	} else
		c->tc.res->rc = 0;
	winrm_finish(c);
}

/* Syncs the temporary file and renames it into place; false: errno. */
static bool
get_keep(struct winrm_conn *c)
{
	int	 fd = c->out_fd;

	c->out_fd = -1;
	if (fsync(fd) == -1) {
		int	 err = errno;

		close(fd);
		errno = err;
		return false;
	}
	if (close(fd) == -1 || rename(c->tmp, c->local) == -1)
		return false;
	free(c->tmp);
	c->tmp = NULL;
	return true;
}

static void
get_done(struct winrm_conn *c)
{
	char		 mine[96];
	char		*why;
	enum tp_err	 err = TP_PROTOCOL;

	if (c->line.len > 0 && c->bad == NULL)
		get_line(c);
	if ((why = quiet_failure(c)) == NULL && c->bad != NULL)
		why = xstrdup(c->bad);
	if (why == NULL && c->trailer == NULL)
		why = xstrdup("the output ended before the file did");
	if (why == NULL) {
		trailer_of(&c->out_sha, c->out_size, mine);
		if (strcmp(mine, c->trailer) != 0)
			xasprintf(&why, "damaged in transit: the host sent "
			    "\"%s\", %s arrived", c->trailer, mine);
	}
	if (why == NULL && !get_keep(c)) {
		xasprintf(&why, "%s", strerror(errno));
		err = TP_LOCAL;
	}
	if (why != NULL) {
		tp_fail(&c->tc, err, "cannot get %s from %s into %s: %s",
		    c->remote, c->where, c->local, why);
		free(why);
	} else
		c->tc.res->rc = 0;
	winrm_finish(c);
}

/* The upload of a long script is over: run it, then remove it. */
static void
upload_done(struct winrm_conn *c)
{
	char	*why = quiet_failure(c);

	if (why == NULL && !confirmed(c))
		why = xstrdup("the host did not confirm the upload");
	if (why != NULL) {
		tp_fail(&c->tc, TP_PROTOCOL, "cannot upload the script to %s "
		    "on %s: %s", c->remote, c->where, why);
		free(why);
		winrm_finish(c);
		return;
	}
	free(c->command);
	c->command = c->run_after;
	c->run_after = NULL;
	c->quiet = false;
	c->tc.res->rc = -1;
	exec_input(c);
	winrm_send(c, W_COMMAND);
}

/* After the last Signal of a command. */
static void
command_done(struct winrm_conn *c)
{
	if (c->tc.res->err != TP_OK) {
		winrm_finish(c);
		return;
	}
	switch (c->op) {
	case OP_PUT:
		put_done(c);
		return;
	case OP_GET:
		get_done(c);
		return;
	case OP_EXEC:
		if (c->run_after != NULL) {
			upload_done(c);
			return;
		}
		if (c->del_after != NULL) {
			/* The script ran; its output is given.  Now del. */
			c->saved_rc = c->tc.res->rc;
			free(c->command);
			c->command = c->del_after;
			c->del_after = NULL;
			c->deleting = true;
			c->quiet = true;
			c->in_kind = IN_NONE;
			winrm_send(c, W_COMMAND);
			return;
		}
		if (c->deleting)
			c->tc.res->rc = c->saved_rc;
		break;
	default:
		break;
	}
	winrm_finish(c);
}

/*
 * Characters of a command line as cmd.exe counts them (UTF-16 units):
 * UTF-8 lead bytes, and two for a 4-byte sequence.
 */
static size_t
cmdline_units(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = 0;

	for (; *p != '\0'; p++) {
		if ((*p & 0xc0) != 0x80)
			n++;
		if ((*p & 0xf8) == 0xf0)
			n++;
	}
	return n;
}

/*
 * An encoded PowerShell command too long for cmd.exe: upload its script
 * to %TEMP% (UTF-16LE with a byte order mark, as PowerShell reads it),
 * run it with -File, then delete it with del.  (A script cannot remove
 * itself first thing: a param() block must come first.)
 */
static bool
long_script(struct winrm_conn *c, const char *command)
{
	static const size_t	 plen = sizeof(PS_PREFIX) - 1;
	char			*b64, id[42];
	ssize_t			 n;

	if (strncmp(command, PS_PREFIX, plen) != 0) {
		tp_fail(&c->tc, TP_LOCAL, "the command line has %zu "
		    "characters; cmd.exe takes at most %d (a longer script "
		    "must be PowerShell, given as %s...)",
		    cmdline_units(command), WINRM_CMDLINE_MAX, PS_PREFIX);
		return false;
	}
	b64 = xstrdup(command + plen);
	if ((n = base64_decode(b64)) < 0 || n % 2 != 0) {
		free(b64);
		tp_fail(&c->tc, TP_LOCAL, "the encoded PowerShell command is "
		    "not base64 of UTF-16LE");
		return false;
	}
	buf_reset(&c->script);
	buf_add(&c->script, "\xff\xfe", 2);
	if (buf_add(&c->script, b64, (size_t)n) != 0) {
		free(b64);
		tp_fail(&c->tc, TP_LOCAL, "the PowerShell script is larger "
		    "than %zu bytes", c->script.max);
		return false;
	}
	free(b64);
	uuid_new(id);
	xasprintf(&c->remote, "%%TEMP%%\\lifeboat-%s.ps1", id + 5);
	xasprintf(&c->run_after, "powershell -NoProfile -NonInteractive "
	    "-ExecutionPolicy Bypass -File \"%s\"", c->remote);
	xasprintf(&c->del_after, "del /f /q \"%s\"", c->remote);
	c->in_fd = -1;
	c->in_mem = (const unsigned char *)c->script.data;
	c->in_len = c->in_size = c->script.len;
	return upload_begin(c, c->remote);
}

/* After a successful request: the next one of the operation, or done. */
static void
winrm_next(struct winrm_conn *c)
{
	switch (c->state) {
	case W_CREATE:
		if (c->op == OP_CONNECT)
			winrm_finish(c);
		else
			start_command(c);
		break;
	case W_CONFIG:
		winrm_send(c, W_COMMAND);
		break;
	case W_COMMAND:
		winrm_send(c, c->in_kind != IN_NONE ? W_SEND : W_RECEIVE);
		break;
	case W_SEND:
		winrm_send(c, c->in_end ? W_RECEIVE : W_SEND);
		break;
	case W_DELETE:
		c->shell_id[0] = '\0';
		winrm_finish(c);
		break;
	case W_SIGNAL:
	default:
		c->cmd_id[0] = '\0';
		command_done(c);
		break;
	}
}

static void
winrm_deadline_fire(struct loop *loop, void *arg)
{
	struct winrm_conn	*c = arg;
	int64_t			 ms = c->tc.xo.timeout_ms;

	(void)loop;
	tp_fail(&c->tc, TP_TIMEOUT, "command timed out after %g s",
	    (double)ms / 1000);
	if (c->in_multi) {
		curl_multi_remove_handle(c->st->cl.multi, c->easy);
		c->in_multi = false;
	}
	if (c->cmd_id[0] == '\0') {
		winrm_finish(c);
		return;
	}
	c->aborting = true;
	winrm_send(c, W_SIGNAL);
}

/*
 * The operations.
 */

static void
winrm_connect(struct tp_conn *tc)
{
	struct winrm_conn	*c = (struct winrm_conn *)tc;

	c->op = OP_CONNECT;
	if (!winrm_setup(c)) {
		c->op = OP_NONE;
		tp_complete_later(tc);
		return;
	}
	if (c->shell_id[0] != '\0') {
		c->op = OP_NONE;
		tp_complete_later(tc);
		return;
	}
	winrm_send(c, W_CREATE);
}

/* An operation that failed before its first request. */
static void
op_failed(struct winrm_conn *c)
{
	c->op = OP_NONE;
	op_cleanup(c);
	tp_complete_later(&c->tc);
}

/* The first request of exec, put or get: the shell, if there is none. */
static void
op_begin(struct winrm_conn *c)
{
	if (c->shell_id[0] == '\0')
		winrm_send(c, W_CREATE);
	else
		start_command(c);
}

static void
winrm_exec(struct tp_conn *tc, const char *command)
{
	struct winrm_conn	*c = (struct winrm_conn *)tc;

	c->op = OP_EXEC;
	if (!winrm_setup(c)) {
		op_failed(c);
		return;
	}
	c->cmd_id[0] = '\0';
	if (cmdline_units(command) <= WINRM_CMDLINE_MAX) {
		c->command = xstrdup(command);
		exec_input(c);
	} else if (!long_script(c, command)) {
		op_failed(c);
		return;
	}
	if (tc->xo.timeout_ms > 0)
		loop_timer_start(c->loop, &c->deadline, tc->xo.timeout_ms);
	op_begin(c);
}

/*
 * Writes local to remote.  Windows has ACLs, not modes: the file gets
 * those its folder passes on, whatever mode says.
 */
static void
winrm_put(struct tp_conn *tc, const char *local, const char *remote,
    int mode)
{
	struct winrm_conn	*c = (struct winrm_conn *)tc;
	struct stat		 sb;

	(void)mode;
	c->op = OP_PUT;
	if (!winrm_setup(c)) {
		op_failed(c);
		return;
	}
	c->local = xstrdup(local);
	c->remote = xstrdup(remote);
	if ((c->in_fd = open(local, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(c->in_fd, &sb) == -1) {
		tp_fail(tc, TP_LOCAL, "cannot read %s: %s", local,
		    strerror(errno));
		op_failed(c);
		return;
	}
	if (!S_ISREG(sb.st_mode)) {
		tp_fail(tc, TP_LOCAL, "cannot put %s: not a regular file",
		    local);
		op_failed(c);
		return;
	}
	c->in_size = (uint64_t)sb.st_size;
	if (!upload_begin(c, remote)) {
		op_failed(c);
		return;
	}
	op_begin(c);
}

/* Reads remote into a temporary file beside local, then renames it. */
static void
winrm_get(struct tp_conn *tc, const char *remote, const char *local)
{
	struct winrm_conn	*c = (struct winrm_conn *)tc;
	const char		*slash;
	char			 id[42];

	c->op = OP_GET;
	if (!winrm_setup(c)) {
		op_failed(c);
		return;
	}
	c->local = xstrdup(local);
	c->remote = xstrdup(remote);
	if (!script_command(c, get_script, remote, "get")) {
		op_failed(c);
		return;
	}
	uuid_new(id);
	slash = strrchr(local, '/');
	xasprintf(&c->tmp, "%.*s.%s.lifeboat-%.8s",
	    slash != NULL ? (int)(slash - local + 1) : 0, local,
	    slash != NULL ? slash + 1 : local, id + 5);
	c->out_fd = open(c->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0666);
	if (c->out_fd == -1) {
		tp_fail(tc, TP_LOCAL, "cannot create %s: %s", c->tmp,
		    strerror(errno));
		free(c->tmp);
		c->tmp = NULL;
		op_failed(c);
		return;
	}
	crypto_hash_sha256_init(&c->out_sha);
	c->out_size = 0;
	c->quiet = true;
	c->in_kind = IN_NONE;
	op_begin(c);
}

static void
winrm_close(struct tp_conn *tc)
{
	struct winrm_conn	*c = (struct winrm_conn *)tc;

	c->op = OP_CLOSE;
	if (c->shell_id[0] == '\0' || c->easy == NULL) {
		c->op = OP_NONE;
		tp_complete_later(tc);
		return;
	}
	winrm_send(c, W_DELETE);
}

static void
winrm_free(struct tp_conn *tc)
{
	struct winrm_conn	*c = (struct winrm_conn *)tc;

	loop_timer_stop(c->loop, &c->deadline);
	if (c->easy != NULL) {
		if (c->in_multi)
			curl_multi_remove_handle(c->st->cl.multi, c->easy);
		curl_easy_cleanup(c->easy);
	}
	curl_slist_free_all(c->hdrs);
	free(c->url);
	free(c->where);
	free(c->command);
	buf_release(&c->pw);
	buf_release(&c->req);
	buf_release(&c->resp);
	op_cleanup(c);
	buf_release(&c->clixml);
	buf_release(&c->in_text);
	buf_release(&c->keep_out);
	buf_release(&c->keep_err);
	buf_release(&c->line);
	buf_release(&c->script);
	free(c);
}

const struct transport transport_winrm = {
	.name = "winrm",
	.prepare = winrm_prepare,
	.release = winrm_release,
	.open = winrm_open,
	.connect = winrm_connect,
	.exec = winrm_exec,
	.put = winrm_put,
	.get = winrm_get,
	.close = winrm_close,
	.free = winrm_free,
};

/*
 * Reading a response without a connection: for the tests and the fuzzer.
 */

static void
count_bytes(void *arg, enum tp_stream_id id, char *text, size_t n)
{
	uint64_t	*total = arg;

	(void)text;
	total[id] += n;
}

int
winrm_read_response(const char *data, size_t len, struct buf *out)
{
	struct winrm_fault	 f;
	xmlDoc			*doc;
	xmlNode			*body, *rr;
	char			 id[WINRM_ID_MAX];
	uint64_t		 total[2] = { 0, 0 };
	bool			 done;
	int			 rc = -1;

	if ((doc = xml_parse(data, len)) == NULL)
		return LB_ERR_FORMAT;
	if ((body = soap_body(doc)) == NULL) {
		xmlFreeDoc(doc);
		return LB_ERR_FORMAT;
	}
	if (fault_parse(doc, &f)) {
		buf_addf(out, "fault %s code %s%s%s: %s\n",
		    f.subcode != NULL ? f.subcode : f.code != NULL ? f.code :
		    "-", f.wsman_code != NULL ? f.wsman_code : "-",
		    fault_is_timeout(&f) ? " timeout" : "",
		    fault_is_denied(&f) ? " denied" : "",
		    f.message != NULL ? f.message : f.reason != NULL ?
		    f.reason : "");
		fault_release(&f);
	}
	if (take_id(body, NS_WSMAN, "Selector", "ShellId", id))
		buf_addf(out, "shell %s\n", id);
	if (take_id(body, NS_SHELL, "CommandId", NULL, id))
		buf_addf(out, "command %s\n", id);
	if ((rr = child(body, NS_SHELL, "ReceiveResponse")) != NULL) {
		if (!read_receive(rr, count_bytes, total, &done, &rc))
			buf_adds(out, "receive: bad base64\n");
		else
			buf_addf(out, "receive stdout %" PRIu64 " stderr %"
			    PRIu64 " %s rc %d\n", total[TP_STDOUT],
			    total[TP_STDERR], done ? "done" : "running", rc);
	}
	if (find(body, NS_CONFIG, "MaxEnvelopeSizekb") != NULL)
		buf_addf(out, "envelope %zu\n", envelope_of(body));
	xmlFreeDoc(doc);
	return 0;
}

/*
 * PowerShell.
 */

int
winrm_ps_command(struct buf *out, const char *script, size_t len)
{
	return winrm_ps_command_as(out, "powershell", script, len);
}

int
winrm_ps_command_as(struct buf *out, const char *program,
    const char *script, size_t len)
{
	static const uint32_t	 least[] = { 0, 0x80, 0x800, 0x10000 };
	const unsigned char	*p = (const unsigned char *)script;
	unsigned char		*u;
	size_t			 i = 0, n = 0, start = out->len;
	uint32_t		 cp;
	int			 k, kk, r;

	/* UTF-16 never takes more units than UTF-8 takes bytes. */
	u = xreallocarray(NULL, len ? len : 1, 2);
	while (i < len) {
		if (p[i] < 0x80) {
			cp = p[i];
			k = 0;
		} else if ((p[i] & 0xe0) == 0xc0) {
			cp = p[i] & 0x1f;
			k = 1;
		} else if ((p[i] & 0xf0) == 0xe0) {
			cp = p[i] & 0x0f;
			k = 2;
		} else if ((p[i] & 0xf8) == 0xf0) {
			cp = p[i] & 0x07;
			k = 3;
		} else
			goto bad;
		for (kk = k, i++; k > 0; k--, i++) {
			if (i >= len || (p[i] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* Overlong forms could hide a character from checks. */
		if (cp < least[kk] || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			u[n++] = (unsigned char)((0xd800 | cp >> 10) & 0xff);
			u[n++] = (unsigned char)((0xd800 | cp >> 10) >> 8);
			cp = 0xdc00 | (cp & 0x3ff);
		}
		u[n++] = (unsigned char)(cp & 0xff);
		u[n++] = (unsigned char)(cp >> 8);
	}
	r = buf_addf(out, "%s -NoProfile -NonInteractive "
	    "-EncodedCommand ", program);
	if (r == 0)
		r = base64_encode(out, u, n);
	free(u);
	if (r != 0) {
		buf_truncate(out, start);	/* no half command line */
		return LB_ERR_LIMIT;
	}
	return 0;
bad:
	free(u);
	return LB_ERR_INVALID;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Appends one code point as UTF-8. */
static int
put_utf8(struct buf *out, uint32_t cp)
{
	char	 s[4];
	size_t	 n;

	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		s[0] = (char)(0xf0 | cp >> 18);
		s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_add(out, s, n);
}

/* "_xHHHH_" at s: the code unit, or -1. */
static long
clixml_escape_at(const char *s)
{
	long	 v = 0;
	int	 i, h;

	if (s[0] != '_' || s[1] != 'x')
		return -1;
	for (i = 2; i < 6; i++) {
		if ((h = hexval((unsigned char)s[i])) < 0)
			return -1;
		v = v << 4 | h;
	}
	return s[6] == '_' ? v : -1;
}

/* Appends the text of one S element, its escapes decoded. */
static int
clixml_text(struct buf *out, const char *s)
{
	long	 u, lo;
	int	 r = 0;

	while (*s != '\0' && r == 0) {
		if ((u = clixml_escape_at(s)) < 0) {
			r = buf_addc(out, *s++);
			continue;
		}
		s += 7;
		if (u >= 0xd800 && u <= 0xdbff &&
		    (lo = clixml_escape_at(s)) >= 0xdc00 && lo <= 0xdfff) {
			s += 7;
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (u == '\r')
			continue;	/* CRLF becomes LF */
		/* No control characters for the terminal but LF and TAB. */
		if ((u < 0x20 && u != '\n' && u != '\t') ||
		    (u >= 0x7f && u <= 0x9f))
			continue;
		if (u >= 0xd800 && u <= 0xdfff)
			u = 0xfffd;
		r = put_utf8(out, (uint32_t)u);
	}
	return r;
}

int
winrm_clixml_decode(struct buf *out, const char *data, size_t len)
{
	const char	*p, *end = data + len, *next;
	size_t		 start = out->len;
	xmlDoc		*doc;
	xmlNode		*k;
	char		*s, *t;
	int		 nblocks = 0, r = 0;

	if (len < 9 || memcmp(data, "#< CLIXML", 9) != 0)
		return LB_ERR_FORMAT;
	/* One or more <Objs> documents, sometimes each with a header. */
	p = data + 9;
	while (r == 0 && (p = memmem(p, (size_t)(end - p), "<Objs", 5)) !=
	    NULL) {
		next = memmem(p, (size_t)(end - p), "</Objs>", 7);
		if (next == NULL) {
			r = LB_ERR_FORMAT;	/* cut short: show it raw */
			break;
		}
		next += 7;
		if ((doc = xml_parse(p, (size_t)(next - p))) == NULL) {
			r = LB_ERR_FORMAT;
			break;
		}
		nblocks++;
		for (k = xmlDocGetRootElement(doc)->children; k != NULL &&
		    r == 0; k = k->next) {
			if (!is_el(k, NS_PSH, "S"))
				continue;
			s = attr_of(k, "S");
			if (s != NULL && strcmp(s, "Error") == 0 &&
			    (t = text_of(k)) != NULL) {
				r = clixml_text(out, t);
				free(t);
			}
			free(s);
		}
		xmlFreeDoc(doc);
		p = next;
	}
	if (r != 0 || nblocks == 0) {
		buf_truncate(out, start);
		return LB_ERR_FORMAT;
	}
	return 0;
}
