/*
 * The key audit log: one JSON line per recovery password shown, in
 * $XDG_STATE_HOME/lifeboat/keys-audit.log (0600), or the file named by
 * LIFEBOAT_KEYS_AUDIT_LOG.  Each line says when, who (login and uid),
 * on which machine and terminal, through which command, and which key
 * id of which host; never the password.
 *
 *	{"time":"2024-07-19T06:41:07Z","user":"alice","uid":1000,
 *	 "machine":"ops-laptop","tty":"/dev/pts/3","command":"find",
 *	 "key":"1A2B3C4D-...","host":"ams-ws017"}
 *
 * It fails closed: the caller shows a key only after keyaudit_write()
 * has put its lines on disk (one write, then fsync).
 */
#ifndef LIFEBOAT_KEYAUDIT_H
#define LIFEBOAT_KEYAUDIT_H

#include <stddef.h>

struct vault_key;

/* The log's path into buf (len bytes); 0, or -1 when there is none. */
int	 keyaudit_path(char *buf, size_t len);

/*
 * Appends one line per key (n of them) for command, in one write, and
 * syncs it.  Returns 0, or an errno value with one line in why (the
 * path and what failed); then nothing may be shown.
 */
int	 keyaudit_write(const char *command,
	    const struct vault_key *const *keys, size_t n, char *why,
	    size_t whylen);

#endif
