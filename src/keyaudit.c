/*
 * The key audit log (see keyaudit.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "buf.h"
#include "json.h"
#include "keyaudit.h"
#include "vault.h"

#define AUDIT_FILE	"keys-audit.log"

int
keyaudit_path(char *buf, size_t len)
{
	const char	*s;
	int		 n;

	if ((s = getenv("LIFEBOAT_KEYS_AUDIT_LOG")) != NULL && *s != '\0')
		n = snprintf(buf, len, "%s", s);
	else if ((s = getenv("XDG_STATE_HOME")) != NULL && *s == '/')
		n = snprintf(buf, len, "%s/lifeboat/%s", s, AUDIT_FILE);
	else if ((s = getenv("HOME")) != NULL && *s == '/')
		n = snprintf(buf, len, "%s/.local/state/lifeboat/%s", s,
		    AUDIT_FILE);
	else
		return -1;
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void
who(const char **user, char *machine, size_t mlen, const char **tty)
{
	struct passwd	*pw;

	*user = getenv("USER");
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_name != NULL)
		*user = pw->pw_name;
	if (*user == NULL)
		*user = "";
	if (gethostname(machine, mlen) != 0)
		machine[0] = '\0';
	machine[mlen - 1] = '\0';
	*tty = isatty(STDIN_FILENO) ? ttyname(STDIN_FILENO) : NULL;
}

static void
line(struct buf *b, const char *stamp, const char *user, const char *machine,
    const char *tty, const char *command, const struct vault_key *k)
{
	/* json_escape() writes the quotes too. */
	buf_adds(b, "{\"time\":\"");
	buf_adds(b, stamp);
	buf_adds(b, "\",\"user\":");
	json_escape(b, user, strlen(user));
	buf_addf(b, ",\"uid\":%lu,\"machine\":", (unsigned long)getuid());
	json_escape(b, machine, strlen(machine));
	buf_adds(b, ",\"tty\":");
	if (tty != NULL)
		json_escape(b, tty, strlen(tty));
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"command\":");
	json_escape(b, command, strlen(command));
	buf_adds(b, ",\"key\":");
	json_escape(b, k->id, strlen(k->id));
	buf_adds(b, ",\"host\":");
	json_escape(b, k->host, strlen(k->host));
	buf_adds(b, "}\n");
}

int
keyaudit_write(const char *command, const struct vault_key *const *keys,
    size_t n, char *why, size_t whylen)
{
	struct buf	 b;
	struct tm	 tm;
	time_t		 now = time(NULL);
	const char	*user, *tty;
	char		 path[4096], machine[256], stamp[32];
	size_t		 i, off;
	ssize_t		 w;
	int		 fd = -1, e = 0;

	why[0] = '\0';
	if (keyaudit_path(path, sizeof path) != 0) {
		snprintf(why, whylen, "no place for the key audit log: set "
		    "XDG_STATE_HOME or HOME");
		return ENOENT;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	who(&user, machine, sizeof machine, &tty);
	buf_init(&b, 0, 0);
	for (i = 0; i < n; i++)
		line(&b, stamp, user, machine, tty, command, keys[i]);
	(void)mkdirs_for(path, 0700);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		e = errno;
		goto out;
	}
	for (off = 0; off < b.len; off += (size_t)w) {
		w = write(fd, b.data + off, b.len - off);
		if (w < 0 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0) {
			e = w < 0 ? errno : EIO;
			goto out;
		}
	}
	if (fsync(fd) != 0)
		e = errno;
out:
	if (fd != -1 && close(fd) != 0 && e == 0)
		e = errno;
	if (e != 0)
		snprintf(why, whylen, "cannot write the key audit log %s: %s",
		    path, strerror(e));
	buf_release(&b);
	return e;
}
