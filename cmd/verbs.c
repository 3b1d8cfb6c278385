/*
 * verbs.c: the one table of the `adascale` verbs: name, function, synopsis and summary.
 * A verb is registered here and nowhere else; `adascale --help` and the dispatch in
 * cmd/main.c read it. Not for the verbs themselves.
 */
#include "cmd.h"

#include <stddef.h>

const struct cmd_verb cmd_verbs[] = {
	{"variants", cmd_variants, "variants MODEL [--ops ...]",
	 "a model's variants: MACs, memory, accuracy"},
	{"kernels", cmd_kernels, "kernels MODEL [--ops ...]",
	 "the unique kernel shapes of its variants (CSV)"},
	{"evolve", cmd_evolve, "evolve [--quick] --out DIR",
	 "train the Fashion-MNIST self-evolving model, measure its variants and training cost"},
	{"profile", cmd_profile, "profile MODEL [-o OUT] [--check]",
	 "time a model's kernels or passes on this machine with the agent, import the timings"},
	{"derive", cmd_derive, "derive --from D.ini --to D.ini [-o OUT]",
	 "timings for an unprofiled device from measured ones (roofline)"},
	{"trace", cmd_trace, "trace check|gen|import|plot ...",
	 "validate, generate, convert and plot traces"},
	{"run", cmd_run, "run --trace F --device F --model M --policy P --db F [...]",
	 "replay a trace and store the run"},
	{"import-served", cmd_import_served, "import-served SERVED.csv --db F [--tag T]",
	 "store a run served by adascale-agent serve as a real run"},
	{"validate", cmd_validate, "validate --db F (--served F | --trace F --device F ...)",
	 "a real served run beside its simulation: errors against the targets"},
	{"thermal", cmd_thermal, "thermal fit FILE.csv [--nodes 1|2] [--train IDS] [-o OUT]",
	 "fit a device's thermal network to recordings, report held-out errors"},
	{"sweep", cmd_sweep, "sweep CONFIG.ini --db F [--jobs N] [--shard I/N] [...]",
	 "many runs in parallel, resumable"},
	{"study", cmd_study, "study STUDY.ini [--quick] [--out DIR] [--jobs N] [...]",
	 "the AdaScale comparison: its sweep, then the headline with intervals"},
	{"merge", cmd_merge, "merge OUT.db IN.db...", "merge results databases (sweep shards)"},
	{"report", cmd_report, "report --db F --out DIR [...]",
	 "HTML + Markdown report with gnuplot plots (or CSV, JSON)"},
	{"compare", cmd_compare, "compare --db F --baseline T --candidate T",
	 "regression verdict between two tags"},
	{"policies", cmd_policies, "policies", "built-in and plugin policies, with parameters"},
	{"version", cmd_version, "version", "the version and git revision"},
	{NULL, NULL, NULL, NULL},
};
