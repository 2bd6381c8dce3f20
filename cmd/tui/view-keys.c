/*
 * The Keys view: BitLocker recovery keys looked up by key ID, as the
 * recovery screen shows it (8 to 32 hex digits).  The vault is opened on
 * the first look-up (its passphrase asked in a dialog that shows no
 * character, unless LIFEBOAT_VAULT_IDENTITY or
 * LIFEBOAT_VAULT_PASSPHRASE_FILE is set), every look-up is written to
 * the audit log before a key is shown, and the key leaves the screen
 * when the view is left.
 */
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "tui.h"

static void
keys_draw(struct tui *t, struct view *v, int y, int h)
{
	term_put(t, y, 0, COLS, "Enter or /: look a key up by its ID (the "
	    "first 8 digits are enough)", RL_NORMAL);
	term_put(t, y + 1, 0, COLS, t->vault != NULL ? "the vault is open" :
	    "the vault opens on the first look-up", RL_DIM);
	if (v->pg.nlines > 0)
		pager_draw(t, &v->pg, y + 3, h - 3);
	move(y, 0);
}

static int
keys_key(struct tui *t, struct view *v, int key)
{
	if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		act_keys(t, NULL);	/* asks for the ID */
		return TUI_HANDLED | TUI_REDRAW;
	}
	return pager_key(t, &v->pg, key);
}

static void
keys_filter(struct tui *t, struct view *v)
{
	char	 id[256];

	snprintf(id, sizeof id, "%s", v->filter);
	v->filter[0] = '\0';
	if (id[0] != '\0')
		act_keys(t, id);
}

const struct view_ops view_keys_ops = {
	.name = "keys",
	.title = "Keys",
	.hint = "Enter or /:look up a key ID  Esc:back  ?:help",
	.draw = keys_draw,
	.key = keys_key,
	.filter = keys_filter,
	.tab = true,
	.hotkey = '5',
};
