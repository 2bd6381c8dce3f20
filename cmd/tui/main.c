/*
 * lifeboat tui [PLAYBOOK]: the command, its loop and its screen.
 *
 * Input is one more fd on the event loop: every key waiting is read and
 * handled in one callback, so typing never waits behind network work and
 * network work never waits behind drawing.  Anything that changes what
 * the screen shows calls tui_dirty(), which arms the frame timer no
 * sooner than TUI_FRAME_MS after the last frame: at most 20 frames a
 * second however many events 10,000 hosts send, and none when nothing
 * changed.  A frame draws only the rows on the screen, and curses sends
 * only the cells that differ.
 *
 * The screen: the views' tabs on the first line, the view, a status bar
 * (inventory, run, counts, time since the run began), and a last line
 * for the prompt, a message or the keys of the view.  The hardware
 * cursor is left on the focused row, where screen readers look.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "diag.h"
#include "tui.h"
#include "xmalloc.h"

#define MSG_MS		8000	/* a message stays this long */

static const struct view_ops *const view_ops[V_MAX] = {
	[V_FLEET] = &view_fleet_ops,
	[V_RUN] = &view_run_ops,
	[V_CHECKLIST] = &view_checklist_ops,
	[V_LOG] = &view_log_ops,
	[V_KEYS] = &view_keys_ops,
	[V_HOST] = &view_host_ops,
	[V_TEXT] = &view_text_ops,
	[V_HELP] = &view_help_ops,
};

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

/*
 * Views.
 */

static void
leave_view(struct tui *t)
{
	/* A recovery key leaves the screen with its view. */
	if (t->cur == V_KEYS && t->views[V_KEYS].pg.nlines > 0)
		pager_clear(&t->views[V_KEYS].pg);
}

void
tui_show(struct tui *t, enum view_id id)
{
	struct view	*v = &t->views[id];

	if (id != t->cur) {
		leave_view(t);
		if (t->nback == sizeof(t->back) / sizeof(t->back[0]))
			memmove(t->back, t->back + 1, (t->nback - 1) *
			    sizeof(t->back[0]));
		else
			t->nback++;
		t->back[t->nback - 1] = t->cur;
		/* The top views are siblings: no trail among them. */
		if (view_ops[id]->tab && view_ops[t->cur]->tab)
			t->nback = 0;
		t->cur = id;
	}
	if (v->ops->enter != NULL)
		v->ops->enter(t, v);
	tui_dirty(t);
}

void
tui_back(struct tui *t)
{
	if (t->nback == 0) {
		if (t->cur != V_FLEET) {
			leave_view(t);
			t->cur = V_FLEET;
		}
		tui_dirty(t);
		return;
	}
	leave_view(t);
	t->cur = t->back[--t->nback];
	tui_dirty(t);
}

void
tui_open_host(struct tui *t, size_t h)
{
	t->host_open = h;
	tui_show(t, V_HOST);
}

void
tui_text(struct tui *t, const char *title, const char *text, size_t len)
{
	struct view	*v = &t->views[V_TEXT];

	snprintf(t->text_title, sizeof t->text_title, "%s", title);
	v->pg.l.top = v->pg.l.sel = 0;
	v->pg.hscroll = 0;
	v->pg.search[0] = '\0';
	pager_set(&v->pg, text, len);
	tui_show(t, V_TEXT);
}

/*
 * Drawing.
 */

static void
frame(struct loop *loop, void *arg);

void
tui_dirty(struct tui *t)
{
	int64_t	 wait;

	t->dirty = true;
	if (t->loop == NULL || loop_timer_active(&t->frame) || !term_active())
		return;
	wait = t->last_frame + TUI_FRAME_MS - loop_now(t->loop);
	loop_timer_start(t->loop, &t->frame, wait > 0 ? wait : 0);
}

static void
draw_tabs(struct tui *t)
{
	char		 b[192];
	int		 x, i;

	term_fill(0, 0, COLS, RL_TITLE, t);
	x = term_put(t, 0, 0, COLS, " lifeboat ", RL_TITLE);
	for (i = 0; i < V_MAX; i++) {
		if (!view_ops[i]->tab)
			continue;
		snprintf(b, sizeof b, " %c %s ", view_ops[i]->hotkey,
		    view_ops[i]->title);
		x += term_put(t, 0, x, COLS - x, b, (int)t->cur == i ?
		    RL_TABSEL : RL_TAB);
	}
	if (!view_ops[t->cur]->tab) {
		if (t->cur == V_HOST && t->host_open < t->nhosts)
			snprintf(b, sizeof b, "  Host %s",
			    t->hosts[t->host_open].h->name);
		else if (t->cur == V_TEXT)
			snprintf(b, sizeof b, "  %s", t->text_title);
		else
			snprintf(b, sizeof b, "  %s", view_ops[t->cur]->title);
		term_put(t, 0, x, COLS - x, b, RL_TABSEL);
	}
}

static void
draw_status(struct tui *t, int y)
{
	static const enum hstate show[] = { HS_OK, HS_CHANGED, HS_FAILED,
	    HS_UNREACHABLE, HS_RUNNING, HS_BOOTLOOP, HS_WAITING,
	    HS_PENDING };
	char		 b[512];
	int		 x;
	size_t		 i;
	int64_t		 el;

	term_fill(y, 0, COLS, RL_STATUS, t);
	/* Narrow: the run and its counts matter more than the sizes. */
	if (COLS < 120 && t->sess.run != NULL && !t->pending)
		snprintf(b, sizeof b, " %s ", t->inv_name);
	else
		snprintf(b, sizeof b, " %s: %zu host%s, %zu site%s ",
		    t->inv_name, t->nhosts, cmd_plural(t->nhosts), t->nsites,
		    cmd_plural(t->nsites));
	x = term_put(t, y, 0, COLS, b, RL_STATUS);
	if (t->sess.run != NULL && !t->pending) {
		el = (t->running ? loop_now(t->loop) : t->t_end) - t->t_start;
		el = el < 0 ? 0 : el / 1000;
		snprintf(b, sizeof b, "| run %s %s %02d:%02d:%02d | ",
		    t->sess.id, t->held ? "HELD" : t->running ? "running" :
		    t->halted ? "HALTED" : "ended", (int)(el / 3600),
		    (int)(el / 60 % 60), (int)(el % 60));
		x += term_put(t, y, x, COLS - x, b, RL_STATUS);
		for (i = 0; i < sizeof(show) / sizeof(show[0]); i++) {
			if (t->count[show[i]] == 0)
				continue;
			snprintf(b, sizeof b, "%s%zu %s ", term_glyph(t,
			    show[i]), t->count[show[i]],
			    hstate_name(show[i]));
			x += term_put(t, y, x, COLS - x, b, RL_STATUS);
		}
	} else if (t->pb != NULL) {
		snprintf(b, sizeof b, "| playbook %s: s starts it ",
		    t->pb->name);
		term_put(t, y, x, COLS - x, b, RL_STATUS);
	} else
		term_put(t, y, x, COLS - x, "| p picks a playbook ",
		    RL_STATUS);
}

static void
draw_bottom(struct tui *t, int y)
{
	move(y, 0);
	clrtoeol();
	if (t->msg[0] != '\0' && loop_now(t->loop) - t->msg_at < MSG_MS) {
		term_put(t, y, 0, COLS, t->msg, t->msg_role);
		return;
	}
	term_put(t, y, 0, COLS, t->views[t->cur].ops->hint, RL_DIM);
}

static void
draw(struct tui *t)
{
	struct view	*v = &t->views[t->cur];
	int		 cy, cx;
	char		 b[128];

	erase();
	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES) {
		term_put(t, 0, 0, COLS, "terminal too small", RL_ERROR);
		snprintf(b, sizeof b, "%dx%d, needs %dx%d", COLS, LINES,
		    TUI_MIN_COLS, TUI_MIN_LINES);
		term_put(t, 1, 0, COLS, b, RL_NORMAL);
		move(0, 0);
		return;
	}
	draw_tabs(t);
	move(1, 0);
	v->ops->draw(t, v, 1, LINES - 3);
	getyx(stdscr, cy, cx);
	draw_status(t, LINES - 2);
	draw_bottom(t, LINES - 1);
	move(cy, cx);
	if (t->prompt.on)
		prompt_draw(t);
	if (t->dlg.kind != DLG_NONE)
		dlg_draw(t);
}

static void
stat_frame(struct tui *t, double ms)
{
	t->frames++;
	t->draw_ms_total += ms;
	if (ms > t->draw_ms_max)
		t->draw_ms_max = ms;
	if (t->ndraw_ms == t->capdraw_ms) {
		t->capdraw_ms = t->capdraw_ms ? t->capdraw_ms * 2 : 1024;
		t->draw_ms = xreallocarray(t->draw_ms, t->capdraw_ms,
		    sizeof(*t->draw_ms));
	}
	t->draw_ms[t->ndraw_ms++] = ms;
}

static void
frame(struct loop *loop, void *arg)
{
	struct tui	*t = arg;
	double		 t0;

	term_capture_poll(t);
	if (!t->dirty || !term_active())
		return;
	t0 = now_ms();
	t->dirty = false;
	t->last_frame = loop_now(loop);
	draw(t);
	refresh();
	stat_frame(t, now_ms() - t0);
}

/* Once a second while a run is on: the clock in the status bar, and
 * messages that expire. */
static void
tick(struct loop *loop, void *arg)
{
	struct tui	*t = arg;

	term_capture_poll(t);
	if (t->running || (t->msg[0] != '\0' && loop_now(loop) - t->msg_at <
	    MSG_MS + 1000))
		tui_dirty(t);
	loop_timer_start(loop, &t->tick, 1000);
}

/*
 * Input.
 */

static int
mouse(struct tui *t)
{
	MEVENT		 me;
	struct view	*v = &t->views[t->cur];
	int		 x, i;
	char		 b[64];

	if (getmouse(&me) != OK)
		return 0;
	if (t->dlg.kind != DLG_NONE)
		return dlg_click(t, me.y, me.x);
	if (me.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
		int	 k = me.bstate & BUTTON4_PRESSED ? KEY_UP : KEY_DOWN;

		for (i = 0; i < 3; i++)
			if (v->ops->key != NULL)
				v->ops->key(t, v, k);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (me.y == 0) {
		/* The tabs, laid out as draw_tabs() does. */
		x = 10;
		for (i = 0; i < V_MAX; i++) {
			if (!view_ops[i]->tab)
				continue;
			snprintf(b, sizeof b, " %c %s ", view_ops[i]->hotkey,
			    view_ops[i]->title);
			if (me.x >= x && me.x < x + (int)strlen(b)) {
				tui_show(t, (enum view_id)i);
				break;
			}
			x += (int)strlen(b);
		}
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (me.y >= 1 && me.y < LINES - 2 && v->ops->click != NULL)
		return v->ops->click(t, v, me.y - 1, (me.bstate &
		    BUTTON1_DOUBLE_CLICKED) != 0);
	return TUI_HANDLED;
}

static void
handle(struct tui *t, int key)
{
	struct view	*v = &t->views[t->cur];
	int		 r = 0;

	if (key == KEY_RESIZE) {
		tui_dirty(t);
		return;
	}
	if (key == KEY_MOUSE) {
		r = mouse(t);
	} else if (t->dlg.kind != DLG_NONE)
		r = dlg_key(t, key);
	else if (t->prompt.on)
		r = prompt_key(t, key);
	else {
		if (v->ops->key != NULL)
			r = v->ops->key(t, v, key);
		if (r == 0)
			r = tui_global_key(t, key);
	}
	(void)r;
	tui_dirty(t);
}

static void
input(struct loop *loop, int fd, unsigned ev, void *arg)
{
	struct tui	*t = arg;
	wint_t		 wc;
	int		 r, n = 0;

	(void)loop;
	(void)fd;
	(void)ev;
	/* Every key waiting, then one frame. */
	while (n++ < 512 && !t->leave && (r = get_wch(&wc)) != ERR) {
		if (r == KEY_CODE_YES)
			handle(t, (int)wc);
		else
			handle(t, wc < 0x80 ? (int)wc : (int)(wc |
			    TUI_WCHAR_FLAG));
	}
}

static void
on_winch(struct loop *loop, int signo, void *arg)
{
	struct tui	*t = arg;
	struct winsize	 ws;

	(void)loop;
	(void)signo;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	tui_dirty(t);
}

static void
on_term(struct loop *loop, int signo, void *arg)
{
	struct tui	*t = arg;

	(void)loop;
	(void)signo;
	t->exit_status = EXIT_INTERRUPTED;
	t->quitting = true;
	if (t->running) {
		run_cancel(t->sess.run);
		run_cancel(t->sess.run);
	}
	if (t->exec.pid > 0)
		kill(t->exec.pid, SIGTERM);
	act_quit(t);
}

static void
on_child(struct loop *loop, int signo, void *arg)
{
	(void)loop;
	(void)signo;
	act_reap(arg);
}

/*
 * The command.
 */

enum {
	OPT_NO_MOUSE = CMD_OPT_NEXT,
	OPT_NO_COLOR,
	OPT_ASCII,
	OPT_PLUGIN_PATH,
};

static const struct option tui_long[] = {
	CMD_CONN_LONG,
	{ "limit", required_argument, NULL, 'l' },
	{ "extra-var", required_argument, NULL, 'e' },
	{ "no-mouse", no_argument, NULL, OPT_NO_MOUSE },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "ascii", no_argument, NULL, OPT_ASCII },
	{ "plugin-path", required_argument, NULL, OPT_PLUGIN_PATH },
	{ NULL, 0, NULL, 0 }
};

static int
parse(struct tui *t, int argc, char **argv, const char **pb,
    const char **limit)
{
	int	 c, r;

	for (;;) {
		while ((c = cmd_getopt(t->ctx, argc, argv, "l:e:"
		    CMD_CONN_SHORT, tui_long)) != -1) {
			if (c == 'h')
				return cmd_usage(&cmd_tui_entry, NULL, true) ==
				    EXIT_OK ? 1 : -1;
			if (c == '?')
				return -1;
			if ((r = cmd_conn_option(t->ctx, c, &t->args.conn)) <
			    0)
				return -1;
			if (r == 0)
				continue;
			switch (c) {
			case 'l':
				*limit = optarg;
				break;
			case 'e':
				if (cmd_run_extra_var(t->ctx, &t->args,
				    optarg) != 0)
					return -1;
				break;
			case OPT_NO_MOUSE:
				t->mouse = false;
				break;
			case OPT_NO_COLOR:
				t->color = false;
				break;
			case OPT_ASCII:
				t->utf8 = false;
				break;
			case OPT_PLUGIN_PATH:
				t->args.plugin_path = optarg;
				break;
			default:
				return -1;
			}
		}
		if (optind >= argc)
			break;
		if (*pb != NULL) {
			cmd_error(t->ctx, "one playbook at a time: '%s' and "
			    "'%s'", *pb, argv[optind]);
			return -1;
		}
		*pb = argv[optind++];
	}
	return 0;
}

static void
write_stats(const struct tui *t)
{
	const char	*path = getenv("LIFEBOAT_TUI_STATS");
	double		*v, p50 = 0, p95 = 0;
	size_t		 i, k;
	FILE		*fp;

	if (path == NULL || *path == '\0' || (fp = fopen(path, "w")) ==
	    NULL)
		return;
	v = xreallocarray(NULL, t->ndraw_ms ? t->ndraw_ms : 1, sizeof(*v));
	memcpy(v, t->draw_ms, t->ndraw_ms * sizeof(*v));
	/* An insertion sort is fine for a few thousand frames. */
	for (i = 1; i < t->ndraw_ms; i++)
		for (k = i; k > 0 && v[k - 1] > v[k]; k--) {
			double	 x = v[k];

			v[k] = v[k - 1];
			v[k - 1] = x;
		}
	if (t->ndraw_ms > 0) {
		p50 = v[t->ndraw_ms / 2];
		p95 = v[t->ndraw_ms * 95 / 100];
	}
	fprintf(fp, "{\"hosts\":%zu,\"frames\":%ju,\"draw_ms_mean\":%.3f,"
	    "\"draw_ms_p50\":%.3f,\"draw_ms_p95\":%.3f,\"draw_ms_max\":%.3f,"
	    "\"status\":%d}\n", t->nhosts, (uintmax_t)t->frames, t->frames ?
	    t->draw_ms_total / (double)t->frames : 0, p50, p95,
	    t->draw_ms_max, t->status);
	fclose(fp);
	free(v);
}

static int
tui_main(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct tui		 t;
	struct run_var		 evars[CMD_MAX_EVARS];
	struct diags		 d = DIAGS_INIT;
	const char		*pb = NULL, *limit = NULL, *s;
	int			 r, status = EXIT_USAGE;
	size_t			 i;

	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.args.evars = evars;
	t.mouse = true;
	t.color = true;
	t.utf8 = cmd_utf8();
	t.exec.out = t.exec.err = -1;
	t.host_open = SIZE_MAX;
	if ((r = parse(&t, argc, argv, &pb, &limit)) != 0)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cmd_error(ctx, "standard input and output must be a terminal "
		    "(lifeboat run is the same without one)");
		return EXIT_USAGE;
	}
	r = cmd_load_inventory(ctx, &t.inv, &d);
	cmd_print_diags(ctx, &d, 10);
	diags_release(&d);
	if (r != EXIT_OK) {
		inventory_free(t.inv);
		return r;
	}
	t.inv_name = ctx->ninventories > 0 ? ctx->inventories[0] :
	    (s = getenv("LIFEBOAT_INVENTORY")) != NULL && *s ? s :
	    "inventory";
	if (strrchr(t.inv_name, '/') != NULL)
		t.inv_name = strrchr(t.inv_name, '/') + 1;
	for (i = 0; i < V_MAX; i++)
		t.views[i].ops = view_ops[i];
	model_init(&t);
	if (limit != NULL) {
		snprintf(t.views[V_FLEET].filter, sizeof(t.views[V_FLEET].
		    filter), "%s", limit);
		t.views[V_FLEET].sel = model_pattern(&t, limit);
	}
	t.views[V_FLEET].stale = true;
	if ((t.loop = loop_new()) == NULL) {
		cmd_error(ctx, "cannot create the event loop: %s",
		    strerror(errno));
		goto out;
	}
	/* A question (a key's passphrase) leaves the screen a moment. */
	t.args.conn.to.prompt = tui_ask;
	t.tp = tp_ctx_new(t.loop, &t.args.conn.to);
	cmd_raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	if (term_start(&t) != 0) {
		cmd_error(ctx, "cannot start the screen (TERM=%s)",
		    getenv("TERM") ? getenv("TERM") : "");
		goto out;
	}
	loop_timer_init(&t.frame, frame, &t);
	loop_timer_init(&t.tick, tick, &t);
	if (loop_io_add(t.loop, STDIN_FILENO, LOOP_READ, input, &t) != 0 ||
	    loop_signal(t.loop, SIGWINCH, on_winch, &t) != 0 ||
	    loop_signal(t.loop, SIGTERM, on_term, &t) != 0 ||
	    loop_signal(t.loop, SIGHUP, on_term, &t) != 0 ||
	    loop_signal(t.loop, SIGINT, on_term, &t) != 0 ||
	    loop_signal(t.loop, SIGCHLD, on_child, &t) != 0) {
		term_stop();
		cmd_error(ctx, "cannot watch the terminal: %s",
		    strerror(errno));
		goto out;
	}
	tui_log(&t, RL_NORMAL, -1, "inventory %s: %zu hosts in %zu sites",
	    t.inv_name, t.nhosts, t.nsites);
	tui_show(&t, V_FLEET);
	t.nback = 0;
	if (pb != NULL)
		act_playbook(&t, pb);
	loop_timer_start(t.loop, &t.tick, 1000);
	tui_dirty(&t);
	while (!t.leave)
		if (loop_run_once(t.loop, -1) < 0 && errno != EINTR)
			break;
	status = t.exit_status != 0 ? t.exit_status : t.ended ? t.status :
	    EXIT_OK;
	loop_timer_stop(t.loop, &t.frame);
	loop_timer_stop(t.loop, &t.tick);
	term_stop();
	write_stats(&t);
	if (t.sess.id[0] != '\0' && !t.pending) {
		if (!t.ended)
			printf("run %s: cut short; lifeboat resume %s "
			    "carries it on\n", t.sess.id, t.sess.id);
		else if (t.status == EXIT_INTERRUPTED)
			printf("run %s: interrupted (status 130); lifeboat "
			    "report %s\n", t.sess.id, t.sess.id);
		else
			printf("run %s: %s (status %d); lifeboat report %s\n",
			    t.sess.id, t.halted ? "HALTED" : t.status == 0 ?
			    "done" : "done with failures", t.status,
			    t.sess.id);
	}
out:
	act_free(&t);
	tp_ctx_free(t.tp);
	loop_free(t.loop);
	t.loop = NULL;
	model_free(&t);
	for (i = 0; i < V_MAX; i++) {
		pager_clear(&t.views[i].pg);
		free(t.views[i].rows);
		free(t.views[i].sel);
	}
	buf_release(&t.prompt.line);
	for (i = 0; i < t.prompt.nhist; i++)
		free(t.prompt.hist[i]);
	free(t.prompt.hist);
	dlg_close(&t);
	free(t.draw_ms);
	inventory_free(t.inv);
	return status;
}

const struct cmd_entry cmd_tui_entry = {
	.name = "tui",
	.usage = "tui [PLAYBOOK] [-l PATTERN] [-e NAME=VALUE]... [--no-mouse] "
	    "[--no-color] [--ascii]",
	.summary =
	    "The cockpit: the inventory's sites and hosts, a playbook's run "
	    "in waves,\nthe checklist, the log, the report and key look-ups "
	    "on one screen.\nThe keys are in lifeboat(1), section TUI, and "
	    "behind ? on the screen.\n"
	    "\n"
	    "  -l, --limit PATTERN      start with the Fleet filtered to "
	    "PATTERN (what runs take)\n"
	    "  -e, --extra-var NAME=VALUE  a variable for runs, as for run\n"
	    "      --no-mouse           leave the mouse to the terminal\n"
	    "      --no-color           no colour (as NO_COLOR=1)\n"
	    "      --ascii              no line drawing or symbols past "
	    "ASCII\n"
	    "      --plugin-path DIRS   where action plugins are\n"
	    "  -f, -t, --per-site, --connect-timeout, --retries, "
	    "--retry-delay, --seed,\n"
	    "  --max-output, --accept-new-host-keys\n"
	    "                           as for run",
	.exec = tui_main,
};
