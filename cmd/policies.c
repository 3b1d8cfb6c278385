/*
 * policies.c: `adascale policies`: the built-in policies and the plugins found on
 * ADASCALE_POLICY_PATH, with their parameters. Not for loading or running them
 * (policies/registry.c).
 */
#include "cmd.h"

#include <stdio.h>

#include "opt.h"
#include "registry.h"

int cmd_policies(int argc, char **argv)
{
	static const struct opt_verb v = {
		"adascale", "policies",
		"usage: adascale policies\nLists the built-in policies and the plugins on "
		"ADASCALE_POLICY_PATH (a colon list of .so files or folders), with each one's\n"
		"parameters and defaults (docs/policies.md).\n"};
	static const struct opt opts[] = {{0}};
	int n_pos, rc = opt_parse(&v, opts, argc, argv, NULL, 0, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	struct errbuf eb = {0};
	rc = pol_list(stdout, &eb);
	return rc < 0 ? cmd_fail(&eb, rc) : 0;
}
