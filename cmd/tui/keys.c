/*
 * The keys and the `:` commands, as tables: the help view is printed
 * from them, so a key cannot be bound and left out of the help, and
 * lifeboat(1) lists the same.  A view's own handler sees a key first
 * (j/k move in a list, scroll in a pager); what it leaves comes here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curses.h>

#include "inventory.h"
#include "tui.h"
#include "xmalloc.h"

#define VB(v)		(1 << (v))
#define LISTS		(VB(V_FLEET) | VB(V_RUN) | VB(V_CHECKLIST) | \
			    VB(V_LOG))
#define PAGERS		(VB(V_HOST) | VB(V_TEXT) | VB(V_HELP) | VB(V_KEYS))

const struct keybind tui_keys[] = {
	{ '1', "1", 0, "the Fleet view: sites and hosts" },
	{ '2', "2", 0, "the Run view: waves and their hosts" },
	{ '3', "3", 0, "the Checklist view: manual steps and gates" },
	{ '4', "4", 0, "the Log view: events and messages" },
	{ '5', "5", 0, "the Keys view: BitLocker keys by ID" },
	{ '?', "?", 0, "this help" },
	{ ':', ":", 0, "a command (below)" },
	{ '/', "/", 0, "filter the list (a host pattern or text); search a "
	    "page" },
	{ '\t', "Tab", 0, "the other pane (Run); else the next view" },
	{ KEY_BTAB, "Shift-Tab", 0, "the previous view" },
	{ 27, "Esc", 0, "back (closes a dialog, the prompt, a view)" },
	{ 'q', "q", 0, "back; in a top view, quit" },
	{ 'Q', "Q", 0, "quit (asks first while a run is on)" },
	{ TUI_CTRL('c'), "Ctrl-C", 0, "quit, as Q" },
	{ TUI_CTRL('l'), "Ctrl-L", 0, "draw the screen again" },
	{ 'm', "m", 0, "mouse on or off (Shift-drag selects text either "
	    "way)" },
	{ KEY_UP, "Up, k", LISTS | PAGERS, "up a row" },
	{ KEY_DOWN, "Down, j", LISTS | PAGERS, "down a row" },
	{ KEY_PPAGE, "PgUp, Ctrl-B", LISTS | PAGERS, "up a page" },
	{ KEY_NPAGE, "PgDn, Ctrl-F", LISTS | PAGERS, "down a page" },
	{ KEY_HOME, "Home, g", LISTS | PAGERS, "the first row" },
	{ KEY_END, "End, G", LISTS | PAGERS, "the last row (the Log "
	    "follows again)" },
	{ '\n', "Enter", LISTS, "open: a host, a site (fold), a wave's hosts, "
	    "sign off" },
	{ KEY_LEFT, "Left, h", VB(V_FLEET), "fold the site, or go to it" },
	{ KEY_RIGHT, "Right, l", VB(V_FLEET), "unfold the site" },
	{ ' ', "Space", VB(V_FLEET), "tag the host (or the site's hosts)" },
	{ '*', "*", VB(V_FLEET), "tag every host shown" },
	{ 'u', "u", VB(V_FLEET), "untag all" },
	{ 'n', "n, N", VB(V_FLEET), "the next, previous failed or "
	    "unreachable host" },
	{ 'n', "n, N", PAGERS, "the next, previous match of the search" },
	{ KEY_LEFT, "Left, h, Right, l", PAGERS, "scroll sideways" },
	{ TUI_CTRL('r'), "Ctrl-R", VB(V_HOST), "read the host's steps "
	    "again" },
	{ 's', "s", VB(V_CHECKLIST), "sign the selected item off" },
	{ 'p', "p", 0, "pick a playbook" },
	{ 'c', "c", 0, "the playbook's plan (--check), nothing run" },
	{ 's', "s", LISTS & ~VB(V_CHECKLIST), "start the playbook (plan, "
	    "then a dialog)" },
	{ 'P', "P", 0, "hold before the next wave; again: go on" },
	{ 'A', "A", 0, "abort the run (a dialog; twice: stop hosts now)" },
	{ 'x', "x", 0, "exec a command on the tagged (or filtered) hosts" },
	{ 'r', "r", 0, "the run's report" },
};
const size_t tui_nkeys = sizeof(tui_keys) / sizeof(tui_keys[0]);

struct command {
	const char	*name;
	const char	*alias;
	const char	*args;
	const char	*help;
};

static const struct command commands[] = {
	{ "fleet", "hosts", "", "the Fleet view" },
	{ "run", "waves", "", "the Run view" },
	{ "checklist", "cl", "", "the Checklist view" },
	{ "log", NULL, "", "the Log view" },
	{ "keys", "key", "[KEYID]", "the Keys view; look KEYID up" },
	{ "help", "h", "", "this help" },
	{ "host", NULL, "NAME", "the Host view of NAME" },
	{ "filter", NULL, "[TEXT]", "filter the view, as /" },
	{ "playbook", "pb", "[FILE]", "pick a playbook (FILE, or from a "
	    "list)" },
	{ "check", NULL, "", "the plan of the playbook, nothing run" },
	{ "start", NULL, "", "start the playbook on the tagged hosts, the "
	    "Fleet filter's, or all its targets" },
	{ "hold", "pause", "", "hold before the next wave" },
	{ "go", "continue", "", "let the next wave start" },
	{ "abort", NULL, "", "abort the run (asks first)" },
	{ "signoff", NULL, "STEP", "sign STEP (or 'wave N') off" },
	{ "exec", NULL, "COMMAND", "run COMMAND on the tagged (or "
	    "filtered) hosts" },
	{ "report", NULL, "[ID]", "the report of the run (or run ID, or "
	    "'last')" },
	{ "resume", NULL, "[ID]", "carry on an interrupted run (default: "
	    "the last)" },
	{ "mouse", NULL, "on|off", "mouse clicks and wheel" },
	{ "quit", "q", "", "leave (asks first while a run is on)" },
};

void
tui_help_text(struct buf *b)
{
	static const struct {
		int		 mask;
		const char	*title;
	} groups[] = {
		{ 0, "Everywhere" },
		{ LISTS | PAGERS, "Moving" },
		{ VB(V_FLEET), "Fleet" },
		{ PAGERS, "Pages (Host, Help, plan, report, Keys)" },
		{ VB(V_HOST), "Host" },
		{ VB(V_CHECKLIST), "Checklist" },
		{ LISTS, "Lists" },
		{ LISTS & ~VB(V_CHECKLIST), "Running" },
	};
	size_t	 g, i;

	buf_adds(b, "lifeboat tui: keys (lifeboat(1), section TUI)\n");
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		buf_addf(b, "\n%s\n", groups[g].title);
		for (i = 0; i < tui_nkeys; i++)
			if (tui_keys[i].views == groups[g].mask)
				buf_addf(b, "  %-20s %s\n", tui_keys[i].name,
				    tui_keys[i].help);
	}
	buf_adds(b, "\nCommands (after :)\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char	 n[64];

		snprintf(n, sizeof n, "%s %s", commands[i].name,
		    commands[i].args);
		buf_addf(b, "  %-20s %s%s%s%s\n", n, commands[i].help,
		    commands[i].alias ? " (also :" : "",
		    commands[i].alias ? commands[i].alias : "",
		    commands[i].alias ? ")" : "");
	}
	buf_adds(b, "\nStates: ");
	for (i = HS_PENDING; i < HS_MAX; i++)
		buf_addf(b, "%s%s", i > HS_PENDING ? ", " : "",
		    hstate_name((enum hstate)i));
	buf_adds(b, "\nNothing that changes hosts starts on one key: a plan "
	    "or a dialog comes first.\n");
}

static const struct command *
find_command(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcasecmp(commands[i].name, name) == 0 ||
		    (commands[i].alias != NULL &&
		    strcasecmp(commands[i].alias, name) == 0))
			return &commands[i];
	return NULL;
}

int
tui_command(struct tui *t, const char *line)
{
	const struct command	*c;
	char			 name[64], *arg;
	size_t			 n;
	struct host		*h;

	while (*line == ' ')
		line++;
	n = strcspn(line, " ");
	if (n == 0)
		return TUI_HANDLED;
	snprintf(name, sizeof name, "%.*s", (int)n, line);
	arg = (char *)line + n;
	while (*arg == ' ')
		arg++;
	if ((c = find_command(name)) == NULL) {
		tui_msg(t, RL_ERROR, "unknown command ':%s' (? lists them)",
		    name);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (strcmp(c->name, "fleet") == 0)
		tui_show(t, V_FLEET);
	else if (strcmp(c->name, "run") == 0)
		tui_show(t, V_RUN);
	else if (strcmp(c->name, "checklist") == 0)
		tui_show(t, V_CHECKLIST);
	else if (strcmp(c->name, "log") == 0)
		tui_show(t, V_LOG);
	else if (strcmp(c->name, "keys") == 0) {
		tui_show(t, V_KEYS);
		if (*arg != '\0')
			act_keys(t, arg);
	} else if (strcmp(c->name, "help") == 0)
		tui_show(t, V_HELP);
	else if (strcmp(c->name, "host") == 0) {
		if ((h = inventory_host(t->inv, arg)) == NULL)
			tui_msg(t, RL_ERROR, "no host '%s' in the inventory",
			    arg);
		else
			tui_open_host(t, (size_t)(h - t->inv->hosts));
	} else if (strcmp(c->name, "filter") == 0) {
		struct view *v = &t->views[t->cur];

		snprintf(v->filter, sizeof v->filter, "%s", arg);
		if (v->ops->filter != NULL)
			v->ops->filter(t, v);
	} else if (strcmp(c->name, "playbook") == 0) {
		if (*arg != '\0')
			act_playbook(t, arg);
		else
			act_pick_playbook(t);
	} else if (strcmp(c->name, "check") == 0)
		act_check(t);
	else if (strcmp(c->name, "start") == 0)
		act_start(t);
	else if (strcmp(c->name, "hold") == 0) {
		if (!t->held)
			act_hold(t);
	} else if (strcmp(c->name, "go") == 0) {
		if (t->held)
			act_hold(t);
		else
			tui_msg(t, RL_NORMAL, "the run is not held");
	} else if (strcmp(c->name, "abort") == 0)
		act_abort(t);
	else if (strcmp(c->name, "signoff") == 0) {
		size_t	 i;
		unsigned long w;
		char	*end;

		if (strncmp(arg, "wave ", 5) == 0 && (w = strtoul(arg + 5,
		    &end, 10)) > 0 && *end == '\0') {
			act_signoff(t, w, true);
			return TUI_HANDLED | TUI_REDRAW;
		}
		for (i = 0; t->pb != NULL && i < t->pb->nsteps; i++)
			if (strcmp(t->pb->steps[i].name, arg) == 0)
				break;
		if (t->pb == NULL || i == t->pb->nsteps)
			tui_msg(t, RL_ERROR, "no step '%s' in the playbook",
			    arg);
		else
			act_signoff(t, i, false);
	} else if (strcmp(c->name, "exec") == 0)
		act_exec(t, arg);
	else if (strcmp(c->name, "report") == 0)
		act_report(t, *arg ? arg : NULL);
	else if (strcmp(c->name, "resume") == 0)
		act_resume(t, *arg ? arg : "last");
	else if (strcmp(c->name, "mouse") == 0) {
		t->mouse = strcmp(arg, "off") != 0;
		mousemask(t->mouse ? BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED |
		    BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED : 0,
		    NULL);
		tui_msg(t, RL_NORMAL, "mouse %s", t->mouse ? "on" : "off");
	} else if (strcmp(c->name, "quit") == 0)
		act_quit(t);
	return TUI_HANDLED | TUI_REDRAW;
}

static void
next_view(struct tui *t, int dir)
{
	static const enum view_id order[] = { V_FLEET, V_RUN, V_CHECKLIST,
	    V_LOG, V_KEYS };
	size_t	 i, n = sizeof(order) / sizeof(order[0]);

	for (i = 0; i < n; i++)
		if (order[i] == t->cur)
			break;
	i = i == n ? 0 : (i + n + (size_t)(dir > 0 ? 1 : n - 1)) % n;
	tui_show(t, order[i]);
}

int
tui_global_key(struct tui *t, int key)
{
	struct view	*v = &t->views[t->cur];

	switch (key) {
	case '1':
		tui_show(t, V_FLEET);
		break;
	case '2':
		tui_show(t, V_RUN);
		break;
	case '3':
		tui_show(t, V_CHECKLIST);
		break;
	case '4':
		tui_show(t, V_LOG);
		break;
	case '5':
		tui_show(t, V_KEYS);
		break;
	case '?':
	case KEY_F(1):
		tui_show(t, V_HELP);
		break;
	case ':':
		prompt_open(t, ':', NULL);
		break;
	case '/':
		prompt_open(t, '/', v->filter);
		break;
	case '\t':
		next_view(t, 1);
		break;
	case KEY_BTAB:
		next_view(t, -1);
		break;
	case 27:
		if (v->filter[0] != '\0' && v->ops->filter != NULL) {
			v->filter[0] = '\0';
			v->ops->filter(t, v);
			tui_msg(t, RL_NORMAL, "filter cleared");
		} else
			tui_back(t);
		break;
	case 'q':
		if (t->nback > 0)
			tui_back(t);
		else
			act_quit(t);
		break;
	case 'Q':
	case TUI_CTRL('c'):
		act_quit(t);
		break;
	case TUI_CTRL('l'):
		clearok(curscr, TRUE);
		break;
	case 'm':
		tui_command(t, t->mouse ? "mouse off" : "mouse on");
		break;
	case 'p':
		act_pick_playbook(t);
		break;
	case 'c':
		act_check(t);
		break;
	case 's':
		act_start(t);
		break;
	case 'P':
		act_hold(t);
		break;
	case 'A':
		act_abort(t);
		break;
	case 'x':
		act_exec(t, NULL);
		break;
	case 'r':
		act_report(t, NULL);
		break;
	default:
		return 0;
	}
	return TUI_HANDLED | TUI_REDRAW;
}
