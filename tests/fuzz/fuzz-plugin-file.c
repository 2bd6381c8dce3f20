/*
 * libFuzzer target for what the file and service plugins make of a
 * host's reply (plugins/file.c, plugins/service.c), through the loader's
 * plugin_parse() as lifeboat runs it.  Both plugins are compiled into
 * this program (each keeps its names static but lifeboat_plugin(),
 * renamed here) and wrapped with plugin_load_static().
 *
 * The first byte picks the plugin, its state and whether an expected
 * checksum is given; the second is the exit status; the rest is split at
 * the first 0xff byte into standard output and standard error (neither
 * NUL-terminated where the plugin could see it).  Besides crashes and
 * sanitizer reports, these are bugs:
 *
 *   - a verdict outside enum lb_verdict, or a failure with no reason;
 *   - a reason with a control character or over PLUGIN_REASON_MAX;
 *   - a value with a control character other than a newline (the lines
 *     of paths), or a key not of [a-z0-9_];
 *   - a success with values missing: matched (file), state (service).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

#define lifeboat_plugin fuzz_file_plugin
#include "../../plugins/file.c"
#undef lifeboat_plugin
#define lifeboat_plugin fuzz_service_plugin
#include "../../plugins/service.c"
#undef lifeboat_plugin

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_result(const struct plugin_result *r, bool file)
{
	const char	*p;
	size_t		 i;

	if (r->verdict != LB_OK && r->verdict != LB_CHANGED &&
	    r->verdict != LB_FAILED)
		abort();
	if ((r->verdict == LB_FAILED) != (r->reason != NULL))
		abort();
	if (r->reason != NULL) {
		if (strlen(r->reason) > PLUGIN_REASON_MAX)
			abort();
		for (p = r->reason; *p != '\0'; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				abort();
		}
	}
	for (i = 0; i < r->nkv; i++) {
		if (r->kv[i].key[strspn(r->kv[i].key,
		    "abcdefghijklmnopqrstuvwxyz0123456789_")] != '\0')
			abort();
		for (p = r->kv[i].value; *p != '\0'; p++) {
			if (((unsigned char)*p < 0x20 && *p != '\n') ||
			    *p == 0x7f)
				abort();
		}
	}
	if (r->verdict != LB_FAILED && plugin_result_get(r,
	    file ? "matched" : "state") == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const fstates[] = { "absent", "present",
	    "checksum", NULL };
	static const char *const sstates[] = { "running", "stopped",
	    "restarted", "status", NULL };
	static const char sum[] =
	    "5891B5B522D5DF086D0FF0B110FBD9D21BB4FC7163AF34D08286A2E846F6BE03";
	const struct lb_facts	 facts = { "h", "linux", "", -1, LB_SHELL_SH };
	struct plugin_result	 res;
	struct lb_arg		 v[3];
	struct lb_args		 args = { v, 0 };
	struct lb_reply		 reply;
	struct plugin		*p;
	const uint8_t		*sep;
	char			*out, *err;
	char			 why[256];
	bool			 file;
	size_t			 olen, elen;

	if (len < 2)
		return 0;
	file = (data[0] & 1) == 0;
	if (file) {
		v[args.n++] = (struct lb_arg){ "path", "/srv/x*" };
		if (fstates[(data[0] >> 1) % 4] != NULL)
			v[args.n++] = (struct lb_arg){ "state",
			    fstates[(data[0] >> 1) % 4] };
		if (data[0] & 0x80)
			v[args.n++] = (struct lb_arg){ "sha256", sum };
	} else {
		v[args.n++] = (struct lb_arg){ "name", "sshd" };
		if (sstates[(data[0] >> 1) % 5] != NULL)
			v[args.n++] = (struct lb_arg){ "state",
			    sstates[(data[0] >> 1) % 5] };
	}
	sep = memchr(data + 2, 0xff, len - 2);
	olen = sep != NULL ? (size_t)(sep - data) - 2 : len - 2;
	elen = sep != NULL ? len - 2 - olen - 1 : 0;
	/* Copies of exactly their length: a read past them is caught. */
	out = malloc(olen + 1);
	err = malloc(elen + 1);
	if (out == NULL || err == NULL)
		abort();
	memcpy(out, data + 2, olen);
	out[olen] = '\0';
	if (elen > 0)
		memcpy(err, sep + 1, elen);
	err[elen] = '\0';
	reply = (struct lb_reply){ data[1] % 4 == 0 ? 0 : data[1], out, olen,
	    err, elen };
	if (plugin_load_static(file ? fuzz_file_plugin() :
	    fuzz_service_plugin(), &p, why, sizeof why) != 0)
		abort();
	plugin_parse(p, &args, &facts, &reply, &res);
	check_result(&res, file);
	plugin_result_release(&res);
	plugin_unload(p);
	free(out);
	free(err);
	return 0;
}
