/*
 * The terminal: curses in and out, and every way out restores it.
 *
 * In: the wide-character curses (ncursesw) on the controlling terminal,
 * raw input with keypad keys, colours unless NO_COLOR is set or the
 * terminal has none, mouse button events (not motion: with button
 * tracking only, Shift-drag still selects text in xterm-like terminals).
 *
 * Out: endwin() on a normal exit, on an error and from atexit(), so that
 * exit() anywhere (an allocation that fails) leaves a sane terminal.  A
 * crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) cannot call curses
 * safely, so the handler writes the escape sequences curses would have
 * written (prepared at start) and restores the saved termios with
 * tcsetattr(), both async-signal-safe, then dies of the same signal.
 *
 * While curses owns the screen, stderr is a temporary file: messages
 * from code that writes to stderr (diagnostics, cmd_error) cannot tear
 * the screen.  They are read from the file each frame into the log and
 * the message line, and what is left is copied to the real stderr when
 * the TUI ends, so no message is lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "tui.h"
#include "xmalloc.h"

/* After tui.h: terminfo's names (lines, columns...) are macros. */
#include <term.h>

static struct {
	bool		 active;
	bool		 atexit_set;
	int		 tty;
	struct termios	 saved;
	bool		 saved_ok;
	char		 restore[256];	/* the sequences for a crash */
	size_t		 nrestore;
	int		 real_err;	/* the real stderr, while captured */
	int		 cap;		/* the capture file */
	off_t		 cap_off;
} T = { .tty = -1, .real_err = -1, .cap = -1 };

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
    SIGABRT };

static void
add_cap(const char *name)
{
	const char	*s = tigetstr(name);
	size_t		 n;

	if (s == NULL || s == (char *)-1)
		return;
	n = strlen(s);
	if (T.nrestore + n < sizeof(T.restore)) {
		memcpy(T.restore + T.nrestore, s, n);
		T.nrestore += n;
	}
}

static void
crash(int sig)
{
	ssize_t	 w;

	if (T.active) {
		/* Mouse tracking off, the normal screen, the cursor. */
		w = write(T.tty, "\033[?1000l\033[?1002l\033[?1006l", 24);
		if (T.nrestore > 0)
			w = write(T.tty, T.restore, T.nrestore);
		(void)w;
		if (T.saved_ok)
			tcsetattr(T.tty, TCSAFLUSH, &T.saved);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
capture_stop(void)
{
	char	 b[4096];
	ssize_t	 n;

	if (T.real_err < 0)
		return;
	fflush(stderr);
	dup2(T.real_err, STDERR_FILENO);
	close(T.real_err);
	T.real_err = -1;
	/* What nobody read yet goes where it was meant to. */
	while ((n = pread(T.cap, b, sizeof b, T.cap_off)) > 0) {
		if (write(STDERR_FILENO, b, (size_t)n) < 0)
			break;
		T.cap_off += n;
	}
	close(T.cap);
	T.cap = -1;
}

static void
capture_start(void)
{
	char	 path[] = "/tmp/lifeboat-tui-XXXXXX";
	int	 fd;

	if ((fd = mkostemp(path, O_APPEND | O_CLOEXEC)) < 0)
		return;
	unlink(path);
	fflush(stderr);
	if ((T.real_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) < 0) {
		close(fd);
		return;
	}
	if (dup2(fd, STDERR_FILENO) < 0) {
		close(T.real_err);
		T.real_err = -1;
		close(fd);
		return;
	}
	T.cap = fd;
	T.cap_off = 0;
}

void
term_capture_poll(struct tui *t)
{
	char	 b[4096], *s, *nl, *save = NULL;
	ssize_t	 n;
	size_t	 used;

	if (T.cap < 0)
		return;
	fflush(stderr);
	while ((n = pread(T.cap, b, sizeof b - 1, T.cap_off)) > 0) {
		/* Whole lines only; a line longer than the buffer is cut. */
		if ((nl = memrchr(b, '\n', (size_t)n)) == NULL) {
			if (n < (ssize_t)sizeof b - 1)
				return;
			nl = b + n - 1;
		}
		used = (size_t)(nl - b) + 1;
		b[used] = '\0';
		T.cap_off += (off_t)used;
		for (s = strtok_r(b, "\n", &save); s != NULL;
		    s = strtok_r(NULL, "\n", &save)) {
			if (strncmp(s, "lifeboat: ", 10) == 0)
				s += 10;
			if (*s != '\0')
				tui_msg(t, RL_ERROR, "%s", s);
		}
	}
}

void
term_stop(void)
{
	size_t	 i;

	if (!T.active)
		return;
	T.active = false;
	mousemask(0, NULL);
	endwin();
	fflush(stdout);
	capture_stop();
	for (i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]);
	    i++)
		signal(crash_signals[i], SIG_DFL);
}

bool
term_active(void)
{
	return T.active;
}

void
term_suspend(void)
{
	if (!T.active)
		return;
	def_prog_mode();
	endwin();
	fflush(stderr);
	if (T.real_err >= 0)
		dup2(T.real_err, STDERR_FILENO);
}

void
term_resume(void)
{
	if (!T.active)
		return;
	fflush(stderr);
	if (T.cap >= 0)
		dup2(T.cap, STDERR_FILENO);
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
}

static const short role_colour[RL_MAX][2] = {
	[RL_NORMAL] = { -1, -1 },
	[RL_OK] = { COLOR_GREEN, -1 },
	[RL_CHANGED] = { COLOR_YELLOW, -1 },
	[RL_FAILED] = { COLOR_RED, -1 },
	[RL_UNREACH] = { COLOR_MAGENTA, -1 },
	[RL_RUNNING] = { COLOR_CYAN, -1 },
	[RL_BOOTLOOP] = { COLOR_YELLOW, -1 },
	[RL_DIM] = { -1, -1 },
	[RL_TITLE] = { COLOR_WHITE, COLOR_BLUE },
	[RL_TAB] = { COLOR_WHITE, COLOR_BLUE },
	[RL_TABSEL] = { COLOR_BLACK, COLOR_CYAN },
	[RL_STATUS] = { COLOR_BLACK, COLOR_WHITE },
	[RL_SELECT] = { -1, -1 },
	[RL_MATCH] = { COLOR_BLACK, COLOR_YELLOW },
	[RL_DIALOG] = { COLOR_WHITE, COLOR_BLUE },
	[RL_ERROR] = { COLOR_RED, -1 },
};

/* Without colour every role still reads: bold, reverse, underline. */
static const int role_mono[RL_MAX] = {
	[RL_NORMAL] = A_NORMAL,
	[RL_OK] = A_NORMAL,
	[RL_CHANGED] = A_NORMAL,
	[RL_FAILED] = A_BOLD,
	[RL_UNREACH] = A_BOLD | A_UNDERLINE,
	[RL_RUNNING] = A_NORMAL,
	[RL_BOOTLOOP] = A_BOLD,
	[RL_DIM] = A_DIM,
	[RL_TITLE] = A_REVERSE,
	[RL_TAB] = A_REVERSE,
	[RL_TABSEL] = A_BOLD | A_UNDERLINE,
	[RL_STATUS] = A_REVERSE,
	[RL_SELECT] = A_REVERSE,
	[RL_MATCH] = A_REVERSE | A_UNDERLINE,
	[RL_DIALOG] = A_NORMAL,
	[RL_ERROR] = A_BOLD,
};

int
term_attr(const struct tui *t, enum role r)
{
	if (r == RL_SELECT)
		return A_REVERSE;
	if (!t->color)
		return role_mono[r];
	if (r == RL_FAILED || r == RL_BOOTLOOP || r == RL_ERROR)
		return COLOR_PAIR(r) | A_BOLD;
	if (r == RL_DIM)
		return A_DIM;
	if (r == RL_NORMAL)
		return A_NORMAL;
	return COLOR_PAIR(r);
}

int
term_start(struct tui *t)
{
	struct sigaction	 sa;
	const char		*nc = getenv("NO_COLOR");
	size_t			 i;
	short			 r;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -1;
	T.tty = STDOUT_FILENO;
	T.saved_ok = tcgetattr(T.tty, &T.saved) == 0;
	if (!T.atexit_set) {
		atexit(term_stop);
		T.atexit_set = true;
	}
	/* Curses' own escapes for leaving: normal screen, cursor, attrs. */
	{
		int	 err;

		if (setupterm(NULL, T.tty, &err) == OK) {
			add_cap("rmcup");
			add_cap("cnorm");
			add_cap("sgr0");
			add_cap("rmkx");
			/* Copied: initscr() makes its own. */
			del_curterm(cur_term);
		}
	}
	capture_start();
	if (initscr() == NULL) {
		capture_stop();
		return -1;
	}
	T.active = true;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = crash;
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]);
	    i++)
		sigaction(crash_signals[i], &sa, NULL);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(1);
	leaveok(stdscr, FALSE);
	t->color = t->color && has_colors() && (nc == NULL || *nc == '\0');
	if (t->color) {
		start_color();
		use_default_colors();
		for (r = 1; r < RL_MAX; r++)
			init_pair(r, role_colour[r][0], role_colour[r][1]);
	}
	if (t->mouse) {
		mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED |
		    BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED,
		    NULL);
		mouseinterval(200);
	}
	return 0;
}

/*
 * Text.
 */

int
term_putn(const struct tui *t, int y, int x, int w, const char *s,
    size_t len, enum role r)
{
	mbstate_t	 ps;
	wchar_t		 wc;
	size_t		 i = 0, k;
	int		 used = 0, cw;
	cchar_t		 cc;
	wchar_t		 ws[2];

	if (w <= 0 || s == NULL)
		return 0;
	attrset(term_attr(t, r));
	move(y, x);
	memset(&ps, 0, sizeof ps);
	while (i < len && s[i] != '\0' && used < w) {
		unsigned char	 c = (unsigned char)s[i];

		if (c < 0x80) {
			addch(c < 0x20 || c == 0x7f ? '?' : c);
			used++;
			i++;
			continue;
		}
		if (!t->utf8) {
			addch('?');
			used++;
			i++;
			continue;
		}
		k = mbrtowc(&wc, s + i, len - i, &ps);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&ps, 0, sizeof ps);
			addch('?');
			used++;
			i++;
			continue;
		}
		cw = wcwidth(wc);
		if (cw < 0 || (cw == 0 && used == 0)) {
			wc = L'?';
			cw = 1;
		}
		if (used + cw > w)
			break;
		ws[0] = wc;
		ws[1] = L'\0';
		setcchar(&cc, ws, A_NORMAL, 0, NULL);
		add_wch(&cc);
		used += cw;
		i += k;
	}
	attrset(A_NORMAL);
	return used;
}

int
term_put(const struct tui *t, int y, int x, int w, const char *s,
    enum role r)
{
	return term_putn(t, y, x, w, s, s != NULL ? strlen(s) : 0, r);
}

void
term_fill(int y, int x, int w, enum role r, const struct tui *t)
{
	attrset(term_attr(t, r));
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

static const char *const glyph_utf8[HS_MAX] = {
	[HS_IDLE] = " ",
	[HS_PENDING] = "\xc2\xb7",		/* middle dot */
	[HS_RUNNING] = "\xe2\x96\xb6",		/* black right triangle */
	[HS_BOOTLOOP] = "\xe2\x86\xbb",		/* clockwise arrow */
	[HS_WAITING] = "\xe2\x80\xa6",		/* ellipsis */
	[HS_OK] = "\xe2\x9c\x93",		/* check mark */
	[HS_CHANGED] = "\xe2\x9c\x93",
	[HS_FAILED] = "\xe2\x9c\x97",		/* ballot x */
	[HS_UNREACHABLE] = "\xe2\x8a\x98",	/* circled slash */
	[HS_CANCELLED] = "-",
	[HS_NOTRUN] = "-",
};

static const char *const glyph_ascii[HS_MAX] = {
	[HS_IDLE] = " ",
	[HS_PENDING] = ".",
	[HS_RUNNING] = ">",
	[HS_BOOTLOOP] = "~",
	[HS_WAITING] = "w",
	[HS_OK] = "+",
	[HS_CHANGED] = "+",
	[HS_FAILED] = "X",
	[HS_UNREACHABLE] = "!",
	[HS_CANCELLED] = "-",
	[HS_NOTRUN] = "-",
};

static const char *const hstate_names[HS_MAX] = {
	[HS_IDLE] = "idle",
	[HS_PENDING] = "pending",
	[HS_RUNNING] = "running",
	[HS_BOOTLOOP] = "boot-loop",
	[HS_WAITING] = "waiting",
	[HS_OK] = "ok",
	[HS_CHANGED] = "changed",
	[HS_FAILED] = "FAILED",
	[HS_UNREACHABLE] = "UNREACHABLE",
	[HS_CANCELLED] = "cancelled",
	[HS_NOTRUN] = "not run",
};

const char *
term_glyph(const struct tui *t, enum hstate s)
{
	return t->utf8 ? glyph_utf8[s] : glyph_ascii[s];
}

const char *
term_sym(const struct tui *t, const char *utf8, const char *ascii)
{
	return t->utf8 ? utf8 : ascii;
}

const char *
hstate_name(enum hstate s)
{
	return hstate_names[s];
}

enum role
hstate_role(enum hstate s)
{
	switch (s) {
	case HS_OK:
		return RL_OK;
	case HS_CHANGED:
		return RL_CHANGED;
	case HS_FAILED:
		return RL_FAILED;
	case HS_UNREACHABLE:
		return RL_UNREACH;
	case HS_RUNNING:
	case HS_WAITING:
		return RL_RUNNING;
	case HS_BOOTLOOP:
		return RL_BOOTLOOP;
	case HS_PENDING:
	case HS_CANCELLED:
	case HS_NOTRUN:
	case HS_IDLE:
	default:
		return RL_NORMAL;
	}
}
