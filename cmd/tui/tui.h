/*
 * lifeboat tui: the cockpit.  One screen over the inventory and the run,
 * driven by the same event loop as the engine: the terminal is one more
 * fd on it, the screen is drawn by a timer at most TUI_FRAME_MS apart and
 * only when something changed, and curses sends only the cells that
 * differ from what the terminal shows.
 *
 * The parts, one file each:
 *	term.c		curses in and out, colours and glyphs, text that
 *			cannot break the screen, stderr captured, the
 *			terminal restored on every way out (crash included)
 *	model.c		what the screen shows: the hosts by site and their
 *			state, the run's waves, the log; fed by the runner's
 *			events (the TUI is an observer, as the CLI printer is)
 *	list.c		the scrolling list and the text pager every view uses
 *	prompt.c	the line editor (`:` and `/`) and the dialogs
 *	act.c		what the TUI does: runs, pause, abort, sign-off, exec,
 *			the report, the vault
 *	view-*.c	one per view, each a small vtable (struct view_ops)
 *	keys.c		the key table (the help view is made from it)
 *	main.c		the command, the loop, input and drawing
 *
 * Handlers return a bitmask of TUI_HANDLED, TUI_REDRAW and TUI_QUIT.
 */
#ifndef LIFEBOAT_TUI_H
#define LIFEBOAT_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "../cmd.h"
#include "loop.h"
#include "run.h"

#define TUI_FRAME_MS	50		/* at most 20 frames a second */
#define TUI_LOG_MAX	20000		/* lines kept in the log */
#define TUI_MIN_COLS	40
#define TUI_MIN_LINES	10
/* A character past ASCII, as a key: its code with this flag. */
#define TUI_WCHAR_FLAG	0x1000000
#define TUI_CTRL(c)	((c) & 0x1f)

enum {
	TUI_HANDLED = 1 << 0,
	TUI_REDRAW = 1 << 1,
	TUI_QUIT = 1 << 2,
};

/* A host's state, as the Fleet view shows it. */
enum hstate {
	HS_IDLE,		/* not in the run */
	HS_PENDING,		/* in the run, not started */
	HS_RUNNING,
	HS_BOOTLOOP,		/* lost, back to its wait_for */
	HS_WAITING,		/* at a manual step */
	HS_OK,
	HS_CHANGED,
	HS_FAILED,
	HS_UNREACHABLE,
	HS_CANCELLED,
	HS_NOTRUN,		/* its wave never came (halt) */
	HS_MAX,
};

/* Colour pairs (and monochrome attributes) by role. */
enum role {
	RL_NORMAL,
	RL_OK,
	RL_CHANGED,
	RL_FAILED,
	RL_UNREACH,
	RL_RUNNING,
	RL_BOOTLOOP,
	RL_DIM,
	RL_TITLE,
	RL_TAB,
	RL_TABSEL,
	RL_STATUS,
	RL_SELECT,
	RL_MATCH,
	RL_DIALOG,
	RL_ERROR,
	RL_MAX,
};

struct thost {
	const struct host *h;
	size_t		 site;		/* index in tui.sites */
	enum hstate	 st;
	ssize_t		 ri;		/* index in the run's hosts, or -1 */
	size_t		 wave;		/* the plan's wave index, or SIZE_MAX */
	size_t		 step;		/* at, or last ended; or SIZE_MAX */
	int		 rc;
	char		*msg;		/* the last failure, or NULL */
	bool		 changed;	/* a step changed it */
	bool		 tagged;
	/* The last exec's result on it. */
	bool		 has_exec;
	int		 exec_rc;
	char		*exec_out;
};

struct tsite {
	const char	*name;		/* "-" when none */
	size_t		*hosts;		/* indexes into tui.hosts */
	size_t		 n;
	size_t		 count[HS_MAX];
	bool		 closed;	/* folded in the tree */
};

struct twave {
	size_t		 number;
	size_t		 n;
	size_t		 done, ok, failed, unreachable, running;
	bool		 started, over;
	char		*signer;	/* of the gate before it */
};

struct logline {
	int64_t		 at;		/* unix s */
	char		*text;
	ssize_t		 host;		/* index into tui.hosts, or -1 */
	enum role	 role;
};

/* A scrolling list (or the lines of a pager). */
struct list {
	size_t		 n;		/* rows */
	size_t		 sel;
	size_t		 top;
	int		 height;	/* as last drawn */
	int		 y;		/* screen row of the first line */
};

/* A pager: text in lines, searchable. */
struct pager {
	struct buf	 text;
	size_t		*lines;		/* offsets of each line */
	size_t		 nlines;
	struct list	 l;
	size_t		 hscroll;
	char		 search[256];
	bool		 secret;	/* wiped when replaced */
};

struct tui;
struct view;

struct view_ops {
	const char	*name;		/* for `:name` */
	const char	*title;
	const char	*hint;		/* the keys line */
	void		(*draw)(struct tui *, struct view *, int y, int h);
	int		(*key)(struct tui *, struct view *, int key);
	/* A click on screen row y (0: first row of the view). */
	int		(*click)(struct tui *, struct view *, int y, bool open);
	/* The filter text changed (NULL: cleared). */
	void		(*filter)(struct tui *, struct view *);
	/* Made current. */
	void		(*enter)(struct tui *, struct view *);
	bool		 tab;		/* has a tab in the title bar */
	int		 hotkey;
};

struct view {
	const struct view_ops	*ops;
	struct list		 l;
	struct list		 l2;		/* the second pane */
	int			 pane;		/* 0 or 1 */
	struct pager		 pg;
	char			 filter[256];
	bool			*sel;		/* a pattern filter's hosts */
	size_t			*rows;		/* what the list shows */
	size_t			 nrows;
	size_t			 cap;
	bool			 stale;		/* rows to be made again */
};

enum view_id {
	V_FLEET,
	V_RUN,
	V_CHECKLIST,
	V_LOG,
	V_KEYS,
	V_HOST,
	V_TEXT,			/* the plan, the report */
	V_HELP,
	V_MAX,
};

/* A modal: a question, a line to type, or a list to pick from. */
enum dlg_kind {
	DLG_NONE,
	DLG_CONFIRM,		/* y / n */
	DLG_TYPE_YES,		/* "yes" typed */
	DLG_INPUT,		/* a line */
	DLG_SECRET,		/* a line, not shown */
	DLG_PICK,		/* a list */
};

typedef void dlg_done_fn(struct tui *, bool ok, const char *text,
    size_t picked);

struct dialog {
	enum dlg_kind	 kind;
	char		*title;
	char		*body;		/* lines */
	char		**items;	/* DLG_PICK */
	size_t		 nitems;
	struct list	 l;
	struct buf	 line;		/* typed (wiped) */
	size_t		 cur;		/* cursor in line */
	dlg_done_fn	*done;
};

/* The line at the bottom when `:` or `/` is typed. */
struct prompt {
	bool		 on;
	char		 lead;		/* ':' or '/' */
	struct buf	 line;
	size_t		 cur;
	char		**hist;
	size_t		 nhist, hpos;
};

/* The exec child (lifeboat exec --json). */
struct texec {
	pid_t		 pid;
	int		 out, err;	/* pipes, or -1 */
	struct buf	 obuf, ebuf;
	char		*command;
	size_t		 done, failed;
	char		 id[64];
};

struct tui {
	struct cmd_ctx		*ctx;
	struct loop		*loop;
	struct inventory	*inv;
	const char		*inv_name;
	struct thost		*hosts;
	size_t			 nhosts;
	struct tsite		*sites;
	size_t			 nsites;
	size_t			 count[HS_MAX];

	/* The run. */
	struct cmd_run_args	 args;
	struct run_var		*evars;
	char			*pb_path;	/* the playbook chosen */
	struct playbook		*pb;
	struct tp_ctx		*tp;
	struct cmd_runsess	 sess;
	const struct host	**run_hosts;
	size_t			 nrun;
	size_t			*run_map;	/* run index -> tui.hosts */
	struct twave		*waves;
	size_t			 nwaves;
	size_t			 wave;
	bool			 running;	/* started, RUN_DONE not seen */
	bool			 ended;
	bool			 held;
	bool			 gate;		/* waiting for 'wave N' */
	size_t			 gate_wave;
	bool			 halted;
	char			*halt;
	int			 status;
	int64_t			 t_start;	/* loop ms */
	int64_t			 t_end;
	bool			*signed_off;	/* per step of pb */
	char			**signer;
	int64_t			*signed_at;
	bool			*waiting;	/* per step: a host waits */
	char			*limit;		/* of the run: host names */
	char			 limit_text[64];	/* the same, to show */
	struct inventory	*run_inv;	/* a resumed run's, or NULL */
	struct jrun		*resume_jr;
	char			*resume_dir;
	bool			 pending;	/* made, shown, not started */
	bool			 hold_req;
	int			 cancels;
	void			*pick;		/* the picker's glob_t */
	size_t			 sign_step;	/* or the gate's wave */
	bool			 sign_gate;
	char			*key_pending;

	/* The screen. */
	struct view		 views[V_MAX];
	enum view_id		 cur;
	enum view_id		 back[16];
	size_t			 nback;
	size_t			 host_open;	/* the Host view's host */
	char			 text_title[128];
	struct prompt		 prompt;
	struct dialog		 dlg;
	char			 msg[512];	/* the bottom line */
	enum role		 msg_role;
	int64_t			 msg_at;
	struct logline		*log;
	size_t			 nlog, log_first;	/* a ring */
	bool			 dirty;
	struct loop_timer	 frame;
	struct loop_timer	 tick;
	int64_t			 last_frame;
	bool			 mouse;
	bool			 color;
	bool			 utf8;
	bool			 quitting;
	bool			 leave;		/* leave the loop */
	int			 exit_status;

	/* The vault, once opened. */
	struct vault		*vault;

	struct texec		 exec;

	/* Frame timings, for bench/ (LIFEBOAT_TUI_STATS). */
	uint64_t		 frames;
	double			 draw_ms_total, draw_ms_max;
	double			*draw_ms;
	size_t			 ndraw_ms, capdraw_ms;
};

/* term.c */
int	 term_start(struct tui *);
void	 term_stop(void);
bool	 term_active(void);
/* Leaves curses for a moment (a question on the terminal), and back. */
void	 term_suspend(void);
void	 term_resume(void);
void	 term_capture_poll(struct tui *);
int	 term_attr(const struct tui *, enum role);
/* Writes s at (y, x), at most w columns, control characters shown as
 * '?' and, without UTF-8, non-ASCII as '?'; returns the columns used. */
int	 term_put(const struct tui *, int y, int x, int w, const char *s,
	    enum role);
int	 term_putn(const struct tui *, int y, int x, int w, const char *s,
	    size_t len, enum role);
/* Fills the rest of row y from x with spaces in role. */
void	 term_fill(int y, int x, int w, enum role r, const struct tui *);
const char *term_glyph(const struct tui *, enum hstate);
const char *term_sym(const struct tui *, const char *utf8,
	    const char *ascii);
enum role hstate_role(enum hstate);
const char *hstate_name(enum hstate);

/* model.c */
void	 model_init(struct tui *);
void	 model_free(struct tui *);
void	 model_observe(const struct run_event *, void *);
void	 model_run_begin(struct tui *);
void	 model_run_clear(struct tui *);
void	 model_set(struct tui *, size_t h, enum hstate);
void	 tui_log(struct tui *, enum role, ssize_t host, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
const struct logline *tui_logline(const struct tui *, size_t i);
void	 tui_msg(struct tui *, enum role, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Whether host h matches filter text f: a host pattern or words. */
bool	 model_match(const struct tui *, size_t h, const char *f,
	    const bool *sel);
/* The hosts pattern f selects (NULL when f is not a pattern that
 * matches any), as a flag per host; caller frees. */
bool	*model_pattern(const struct tui *, const char *f);
const char *model_step_name(const struct tui *, size_t step);

/* list.c */
/* Navigation keys on l (height h): TUI_* bits. */
int	 list_key(struct list *, int key);
void	 list_fit(struct list *, int h);
/* A click on row y of l (0: its first row on the screen): selects that
 * row and returns true, or false when no row is there. */
bool	 list_click(struct list *, int y);
void	 list_set(struct list *, size_t n);
void	 pager_set(struct pager *, const char *text, size_t len);
void	 pager_clear(struct pager *);
void	 pager_draw(struct tui *, struct pager *, int y, int h);
int	 pager_key(struct tui *, struct pager *, int key);
/* Searches from line from in direction dir (+1/-1) for pg->search. */
bool	 pager_find(struct pager *, size_t from, int dir);
/* A click for views that are one list: selects the row, Enter on a
 * double click (a view_ops.click). */
int	 view_list_click(struct tui *, struct view *, int y, bool open);
void	 view_rows_reset(struct view *);
void	 view_rows_add(struct view *, size_t v);

/* prompt.c */
void	 prompt_open(struct tui *, char lead, const char *init);
int	 prompt_key(struct tui *, int key);
void	 prompt_draw(struct tui *);
void	 dlg_confirm(struct tui *, const char *title, const char *body,
	    dlg_done_fn *);
void	 dlg_type_yes(struct tui *, const char *title, const char *body,
	    dlg_done_fn *);
void	 dlg_input(struct tui *, const char *title, const char *body,
	    const char *init, bool secret, dlg_done_fn *);
void	 dlg_pick(struct tui *, const char *title, char **items, size_t n,
	    dlg_done_fn *);
int	 dlg_key(struct tui *, int key);
void	 dlg_draw(struct tui *);
int	 dlg_click(struct tui *, int y, int x);
void	 dlg_close(struct tui *);

/* act.c */
void	 act_pick_playbook(struct tui *);
void	 act_playbook(struct tui *, const char *path);
void	 act_check(struct tui *);
void	 act_start(struct tui *);
void	 act_hold(struct tui *);
void	 act_abort(struct tui *);
void	 act_signoff(struct tui *, size_t step, bool gate);
void	 act_exec(struct tui *, const char *command);
void	 act_report(struct tui *, const char *id);
void	 act_resume(struct tui *, const char *id);
void	 act_keys(struct tui *, const char *id);
void	 act_quit(struct tui *);
void	 act_reap(struct tui *);
void	 act_free(struct tui *);
/* A transport's question, asked on the terminal outside the screen (a
 * tp_prompt_fn). */
int	 tui_ask(const char *question, bool echo, struct buf *answer,
	    void *arg);
/* The hosts an action takes: tagged ones, else those the Fleet filter
 * shows, else all (*what says which); caller frees. */
const struct host **act_selection(struct tui *, size_t *n,
	    const char **what);

/* keys.c */
struct keybind {
	int		 key;
	const char	*name;		/* as shown */
	int		 views;		/* bit per view_id; 0: all */
	const char	*help;
};
extern const struct keybind tui_keys[];
extern const size_t tui_nkeys;
/* `:` commands. */
int	 tui_command(struct tui *, const char *line);
int	 tui_global_key(struct tui *, int key);
void	 tui_help_text(struct buf *);

/* main.c */
void	 tui_show(struct tui *, enum view_id);
void	 tui_back(struct tui *);
void	 tui_open_host(struct tui *, size_t h);
void	 tui_dirty(struct tui *);
void	 tui_text(struct tui *, const char *title, const char *text,
	    size_t len);

extern const struct view_ops view_fleet_ops, view_run_ops,
    view_checklist_ops, view_log_ops, view_keys_ops, view_host_ops,
    view_text_ops, view_help_ops;

#endif
