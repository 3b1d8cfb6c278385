/*
 * registry.h: finding a policy by its command-line spec and turning its parameter string
 * into checked values.
 *
 *   NAME[:PARAMS]                   a built-in policy
 *   path/to/plugin.so[:NAME][:PARAMS]  a policy of a plugin (NAME may be left out when the
 *                                   plugin has one policy)
 * PARAMS is "key=value,key=value". Built-ins register through pol_builtin_entry (builtin.h),
 * the same kind of entry function a plugin exports. Not for running policies (sim/run.c does).
 */
#ifndef ADASCALE_REGISTRY_H
#define ADASCALE_REGISTRY_H

#include <stdio.h>

#include "adascale_policy.h"
#include "err.h"

#define POL_MAX_PARAMS 32

/* A resolved policy: its descriptor and checked parameter values (owned). */
struct pol_choice {
	const struct adascale_policy *desc;
	void *dl;                              /* dlopen handle for plugins, else NULL */
	char *values[POL_MAX_PARAMS];          /* aligned with desc->params */
	char name[128];                        /* the policy's name */
	char source[4096];                     /* "builtin" or the plugin's path */
	char params[1024];                     /* canonical "k=v,..." of every parameter */
};

/*
 * Resolves spec into *c. Unknown policy, unloadable plugin, missing entry symbol, wrong ABI
 * version, unknown or repeated parameter: ERR_USAGE or ERR_PLUGIN with an exact message.
 */
int pol_resolve(const char *spec, struct pol_choice *c, struct errbuf *eb);
void pol_choice_free(struct pol_choice *c);

/* The descriptor's flags, 0 when the plugin was built before the field existed. */
uint32_t pol_flags(const struct adascale_policy *d);

/*
 * The SHA-256 of a policy's code into hex: the plugin file's for a plugin source, "" for
 * "builtin". 0, or ERR_IO naming the file.
 */
int pol_sha256(const char *source, char hex[65], struct errbuf *eb);

/* Lists built-ins and the plugins found in $ADASCALE_POLICY_PATH (':'-separated folders). */
int pol_list(FILE *out, struct errbuf *eb);

#endif
