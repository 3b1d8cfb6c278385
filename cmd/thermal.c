/*
 * thermal.c: `adascale thermal fit`: fits the thermal network of devices/thermal.h to the
 * stressberry recordings and reports each recording's held-out error (devices/thermfit.h),
 * written whole or not at all. Not for the fit itself.
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "afile.h"
#include "opt.h"
#include "thermfit.h"

static const char help[] =
	"usage: adascale thermal fit FILE.csv [--nodes 1|2] [--train IDS] [--test IDS]\n"
	"                            [--on-s S] [--off-s S] [-o OUT.md]\n"
	"Fits a thermal network (C dT/dt = P - (T - T_amb)/R, one or two terms) to the\n"
	"stressberry recordings in FILE.csv (file,board,cooling,time_s,temperature_c), driven by\n"
	"each board's power at idle and full load, and predicts held-out recordings: without\n"
	"--train, each recording from the board's other recordings (leave one out); with\n"
	"--train (comma-separated recording names), the others (or only --test) from those.\n"
	"Load is on from --on-s (150) to --off-s (450). The Markdown report goes to -o or stdout\n"
	"(docs/physics.md).\n";

int cmd_thermal(int argc, char **argv)
{
	static const struct opt_verb v = {"adascale", "thermal", help};
	if (argc < 2 || strcmp(argv[1], "fit")) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			fputs(help, stdout);
			return 0;
		}
		return opt_usage(&v, "%s", argc < 2 ? "what to do: fit"
						   : "unknown subcommand (fit)");
	}
	static const struct opt_verb vf = {"adascale", "thermal fit", help};
	struct thermfit_opts o = {.n_nodes = 2, .on_s = 150, .off_s = 450};
	const char *outp = NULL;
	const struct opt opts[] = {
		{.name = "nodes", .type = OPT_INT, .dst = &o.n_nodes, .min = 1, .max = 2,
		 .takes = "takes 1 or 2"},
		{.name = "train", .type = OPT_STR, .dst = &o.train},
		{.name = "test", .type = OPT_STR, .dst = &o.test},
		{.name = "on-s", .type = OPT_DOUBLE, .dst = &o.on_s, .min = 0, .max = 1e7,
		 .takes = "takes seconds >= 0"},
		{.name = "off-s", .type = OPT_DOUBLE, .dst = &o.off_s, .min = 0, .max = 1e7,
		 .takes = "takes seconds >= 0"},
		{.name = "out", .short_name = 'o', .type = OPT_STR, .dst = &outp},
		{0}};
	char *pos[1];
	int n_pos, rc = opt_parse(&vf, opts, argc - 1, argv + 1, pos, 1, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	if (n_pos != 1)
		return opt_usage(&vf, "the recordings file is required");
	if (o.off_s <= o.on_s)
		return opt_usage(&vf, "--off-s must be after --on-s");
	if (o.test && !o.train)
		return opt_usage(&vf, "--test needs --train");
	o.source = pos[0];
	struct errbuf eb = {0};
	struct thermfit_data *d = NULL;
	struct afile *out = NULL;
	if ((rc = thermfit_load(pos[0], &d, &eb)) < 0)
		goto done;
	if (!(out = afile_create(outp, &eb))) {
		rc = eb.code;
		goto done;
	}
	if ((rc = thermfit_report(d, &o, afile_stream(out), &eb)) < 0 ||
	    (rc = afile_commit(out, &eb)) < 0)
		goto done;
done:
	afile_destroy(out);
	thermfit_destroy(d);
	return rc < 0 ? cmd_fail(&eb, rc) : 0;
}
