/*
 * Inventory output: hosts as JSON, inventories as native YAML (see
 * inventory-emit.h).  YAML goes through libyaml's emitter, so quoting and
 * escaping are always valid; we only decide when a string must be quoted
 * to stay a string (a value like "yes" or "22" from an INI file).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "inventory-emit.h"
#include "json.h"
#include "xmalloc.h"
#include "ytree.h"

#define REDACTED	"********"

/* True when a plain YAML scalar with this text would not be a string. */
static bool
looks_typed(const char *s)
{
	static const char *const words[] = {
		"true", "false", "yes", "no", "on", "off", "y", "n", "null",
		"~", ".inf", "-.inf", ".nan",
	};
	char	*end;
	size_t	 i;

	if (*s == '\0')
		return true;
	for (i = 0; i < sizeof words / sizeof *words; i++) {
		if (strcasecmp(s, words[i]) == 0)
			return true;
	}
	errno = 0;
	(void)strtod(s, &end);
	return *end == '\0';
}

/*
 * True when s is a number as JSON writes them (and YAML reads them):
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 */
static bool
json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		if (*++s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		if (*++s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

void
ynode_json(struct json *j, const struct ynode *n)
{
	size_t	 i;
	int	 b;

	if (n == NULL || ynode_is_null(n)) {
		json_null(j);
		return;
	}
	switch (n->type) {
	case YNODE_SCALAR:
		if (!n->quoted && (b = ynode_bool(n)) >= 0) {
			json_bool(j, b);
			return;
		}
		if (!n->quoted && json_number(n->str)) {
			json_raw(j, n->str, n->len);
			return;
		}
		json_strn(j, n->str, n->len);
		return;
	case YNODE_SEQ:
		json_arr_begin(j);
		for (i = 0; i < n->n; i++)
			ynode_json(j, n->v[i]);
		json_arr_end(j);
		return;
	case YNODE_MAP:
		json_obj_begin(j);
		for (i = 0; i < n->n; i++) {
			json_key(j, ynode_str(YMAP_KEY(n, i)) ?
			    YMAP_KEY(n, i)->str : "?");
			ynode_json(j, YMAP_VAL(n, i));
		}
		json_obj_end(j);
		return;
	}
}

static void
json_tristate(struct json *j, const char *k, enum tristate t)
{
	json_key(j, k);
	if (t == TRISTATE_UNSET)
		json_null(j);
	else
		json_bool(j, t == TRISTATE_TRUE);
}

static void
json_ms(struct json *j, const char *k, int64_t ms)
{
	json_key(j, k);
	if (ms == INV_UNSET)
		json_null(j);
	else
		json_int(j, ms);
}

static void
host_json_ssh(struct json *j, const struct ssh_opts *o)
{
	json_key(j, "ssh");
	json_obj_begin(j);
	json_kv_str(j, "identity", o->identity);
	json_kv_str(j, "known_hosts", o->known_hosts);
	json_kv_str(j, "password_env", o->password_env);
	json_kv_str(j, "password_file", o->password_file);
	json_kv_str(j, "passphrase_env", o->passphrase_env);
	json_kv_str(j, "passphrase_file", o->passphrase_file);
	json_ms(j, "connect_timeout_ms", o->connect_timeout_ms);
	json_ms(j, "keepalive_ms", o->keepalive_ms);
	json_tristate(j, "agent", o->agent);
	json_obj_end(j);
}

static void
host_json_winrm(struct json *j, const struct winrm_opts *o)
{
	json_key(j, "winrm");
	json_obj_begin(j);
	json_kv_str(j, "scheme", o->scheme);
	json_kv_str(j, "path", o->path);
	json_kv_str(j, "auth", o->auth);
	json_kv_str(j, "password_env", o->password_env);
	json_kv_str(j, "password_file", o->password_file);
	json_kv_str(j, "ca_file", o->ca_file);
	json_tristate(j, "insecure_skip_verify", o->insecure_skip_verify);
	json_tristate(j, "allow_unencrypted", o->allow_unencrypted);
	json_ms(j, "connect_timeout_ms", o->connect_timeout_ms);
	json_ms(j, "operation_timeout_ms", o->operation_timeout_ms);
	json_obj_end(j);
}

static void
host_json_sim(struct json *j, const struct sim_opts *o)
{
	size_t	 i;

	json_key(j, "sim");
	json_obj_begin(j);
	json_ms(j, "latency_ms", o->latency_ms);
	json_ms(j, "jitter_ms", o->jitter_ms);
	json_key(j, "fail_rate");
	json_double(j, o->fail_rate);
	json_tristate(j, "unreachable", o->unreachable);
	json_key(j, "boot_loop");
	if (o->boot_every_ms > 0) {
		json_obj_begin(j);
		json_kv_int(j, "up_ms", o->boot_up_ms);
		json_kv_int(j, "every_ms", o->boot_every_ms);
		json_obj_end(j);
	} else
		json_null(j);
	json_key(j, "commands");
	json_arr_begin(j);
	for (i = 0; i < o->nrules; i++) {
		json_obj_begin(j);
		json_kv_str(j, "match", o->rules[i].match);
		json_kv_str(j, "stdout", o->rules[i].stdout_text);
		json_kv_str(j, "stderr", o->rules[i].stderr_text);
		json_kv_int(j, "rc", o->rules[i].rc);
		json_ms(j, "delay_ms", o->rules[i].delay_ms);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

void
inventory_host_json(struct json *j, const struct host *h)
{
	const struct backup_spec	*b;
	size_t				 i;

	json_obj_begin(j);
	json_kv_str(j, "name", h->name);
	json_kv_str(j, "site", h->site);
	json_kv_str(j, "address", h->address);
	json_key(j, "port");
	if (h->transport == TRANSPORT_WINRM)
		json_int(j, h->winrm.port);
	else if (h->transport == TRANSPORT_SSH)
		json_int(j, h->ssh.port);
	else
		json_null(j);
	json_kv_str(j, "user", h->user);
	json_kv_str(j, "transport", transport_name(h->transport));
	json_kv_str(j, "os", h->os);
	json_key(j, "tier");
	if (h->tier == INV_UNSET)
		json_null(j);
	else
		json_int(j, h->tier);
	json_kv_str(j, "description", h->description);
	json_key(j, "tags");
	json_arr_begin(j);
	for (i = 0; i < h->ntags; i++)
		json_str(j, h->tags[i]);
	json_arr_end(j);
	json_key(j, "groups");
	json_arr_begin(j);
	for (i = 0; i < h->ngroups; i++)
		json_str(j, h->groups[i]);
	json_arr_end(j);
	json_key(j, "vars");
	json_obj_begin(j);
	for (i = 0; i < h->nvars; i++) {
		json_key(j, h->vars[i].name);
		if (h->vars[i].secret)
			json_str(j, REDACTED);
		else
			ynode_json(j, h->vars[i].value);
	}
	json_obj_end(j);
	json_key(j, "backups");
	json_arr_begin(j);
	for (i = 0; i < h->nbackups; i++) {
		b = &h->backups[i];
		json_obj_begin(j);
		json_kv_str(j, "type", backup_type_name(b->type));
		json_kv_str(j, "repo", b->repo);
		json_kv_str(j, "path", b->path);
		json_ms(j, "max_age_ms", b->max_age_ms);
		json_kv_str(j, "password_env", b->password_env);
		json_kv_str(j, "password_file", b->password_file);
		json_obj_end(j);
	}
	json_arr_end(j);
	if (h->transport == TRANSPORT_WINRM)
		host_json_winrm(j, &h->winrm);
	else if (h->transport == TRANSPORT_SIM)
		host_json_sim(j, &h->sim);
	else
		host_json_ssh(j, &h->ssh);
	json_key(j, "source");
	json_obj_begin(j);
	json_kv_str(j, "file", h->pos.file);
	json_kv_int(j, "line", h->pos.line);
	json_kv_int(j, "column", h->pos.col);
	json_obj_end(j);
	json_obj_end(j);
}

/*
 * The YAML side.  struct yemit wraps libyaml's emitter and remembers the
 * first failure, so that the callers can emit without checking each event.
 */
struct yemit {
	yaml_emitter_t	 e;
	int		 failed;
};

static void
yev(struct yemit *y, yaml_event_t *ev)
{
	if (y->failed || !yaml_emitter_emit(&y->e, ev))
		y->failed = 1;
}

static void
ystr(struct yemit *y, const char *s, bool force_string)
{
	yaml_event_t		 ev;
	yaml_scalar_style_t	 style = YAML_ANY_SCALAR_STYLE;

	if (force_string && looks_typed(s))
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s,
	    (int)strlen(s), 1, 1, style);
	yev(y, &ev);
}

static void
yint(struct yemit *y, long long v)
{
	char	 tmp[32];

	snprintf(tmp, sizeof tmp, "%lld", v);
	ystr(y, tmp, false);
}

static void
ymap(struct yemit *y, bool flow)
{
	yaml_event_t	 ev;

	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
	yev(y, &ev);
}

static void
yseq(struct yemit *y, bool flow)
{
	yaml_event_t	 ev;

	yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
	    flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
	yev(y, &ev);
}

static void
yend_map(struct yemit *y)
{
	yaml_event_t	 ev;

	yaml_mapping_end_event_initialize(&ev);
	yev(y, &ev);
}

static void
yend_seq(struct yemit *y)
{
	yaml_event_t	 ev;

	yaml_sequence_end_event_initialize(&ev);
	yev(y, &ev);
}

static void
ykv(struct yemit *y, const char *k, const char *v)
{
	if (v == NULL)
		return;
	ystr(y, k, false);
	ystr(y, v, true);
}

static void
ykv_ms(struct yemit *y, const char *k, int64_t ms)
{
	char	 tmp[32];

	if (ms == INV_UNSET)
		return;
	if (ms % 1000 != 0)
		snprintf(tmp, sizeof tmp, "%lldms", (long long)ms);
	else
		snprintf(tmp, sizeof tmp, "%llds", (long long)(ms / 1000));
	ystr(y, k, false);
	ystr(y, tmp, false);
}

static void
ykv_tri(struct yemit *y, const char *k, enum tristate t)
{
	if (t == TRISTATE_UNSET)
		return;
	ystr(y, k, false);
	ystr(y, t == TRISTATE_TRUE ? "true" : "false", false);
}

static void
ynode_yaml(struct yemit *y, const struct ynode *n)
{
	size_t	 i;

	if (n == NULL || ynode_is_null(n)) {
		ystr(y, "null", false);
		return;
	}
	switch (n->type) {
	case YNODE_SCALAR:
		ystr(y, n->str, n->quoted);
		return;
	case YNODE_SEQ:
		yseq(y, true);
		for (i = 0; i < n->n; i++)
			ynode_yaml(y, n->v[i]);
		yend_seq(y);
		return;
	case YNODE_MAP:
		ymap(y, true);
		for (i = 0; i < n->n; i++) {
			ynode_yaml(y, YMAP_KEY(n, i));
			ynode_yaml(y, YMAP_VAL(n, i));
		}
		yend_map(y);
		return;
	}
}

static bool
ssh_set(const struct ssh_opts *o)
{
	return o->port != INV_UNSET || o->identity || o->known_hosts ||
	    o->password_env || o->password_file || o->passphrase_env ||
	    o->passphrase_file || o->connect_timeout_ms != INV_UNSET ||
	    o->keepalive_ms != INV_UNSET || o->agent != TRISTATE_UNSET;
}

static bool
winrm_set(const struct winrm_opts *o)
{
	return o->port != INV_UNSET || o->scheme || o->path || o->auth ||
	    o->password_env || o->password_file || o->ca_file ||
	    o->insecure_skip_verify != TRISTATE_UNSET ||
	    o->allow_unencrypted != TRISTATE_UNSET ||
	    o->connect_timeout_ms != INV_UNSET ||
	    o->operation_timeout_ms != INV_UNSET;
}

static bool
sim_set(const struct sim_opts *o)
{
	return o->latency_ms != INV_UNSET || o->jitter_ms != INV_UNSET ||
	    o->fail_rate >= 0 || o->unreachable != TRISTATE_UNSET ||
	    o->boot_every_ms != INV_UNSET || o->rules != NULL;
}

static void
host_yaml_sim(struct yemit *y, const struct sim_opts *o)
{
	const struct sim_rule	*r;
	char			 tmp[64];
	size_t			 i;

	ystr(y, "sim", false);
	ymap(y, true);
	ykv_ms(y, "latency", o->latency_ms);
	ykv_ms(y, "jitter", o->jitter_ms);
	if (o->fail_rate >= 0) {
		snprintf(tmp, sizeof tmp, "%.15g", o->fail_rate);
		ystr(y, "fail_rate", false);
		ystr(y, tmp, false);
	}
	ykv_tri(y, "unreachable", o->unreachable);
	if (o->boot_every_ms != INV_UNSET) {
		ystr(y, "boot_loop", false);
		ymap(y, true);
		ykv_ms(y, "up", o->boot_up_ms);
		ykv_ms(y, "every", o->boot_every_ms);
		yend_map(y);
	}
	if (o->rules != NULL) {
		ystr(y, "commands", false);
		yseq(y, true);
		for (i = 0; i < o->nrules; i++) {
			r = &o->rules[i];
			ymap(y, true);
			ykv(y, "match", r->match);
			ykv(y, "stdout", r->stdout_text);
			ykv(y, "stderr", r->stderr_text);
			ystr(y, "rc", false);
			yint(y, r->rc);
			ykv_ms(y, "delay", r->delay_ms);
			yend_map(y);
		}
		yend_seq(y);
	}
	yend_map(y);
}

static void
host_yaml_blocks(struct yemit *y, const struct host *h)
{
	const struct ssh_opts	*s = &h->ssh;
	const struct winrm_opts	*w = &h->winrm;

	/* A bare "port" sets both; write it where the transport uses it. */
	if (ssh_set(s) && h->transport != TRANSPORT_WINRM) {
		ystr(y, "ssh", false);
		ymap(y, true);
		if (s->port != INV_UNSET) {
			ystr(y, "port", false);
			yint(y, s->port);
		}
		ykv(y, "identity", s->identity);
		ykv(y, "known_hosts", s->known_hosts);
		ykv(y, "password_env", s->password_env);
		ykv(y, "password_file", s->password_file);
		ykv(y, "passphrase_env", s->passphrase_env);
		ykv(y, "passphrase_file", s->passphrase_file);
		ykv_ms(y, "connect_timeout", s->connect_timeout_ms);
		ykv_ms(y, "keepalive", s->keepalive_ms);
		ykv_tri(y, "agent", s->agent);
		yend_map(y);
	}
	if (winrm_set(w) && h->transport == TRANSPORT_WINRM) {
		ystr(y, "winrm", false);
		ymap(y, true);
		if (w->port != INV_UNSET) {
			ystr(y, "port", false);
			yint(y, w->port);
		}
		ykv(y, "scheme", w->scheme);
		ykv(y, "path", w->path);
		ykv(y, "auth", w->auth);
		ykv(y, "password_env", w->password_env);
		ykv(y, "password_file", w->password_file);
		ykv(y, "ca_file", w->ca_file);
		ykv_tri(y, "insecure_skip_verify", w->insecure_skip_verify);
		ykv_tri(y, "allow_unencrypted", w->allow_unencrypted);
		ykv_ms(y, "connect_timeout", w->connect_timeout_ms);
		ykv_ms(y, "operation_timeout", w->operation_timeout_ms);
		yend_map(y);
	}
	if (sim_set(&h->sim))
		host_yaml_sim(y, &h->sim);
}

static void
host_yaml(struct yemit *y, const struct host *h, struct diags *d)
{
	const struct backup_spec	*b;
	size_t				 i, nvars = 0;

	ystr(y, h->name, true);
	ymap(y, true);
	ykv(y, "address", h->address);
	ykv(y, "user", h->user);
	ykv(y, "os", h->os);
	if (h->transport != TRANSPORT_UNSET)
		ykv(y, "transport", transport_name(h->transport));
	if (h->tier != INV_UNSET) {
		ystr(y, "tier", false);
		yint(y, h->tier);
	}
	ykv(y, "description", h->description);
	if (h->ntags > 0) {
		ystr(y, "tags", false);
		yseq(y, true);
		for (i = 0; i < h->ntags; i++)
			ystr(y, h->tags[i], true);
		yend_seq(y);
	}
	host_yaml_blocks(y, h);
	for (i = 0; i < h->nbackups; i++) {
		b = &h->backups[i];
		if (i == 0) {
			ystr(y, "backups", false);
			yseq(y, true);
		}
		ymap(y, true);
		ykv(y, "type", backup_type_name(b->type));
		ykv(y, "repo", b->repo);
		ykv(y, "path", b->path);
		ykv_ms(y, "max_age", b->max_age_ms);
		ykv(y, "password_env", b->password_env);
		ykv(y, "password_file", b->password_file);
		yend_map(y);
		if (i + 1 == h->nbackups)
			yend_seq(y);
	}
	for (i = 0; i < h->nvars; i++) {
		if (h->vars[i].secret) {
			diag_add(d, DIAG_WARNING, h->pos.file, h->pos.line,
			    h->pos.col, "host '%s': var '%s' holds a secret "
			    "and is not imported; use password_env or "
			    "password_file", h->name, h->vars[i].name);
			continue;
		}
		if (nvars++ == 0) {
			ystr(y, "vars", false);
			ymap(y, true);
		}
		ystr(y, h->vars[i].name, true);
		ynode_yaml(y, h->vars[i].value);
	}
	if (nvars > 0)
		yend_map(y);
	yend_map(y);
}

static int
yaml_write(void *data, unsigned char *buffer, size_t size)
{
	return fwrite(buffer, 1, size, data) == size;
}

static void
emit_group_refs(struct yemit *y, const char *key, const struct inv_ref *r,
    size_t n)
{
	size_t	 i;

	ystr(y, key, false);
	yseq(y, true);
	for (i = 0; i < n; i++)
		ystr(y, r[i].name, true);
	yend_seq(y);
}

static void
emit_groups(struct yemit *y, const struct inventory *inv)
{
	const struct inv_group	*g;
	size_t			 i, j, n = 0;

	for (i = 0; i < inv->ngroups; i++) {
		g = &inv->groups[i];
		if (!(g->kind & GROUP_EXPLICIT))
			continue;
		if (n++ == 0) {
			ystr(y, "groups", false);
			ymap(y, false);
		}
		ystr(y, g->name, true);
		if (g->nchildren == 0) {
			yseq(y, true);
			for (j = 0; j < g->nhostrefs; j++)
				ystr(y, g->hostrefs[j].name, true);
			yend_seq(y);
			continue;
		}
		ymap(y, true);
		if (g->nhostrefs > 0)
			emit_group_refs(y, "hosts", g->hostrefs, g->nhostrefs);
		emit_group_refs(y, "children", g->children, g->nchildren);
		yend_map(y);
	}
	if (n > 0)
		yend_map(y);
}

int
inventory_emit_yaml(const struct inventory *inv, FILE *fp, const char *title,
    struct diags *d)
{
	struct yemit		 y;
	yaml_event_t		 ev;
	const struct inv_site	*s;
	struct strmap		 seen = STRMAP_INIT;
	const char		**names;
	size_t			 i, j, nosite = 0, nnames = 0;

	memset(&y, 0, sizeof y);
	if (!yaml_emitter_initialize(&y.e))
		return LB_ERR_NOMEM;
	yaml_emitter_set_output(&y.e, yaml_write, fp);
	yaml_emitter_set_unicode(&y.e, 1);
	yaml_emitter_set_width(&y.e, -1);
	yaml_emitter_set_indent(&y.e, 2);
	if (title != NULL)
		fprintf(fp, "# %s\n", title);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	yev(&y, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	yev(&y, &ev);
	ymap(&y, false);
	/*
	 * Sites in the order they were defined, then those that only hosts
	 * name (Ansible and CSV sources have no site definitions).
	 */
	names = xreallocarray(NULL, inv->nsites + inv->nhosts + 1,
	    sizeof *names);
	for (i = 0; i < inv->nsites; i++)
		if (strmap_put(&seen, inv->sites[i].name, 0))
			names[nnames++] = inv->sites[i].name;
	for (j = 0; j < inv->nhosts; j++)
		if (inv->hosts[j].site != NULL &&
		    strmap_put(&seen, inv->hosts[j].site, 0))
			names[nnames++] = inv->hosts[j].site;
	if (nnames > 0) {
		ystr(&y, "sites", false);
		ymap(&y, false);
	}
	for (i = 0; i < nnames; i++) {
		s = inventory_site(inv, names[i]);
		ystr(&y, names[i], true);
		ymap(&y, false);
		if (s != NULL)
			ykv(&y, "description", s->description);
		ystr(&y, "hosts", false);
		ymap(&y, false);
		for (j = 0; j < inv->nhosts; j++) {
			if (inv->hosts[j].site != NULL &&
			    strcmp(inv->hosts[j].site, names[i]) == 0)
				host_yaml(&y, &inv->hosts[j], d);
		}
		yend_map(&y);
		yend_map(&y);
	}
	if (nnames > 0)
		yend_map(&y);
	free(names);
	strmap_release(&seen);
	for (j = 0; j < inv->nhosts; j++) {
		if (inv->hosts[j].site != NULL)
			continue;
		if (nosite++ == 0) {
			ystr(&y, "hosts", false);
			ymap(&y, false);
		}
		host_yaml(&y, &inv->hosts[j], d);
	}
	if (nosite > 0)
		yend_map(&y);
	emit_groups(&y, inv);
	yend_map(&y);
	yaml_document_end_event_initialize(&ev, 1);
	yev(&y, &ev);
	yaml_stream_end_event_initialize(&ev);
	yev(&y, &ev);
	yaml_emitter_delete(&y.e);
	if (y.failed || fflush(fp) != 0)
		return LB_ERR_SYSTEM;
	return 0;
}
