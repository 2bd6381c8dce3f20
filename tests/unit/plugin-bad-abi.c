/*
 * A plugin built for an ABI version lifeboat does not speak, for
 * test-plugin.c: the loader must refuse it, naming both versions, and
 * read nothing of its descriptor but the version.
 */
#include <stddef.h>

#include <lifeboat/plugin.h>

static const struct lb_plugin badabi = {
	.abi = LB_PLUGIN_ABI + 1,
	.name = "badabi",
};

const struct lb_plugin *lifeboat_plugin(void);

const struct lb_plugin *
lifeboat_plugin(void)
{
	return &badabi;
}
