/*
 * merge.c: `adascale merge OUT.db IN.db...`: results databases (a sweep's shards) into one.
 * Not for the merging rules (store/merge.c).
 */
#include "cmd.h"

#include <stdio.h>

#include "merge.h"
#include "opt.h"

#define MAX_INPUTS 4096

static const char help[] =
	"usage: adascale merge OUT.db IN.db...\n"
	"Merges results databases (e.g. the shards of a sweep) into OUT.db (created when\n"
	"missing). A run is identified by config_key, seed and tag: identical duplicates are\n"
	"kept once, an ok run replaces a failed one, and a conflicting duplicate (the same run\n"
	"with other results) refuses the merge, leaving OUT.db as it was. docs/sweeps.md.\n";

int cmd_merge(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "merge", help};
	static const struct opt opts[] = {{0}};
	static char *pos[MAX_INPUTS + 1];
	int n, rc = opt_parse(&v, opts, argc, argv, pos, MAX_INPUTS + 1, &n);
	if (rc != OPT_OK)
		return opt_status(rc);
	if (n < 2)
		return opt_usage(&v, "give OUT.db and at least one IN.db");
	struct errbuf eb = {0};
	struct merge_stats st;
	rc = merge_databases(pos[0], (const char *const *)(pos + 1), n - 1, &st, &eb);
	if (rc < 0)
		return cmd_fail(&eb, rc);
	printf("merge %s: %d input%s: %lld runs copied, %lld identical duplicates kept once, "
	       "%lld failed runs replaced by ok ones, %lld failed duplicates dropped; %lld runs "
	       "in all\n",
	       pos[0], n - 1, n == 2 ? "" : "s", (long long)st.n_copied,
	       (long long)st.n_identical, (long long)st.n_replaced, (long long)st.n_failed_dropped,
	       (long long)st.n_runs);
	return 0;
}
