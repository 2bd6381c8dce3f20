/*
 * The key-source loader (see keysrc.h).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "keysrc.h"
#include "plugin.h"
#include "xmalloc.h"

struct keysrc {
	void				*dl;	/* NULL when linked in */
	const struct lb_keysource	*desc;
};

/* The file a source lives in. */
static const char *
source_file(const char *name)
{
	return strcmp(name, "host") == 0 ? "bitlocker" : name;
}

static int
check_desc(const struct lb_keysource *d, const char *name, const char *file,
    char *why, size_t whylen)
{
	bool	 host, dir;

	if (d == NULL) {
		snprintf(why, whylen, "%s: %s() returned nothing", file,
		    LB_KEYSOURCE_SYMBOL);
		return LB_ERR_INVALID;
	}
	/* The version before any other field: another version may lay the
	 * descriptor out differently. */
	if (d->abi != LB_KEYSOURCE_ABI) {
		snprintf(why, whylen, "%s: key-source ABI %u, lifeboat speaks "
		    "%u", file, d->abi, LB_KEYSOURCE_ABI);
		return LB_ERR_INVALID;
	}
	if (d->name == NULL || (name != NULL && strcmp(d->name, name) != 0)) {
		snprintf(why, whylen, "%s: the source calls itself '%.64s', "
		    "not '%s'", file, d->name ? d->name : "", name);
		return LB_ERR_INVALID;
	}
	host = d->build != NULL && d->parse != NULL;
	dir = d->open != NULL && d->fetch != NULL && d->close != NULL;
	if (host == dir) {
		snprintf(why, whylen, "%s: a key source has build and parse, "
		    "or open, fetch and close", file);
		return LB_ERR_INVALID;
	}
	if (d->keys == NULL) {
		snprintf(why, whylen, "%s: no list of settings", file);
		return LB_ERR_INVALID;
	}
	return 0;
}

int
keysrc_load(const char *name, const char *path, struct keysrc **out,
    char *why, size_t whylen)
{
	const struct lb_keysource	*d;
	lb_keysource_fn			*fn;
	const char			*e;
	char				*file = NULL;
	void				*dl = NULL, *sym;
	int				 r;

	*out = NULL;
	if ((r = plugin_locate(source_file(name), path, &file, why,
	    whylen)) != 0) {
		if (r == LB_ERR_NOT_FOUND)
			snprintf(why, whylen, "no key source '%s' (%s.so) on "
			    "the plugin path %s", name, source_file(name),
			    path != NULL ? path : plugin_path_default());
		return r;
	}
	/* RTLD_NOW: an unresolved symbol is an error here, not mid-fetch. */
	if ((dl = dlopen(file, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(why, whylen, "%s", e != NULL ? e : file);
		r = LB_ERR_INVALID;
		goto out;
	}
	dlerror();
	if ((sym = dlsym(dl, LB_KEYSOURCE_SYMBOL)) == NULL) {
		snprintf(why, whylen, "%s: no %s(): not a key source", file,
		    LB_KEYSOURCE_SYMBOL);
		r = LB_ERR_INVALID;
		goto out;
	}
	fn = (lb_keysource_fn *)sym;
	d = fn();
	if ((r = check_desc(d, name, file, why, whylen)) != 0)
		goto out;
	*out = xcalloc(1, sizeof **out);
	(*out)->dl = dl;
	(*out)->desc = d;
	dl = NULL;
out:
	if (dl != NULL)
		dlclose(dl);
	free(file);
	return r;
}

int
keysrc_load_static(const struct lb_keysource *d, struct keysrc **out,
    char *why, size_t whylen)
{
	int	 r;

	*out = NULL;
	if ((r = check_desc(d, NULL, "(linked in)", why, whylen)) != 0)
		return r;
	*out = xcalloc(1, sizeof **out);
	(*out)->desc = d;
	return 0;
}

const struct lb_keysource *
keysrc_desc(const struct keysrc *k)
{
	return k->desc;
}

bool
keysrc_is_host(const struct keysrc *k)
{
	return k->desc->build != NULL;
}

bool
keysrc_takes(const struct keysrc *k, const char *key)
{
	const char *const	*p;

	for (p = k->desc->keys; *p != NULL; p++)
		if (strcmp(*p, key) == 0)
			return true;
	return false;
}

void
keysrc_unload(struct keysrc *k)
{
	if (k == NULL)
		return;
	if (k->dl != NULL)
		dlclose(k->dl);
	free(k);
}
