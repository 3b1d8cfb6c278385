/*
 * timport.c: `trace import` (timport.h): the checks of the options and the table of formats
 * that timport_run dispatches through; the provenance and staged outputs every importer
 * writes through are istage.c. Not for reading any format: each importer is its own file
 * (import_stressberry.c, import_ftrace.c, import_agent.c) and exports one descriptor.
 */
#include "timport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csvin.h"
#include "istage.h"
#include "timportint.h"

/* The formats, in the order --help and messages list them. */
static const struct timport_format *const formats[] = {&timport_stressberry, &timport_ftrace,
							  &timport_agent};

#define N_FORMATS ((int)(sizeof formats / sizeof formats[0]))

void timport_opts_default(struct timport_opts *o) { memset(o, 0, sizeof *o); }

/* The names of the formats that take every option of takes (0: all of them), as "a, b". */
static void list_names(char *buf, size_t len, unsigned takes)
{
	buf[0] = '\0';
	for (int i = 0; i < N_FORMATS; i++)
		if ((formats[i]->takes & takes) == takes) {
			size_t n = strlen(buf);
			snprintf(buf + n, len - n, "%s%s", n ? ", " : "", formats[i]->name);
		}
}

const char *timport_formats(void)
{
	static char list[256]; /* built on first use: the table does not change */
	if (!list[0])
		list_names(list, sizeof list, 0);
	return list;
}

int timport_n_formats(void) { return N_FORMATS; }

const char *timport_format_name(int i)
{
	return i >= 0 && i < N_FORMATS ? formats[i]->name : NULL;
}

const char *timport_format_summary(int i)
{
	return i >= 0 && i < N_FORMATS ? formats[i]->summary : NULL;
}


/* ---- entry -------------------------------------------------------------------------- */

/* The options only some formats take, in the order they are checked. */
static const struct {
	unsigned takes;
	const char *what; /* how the message names them */
} own_opts[] = {
	{TIMPORT_TAKES_RECORDING, "--recording is"},
	{TIMPORT_TAKES_EVENTS, "--clusters, --max-freq-mhz, --zone and --interval-ms are"},
};

static unsigned opts_given(const struct timport_opts *o)
{
	unsigned given = 0;
	if (o->recording)
		given |= TIMPORT_TAKES_RECORDING;
	if (o->clusters || o->max_freq || o->zone || o->interval_ms)
		given |= TIMPORT_TAKES_EVENTS;
	return given;
}

/* An option given to a format that does not take it: names the formats that do. */
static int opts_check(const struct timport_opts *o, const struct timport_format *fmt,
		      struct errbuf *eb)
{
	unsigned given = opts_given(o);
	for (size_t i = 0; i < sizeof own_opts / sizeof own_opts[0]; i++) {
		if (!(given & own_opts[i].takes) || (fmt->takes & own_opts[i].takes))
			continue;
		char which[256];
		list_names(which, sizeof which, own_opts[i].takes);
		return err_set(eb, ERR_USAGE, "trace import: %s for %s", own_opts[i].what, which);
	}
	return 0;
}

int timport_run(const struct timport_opts *o, FILE *log, struct errbuf *eb)
{
	struct errbuf local = {0, ""};
	if (!eb)
		eb = &local;
	if (!o->format)
		return err_set(eb, ERR_USAGE, "trace import: --from FORMAT is required (%s)",
			       timport_formats());
	if (!o->in)
		return err_set(eb, ERR_USAGE, "trace import: the input file is missing");
	if (o->out && o->out_dir)
		return err_set(eb, ERR_USAGE, "trace import: give -o or --out-dir, not both");
	const struct timport_format *fmt = NULL;
	for (int i = 0; !fmt && i < N_FORMATS; i++)
		if (strcmp(o->format, formats[i]->name) == 0)
			fmt = formats[i];
	if (!fmt)
		return err_set(eb, ERR_USAGE, "trace import: unknown format '%.32s' (known: %s)",
			       o->format, timport_formats());
	int rc = opts_check(o, fmt, eb);
	if (rc < 0)
		return rc;
	struct istage s = {NULL, NULL, 0, 0};
	if (o->out_dir && (rc = istage_make_dir(o->out_dir, eb)) < 0)
		return rc;
	rc = fmt->import(o, &s, log, eb);
	if (rc == 0)
		rc = istage_commit(&s, log, eb);
	istage_free(&s);
	return rc;
}
