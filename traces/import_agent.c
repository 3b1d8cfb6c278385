/*
 * import_agent.c: `trace import --from agent` (see timport.h): a recording by
 * `adascale-agent record`, already in the trace format. It is checked as `trace check`
 * checks it (tcheck.h, its warnings to the log), then read again and copied: rows as
 * written, metadata normalised (provenance first, keys in lower case, the bare agent source
 * line completed from # host: and # started:). Not for recordings in any other format.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "csvin.h"
#include "tcheck.h"
#include "timportint.h"

/* Metadata keys the import rewrites itself. */
static int own_key(const char *k)
{
	static const char *const own[] = {"source", "licence", "license", "imported_by",
					  "source_sha256", NULL};
	for (int i = 0; own[i]; i++)
		if (strcasecmp(k, own[i]) == 0)
			return 1;
	return 0;
}

static int import_agent(const struct timport_opts *o, struct istage *s, FILE *log,
			struct errbuf *eb)
{
	struct tcheck_report *rep = NULL;
	struct csvin *c = NULL;
	struct istage_prov p;
	int rc = tcheck_file(o->in, NULL, &rep, eb);
	if (rc < 0)
		return rc;
	for (long i = 0; log && i < rep->n_warnings && i < TCHECK_MAX_WARNINGS; i++)
		fprintf(log, "%s\n", rep->warnings[i]);
	if (!(c = csvin_open(o->in, eb))) {
		rc = eb->code;
		goto done;
	}
	if ((rc = istage_prov_init(&p, o, c, "a trace-format recording (it names no source)",
				    eb)) < 0)
		goto done;
	/* The agent's bare "adascale-agent record" gets the machine and start it names. */
	const char *host = csvin_meta(c, "host"), *started = csvin_meta(c, "started");
	if (!o->source && strcmp(p.source, "adascale-agent record") == 0 && host) {
		char more[ISTAGE_META_LEN];
		snprintf(more, sizeof more, "adascale-agent record on host %.200s%s%.64s", host,
			 started ? ", started " : "", started ? started : "");
		istage_meta_clean(p.source, sizeof p.source, more);
	}
	FILE *f = istage_open(o, s, NULL, eb);
	if (!f) {
		rc = eb->code;
		goto done;
	}
	int ok = istage_prov_write(f, &p) == 0;
	int has_freq = 0, has_max = 0;
	for (int i = 0; i < csvin_n_meta(c); i++) {
		const char *k, *v;
		csvin_meta_at(c, i, &k, &v);
		if (own_key(k))
			continue;
		char key[128], val[ISTAGE_META_LEN];
		size_t n = 0;
		for (; k[n] && n + 1 < sizeof key; n++)
			key[n] = (char)(k[n] >= 'A' && k[n] <= 'Z' ? k[n] - 'A' + 'a' : k[n]);
		key[n] = '\0';
		has_max |= strncmp(key, "max_freq_mhz", 12) == 0;
		istage_meta_clean(val, sizeof val, v);
		ok &= fprintf(f, "# %s: %s\n", key, val) > 0;
	}
	for (int i = 0; i < csvin_n_cols(c); i++) {
		has_freq |= strncmp(csvin_col_name(c, i), "freq_mhz", 8) == 0;
		ok &= fprintf(f, "%s%s", i ? "," : "", csvin_col_name(c, i)) > 0;
	}
	ok &= fputc('\n', f) != EOF;
	long rows = 0;
	while ((rc = csvin_next(c, eb)) == 1) {
		for (int i = 0; i < csvin_n_cols(c); i++) {
			if (i)
				ok &= fputc(',', f) != EOF;
			ok &= csvin_write_field(f, csvin_field(c, i)) == 0;
		}
		ok &= fputc('\n', f) != EOF;
		rows++;
	}
	if (rc < 0)
		goto done;
	if (has_freq && !has_max && log)
		fprintf(log, "%s: warning: frequencies but no max_freq_mhz: they replay as absolute "
			     "MHz\n",
			o->in);
	rc = istage_end(s, rows, ok, eb);
done:
	csvin_close(c);
	tcheck_report_destroy(rep);
	return rc;
}

const struct timport_format timport_agent = {
	"agent",
	"a recording of `adascale-agent record`: checked, metadata normalised, rows as written",
	0,
	import_agent,
};
