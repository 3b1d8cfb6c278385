/*
 * import_served.c: `adascale import-served SERVED.csv --db F [--tag T]`: a run served by
 * `adascale-agent serve` on a device, stored as a real run (world 'real') beside the
 * simulated ones. Not for reading the served file (sim/served.c) nor the store.
 */
#include "cmd.h"

#include <stdio.h>

#include "opt.h"
#include "run.h"
#include "served.h"
#include "store.h"

static const char help[] =
	"usage: adascale import-served SERVED.csv --db FILE [--tag T]\n"
	"Stores a run served by `adascale-agent serve` (one row per real request,\n"
	"docs/formats.md#served-runs) in the results database as a real run (runs.world =\n"
	"'real'): its provenance (device, trace, policy and their SHA-256, the agent's build,\n"
	"host, CPU, date, the served file's SHA-256) and the metrics a simulated run has,\n"
	"computed from the rows as the simulator computes them (latency quantiles, miss rate,\n"
	"switches, mean and on-time top-1 from the model's variant table, variant use, one row\n"
	"per request). Energy is not measured on a served run: it is stored as NULL. A bad\n"
	"served file is reported as FILE:LINE: what, and nothing is stored.\n";

int cmd_import_served(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "import-served", help};
	const char *db = NULL, *tag = NULL;
	const struct opt opts[] = {
		{.name = "db", .type = OPT_STR, .dst = &db},
		{.name = "tag", .type = OPT_STR, .dst = &tag},
		{0}};
	char *pos[1];
	int n_pos, rc = opt_parse(&v, opts, argc, argv, pos, 1, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	if (n_pos != 1)
		return opt_usage(&v, "give one served file");
	if (!db)
		return opt_usage(&v, "--db is required");
	struct errbuf eb = {0};
	struct served *sv = NULL;
	if ((rc = served_read(pos[0], &sv, &eb)) < 0)
		return cmd_fail(&eb, rc);
	struct run_config c;
	served_run_config(sv, tag, &c);
	struct store *s = store_open(db, &eb);
	if (!s) {
		served_destroy(sv);
		return cmd_fail(&eb, eb.code);
	}
	int64_t id = 0;
	rc = store_insert_run(s, &c, sv->out, &id, &eb);
	store_close(s);
	if (rc < 0) {
		served_destroy(sv);
		return cmd_fail(&eb, rc);
	}
	const struct metrics *m = &sv->out->m;
	printf("run %lld: real: %s served on %s: %lld requests, %lld served, %lld dropped, "
	       "%lld failed, %lld late (miss rate %.1f%%)",
	       (long long)id, sv->out->policy_name, sv->host[0] ? sv->host : "?",
	       (long long)m->requests, (long long)m->served, (long long)m->dropped,
	       (long long)m->failures, (long long)m->deadline_misses, 100 * m->miss_rate);
	if (sv->out->has_latency)
		printf(", p95 %.1f ms", m->lat_p95_ms);
	printf(", %lld switches; energy not measured\n", (long long)m->switches);
	served_destroy(sv);
	return 0;
}
