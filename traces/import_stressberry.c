/*
 * import_stressberry.c: `trace import --from stressberry` (see timport.h): the stressberry
 * thermal recordings of Raspberry Pi boards as one CSV (file, board, cooling, time_s,
 * temperature_c, cpu_freq_mhz), one trace per recording. The text of every value is kept as
 * written, so nothing is rounded; values are only checked against the trace format's
 * ranges. Not for provenance and staging (timport.c) nor for other formats.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "timportint.h"

struct sb_row {
	char *t, *temp, *freq; /* texts as written; "" when empty */
};

struct sb_rec {
	char file[256], board[128], cooling[256];
	struct sb_row *rows;
	long n, cap;
	long first_line;
	int64_t last_t_ns;
	double max_freq;
	char max_text[64];
};

static void sb_clear(struct sb_rec *r)
{
	for (long i = 0; i < r->n; i++) {
		free(r->rows[i].t);
		free(r->rows[i].temp);
		free(r->rows[i].freq);
	}
	free(r->rows);
	memset(r, 0, sizeof *r);
}

/* The recording id: the file name without ".dat". */
static void sb_id(char *out, size_t len, const char *file)
{
	snprintf(out, len, "%s", file);
	size_t n = strlen(out);
	if (n > 4 && strcmp(out + n - 4, ".dat") == 0)
		out[n - 4] = '\0';
}

static int sb_selected(const struct timport_opts *o, const char *file)
{
	if (!o->recording)
		return 1;
	char id[256];
	sb_id(id, sizeof id, file);
	return strcmp(o->recording, file) == 0 || strcmp(o->recording, id) == 0;
}

static int sb_write(const struct timport_opts *o, const struct istage_prov *p,
		    struct sb_rec *r, struct istage *s, struct errbuf *eb)
{
	char id[256];
	sb_id(id, sizeof id, r->file);
	FILE *f = istage_open(o, s, id, eb);
	if (!f)
		return eb->code;
	int ok = istage_prov_write(f, p) == 0;
	char v[ISTAGE_META_LEN];
	istage_meta_clean(v, sizeof v, r->file);
	ok &= fprintf(f, "# recording: %s (input lines %ld-%ld)\n", v, r->first_line,
		      r->first_line + r->n - 1) > 0;
	istage_meta_clean(v, sizeof v, r->board);
	if (*v)
		ok &= fprintf(f, "# board: %s\n", v) > 0;
	istage_meta_clean(v, sizeof v, r->cooling);
	if (*v)
		ok &= fprintf(f, "# cooling: %s\n", v) > 0;
	int has_freq = r->max_text[0] != '\0';
	if (has_freq)
		ok &= fprintf(f, "# max_freq_mhz: %s\n# max_freq_note: the highest ARM clock of this "
				 "recording (stressberry loads every core, so the clock reaches "
				 "the board's maximum unless it throttles from the start)\n",
			      r->max_text) > 0;
	else
		ok &= fprintf(f, "# note: this recording has no ARM clock (older stressberry "
				 "versions did not record it): temperature only\n") > 0;
	ok &= fprintf(f, has_freq ? "time_s,temp_c,freq_mhz\n" : "time_s,temp_c\n") > 0;
	for (long i = 0; i < r->n; i++) {
		const struct sb_row *w = &r->rows[i];
		if (has_freq)
			ok &= fprintf(f, "%s,%s,%s\n", w->t, w->temp, w->freq) > 0;
		else
			ok &= fprintf(f, "%s,%s\n", w->t, w->temp) > 0;
	}
	return istage_end(s, r->n, ok, eb);
}

static int sb_add_row(struct sb_rec *r, const struct csvin *c, int ct, int ctemp, int cf,
		      struct errbuf *eb)
{
	double v;
	int rc = csvin_double(c, ct, &v, eb);
	if (rc < 0)
		return rc;
	if (v < 0 || v > 1e9)
		return csvin_fail(c, eb, ERR_RANGE, "time_s %g is outside [0, 1e9]", v);
	int64_t t_ns = llround(v * 1e9);
	if (r->n > 0 && t_ns < r->last_t_ns)
		return csvin_fail(c, eb, ERR_RANGE, "time goes backwards in recording %s (%.9g s)",
				  r->file, v);
	r->last_t_ns = t_ns;
	if ((rc = csvin_double_opt(c, ctemp, &v, eb)) < 0)
		return rc;
	if (rc && (v < -100 || v > 200))
		return csvin_fail(c, eb, ERR_RANGE, "temperature %g is outside [-100, 200] C", v);
	const char *ftext = "";
	if (cf >= 0) {
		if ((rc = csvin_double_opt(c, cf, &v, eb)) < 0)
			return rc;
		if (rc && (v <= 0 || v > 20000))
			return csvin_fail(c, eb, ERR_RANGE, "ARM clock %g is outside (0, 20000] MHz",
					  v);
		if (rc) {
			ftext = csvin_field(c, cf);
			if (!r->max_text[0] || v > r->max_freq) {
				r->max_freq = v;
				snprintf(r->max_text, sizeof r->max_text, "%s", ftext);
			}
		}
	}
	if (r->n == r->cap) {
		long cap = r->cap ? 2 * r->cap : 512;
		struct sb_row *rows = realloc(r->rows, (size_t)cap * sizeof *rows);
		if (!rows)
			return err_set(eb, ERR_NOMEM, "out of memory");
		r->rows = rows;
		r->cap = cap;
	}
	struct sb_row *w = &r->rows[r->n];
	w->t = strdup(csvin_field(c, ct));
	w->temp = strdup(csvin_field(c, ctemp));
	w->freq = strdup(ftext);
	r->n++;
	if (!w->t || !w->temp || !w->freq)
		return err_set(eb, ERR_NOMEM, "out of memory");
	return 0;
}

struct names {
	char (*v)[256];
	int n, cap;
};

static int names_has(const struct names *s, const char *v)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->v[i], v) == 0)
			return 1;
	return 0;
}

static int names_add(struct names *s, const char *v)
{
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 32;
		char(*nv)[256] = realloc(s->v, (size_t)cap * sizeof *nv);
		if (!nv)
			return ERR_NOMEM;
		s->v = nv;
		s->cap = cap;
	}
	snprintf(s->v[s->n++], 256, "%s", v);
	return 0;
}

static int import_stressberry(const struct timport_opts *o, struct istage *s, FILE *log,
			      struct errbuf *eb)
{
	(void)log; /* nothing to warn about: a recording converts or fails */
	struct sb_rec r;
	struct names seen = {NULL, 0, 0}, ids = {NULL, 0, 0};
	struct istage_prov p;
	int rc = 0;
	memset(&r, 0, sizeof r);
	struct csvin *c = csvin_open(o->in, eb);
	if (!c)
		return eb->code;
	int cfile = csvin_require_col(c, "file", eb), ct = -1, ctemp = -1;
	if (cfile < 0 || (ct = csvin_require_col(c, "time_s", eb)) < 0 ||
	    (ctemp = csvin_require_col(c, "temperature_c", eb)) < 0) {
		rc = eb->code;
		goto done;
	}
	int cf = csvin_col(c, "cpu_freq_mhz"), cboard = csvin_col(c, "board"),
	    ccool = csvin_col(c, "cooling");
	if ((rc = istage_prov_init(&p, o, c, "stressberry recordings (no source line in the input)",
				    eb)) < 0)
		goto done;
	int n_sel = 0;
	long line = 0;
	while ((rc = csvin_next(c, eb)) == 1) {
		const char *file = csvin_field(c, cfile);
		line = csvin_line(c);
		if (!*file) {
			rc = csvin_fail(c, eb, ERR_PARSE, "empty recording name (column 'file')");
			goto done;
		}
		if (r.n == 0 || strcmp(file, r.file) != 0) {
			if (r.n > 0 && !o->out_dir && !o->recording) {
				rc = err_set(eb, ERR_USAGE,
					     "%s holds more than one recording (a second starts at line "
					     "%ld): give --out-dir DIR (one trace each) or --recording ID",
					     o->in, line);
				goto done;
			}
			if (r.n > 0 && sb_selected(o, r.file)) {
				if ((rc = sb_write(o, &p, &r, s, eb)) < 0)
					goto done;
				n_sel++;
			}
			sb_clear(&r);
			if (names_has(&seen, file)) {
				rc = csvin_fail(c, eb, ERR_PARSE,
						"recording '%.64s' starts again (its rows must be "
						"together)",
						file);
				goto done;
			}
			char id[256];
			sb_id(id, sizeof id, file);
			if (names_has(&ids, id)) {
				rc = csvin_fail(c, eb, ERR_PARSE,
						"recording '%.64s' has the same id as an earlier one",
						file);
				goto done;
			}
			if (names_add(&seen, file) < 0 || names_add(&ids, id) < 0) {
				rc = err_set(eb, ERR_NOMEM, "out of memory");
				goto done;
			}
			snprintf(r.file, sizeof r.file, "%s", file);
			snprintf(r.board, sizeof r.board, "%s", cboard >= 0 ? csvin_field(c, cboard) : "");
			snprintf(r.cooling, sizeof r.cooling, "%s",
				 ccool >= 0 ? csvin_field(c, ccool) : "");
			r.first_line = line;
		}
		if ((rc = sb_add_row(&r, c, ct, ctemp, cf, eb)) < 0)
			goto done;
	}
	if (rc < 0)
		goto done;
	if (r.n > 0 && sb_selected(o, r.file)) {
		if ((rc = sb_write(o, &p, &r, s, eb)) < 0)
			goto done;
		n_sel++;
	}
	if (n_sel == 0) {
		rc = err_set(eb, o->recording ? ERR_NOTFOUND : ERR_PARSE,
			     o->recording ? "%s: no recording '%.64s' (%d recordings; `trace import` "
					    "with --out-dir writes them all)"
					  : "%s: no data rows%.0s (%d recordings)",
			     o->in, o->recording ? o->recording : "", seen.n);
		goto done;
	}
	rc = 0;
done:
	sb_clear(&r);
	free(seen.v);
	free(ids.v);
	csvin_close(c);
	return rc;
}

const struct timport_format timport_stressberry = {
	"stressberry",
	"the stressberry thermal recordings CSV: one trace per recording, values as written",
	TIMPORT_TAKES_RECORDING,
	import_stressberry,
};
