/*
 * workload.c: arrivals and their grammar (see workload.h). The arithmetic is the one the
 * simulator has always used, so that its runs keep their numbers bit for bit.
 */
#include "workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "num.h"
#include "rng.h"

int workload_parse(const char *w, struct workload_spec *p, struct errbuf *eb)
{
	memset(p, 0, sizeof *p);
	p->service = WORKLOAD_SERVICE_MEAS; /* the default: work drawn from its measured spread */
	if (strncmp(w, "file:", 5) == 0) {
		/* an optional ",service=det|exp|meas" at the end (a path ending so reads as it) */
		static const struct {
			const char *suffix;
			int service;
		} sfx[] = {{",service=det", WORKLOAD_SERVICE_DET},
			   {",service=exp", WORKLOAD_SERVICE_EXP},
			   {",service=meas", WORKLOAD_SERVICE_MEAS}};
		size_t n = strlen(w + 5);
		for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
			size_t k = strlen(sfx[i].suffix);
			if (n > k && strcmp(w + 5 + n - k, sfx[i].suffix) == 0) {
				p->service = sfx[i].service;
				p->service_given = 1;
				n -= k;
				break;
			}
		}
		if (n >= sizeof p->file)
			return err_set(eb, ERR_USAGE, "workload '%.64s...': the path is longer than "
				       "%zu bytes", w, sizeof p->file - 1);
		p->kind = WORKLOAD_FILE;
		memcpy(p->file, w + 5, n);
		p->file[n] = '\0';
		p->path = p->file;
		return 0;
	}
	char buf[256];
	if (snprintf(buf, sizeof buf, "%s", w) >= (int)sizeof buf)
		goto bad;
	char *colon = strchr(buf, ':');
	if (!colon)
		goto bad;
	*colon = '\0';
	if (strcmp(buf, "periodic") == 0)
		p->kind = WORKLOAD_PERIODIC;
	else if (strcmp(buf, "poisson") == 0)
		p->kind = WORKLOAD_POISSON;
	else
		goto bad;
	int poisson = p->kind == WORKLOAD_POISSON;
	for (char *save, *kv = strtok_r(colon + 1, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		double x;
		if (!eq)
			goto bad;
		*eq = '\0';
		const char *v = eq + 1;
		if (strcmp(kv, poisson ? "rate" : "fps") == 0 && num_double(v, &x) == 0 && x > 0 &&
		    x <= 1e6)
			p->rate_hz = x;
		else if (strcmp(kv, "service") == 0 && strcmp(v, "meas") == 0)
			p->service = WORKLOAD_SERVICE_MEAS, p->service_given = 1;
		else if (strcmp(kv, "service") == 0 && strcmp(v, "det") == 0)
			p->service = WORKLOAD_SERVICE_DET, p->service_given = 1;
		else if (strcmp(kv, "service") == 0 && strcmp(v, "exp") == 0)
			p->service = WORKLOAD_SERVICE_EXP, p->service_given = 1;
		else
			goto bad;
	}
	if (p->rate_hz > 0)
		return 0;
bad:
	return err_set(eb, ERR_USAGE,
		       "workload '%s': expected periodic:fps=F or poisson:rate=R (per second, > 0), "
		       "optionally with ,service=det|exp|meas, or file:PATH[,service=...]",
		       w);
}

struct workload_file {
	struct csvin *c;
	int col_t, col_d;
};

struct workload_file *workload_file_open(const char *path, struct errbuf *eb)
{
	struct workload_file *f = calloc(1, sizeof *f);
	if (!f) {
		err_set(eb, ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (!(f->c = csvin_open(path, eb)) || (f->col_t = csvin_require_col(f->c, "time_s", eb)) < 0)
		goto fail;
	f->col_d = csvin_col(f->c, "deadline_ms");
	for (int i = 0; i < csvin_n_cols(f->c); i++)
		if (i != f->col_t && i != f->col_d) {
			err_set(eb, ERR_PARSE, "%s:%ld:%d: unknown column '%s' (time_s, deadline_ms)",
				path, csvin_line(f->c), i + 1, csvin_col_name(f->c, i));
			goto fail;
		}
	return f;
fail:
	workload_file_close(f);
	return NULL;
}

int workload_file_next(struct workload_file *f, int64_t prev_ns, double default_deadline_ms,
		       int64_t *t_ns, int64_t *deadline_ns, struct errbuf *eb)
{
	int rc = csvin_next(f->c, eb);
	if (rc <= 0)
		return rc;
	double t, d = default_deadline_ms;
	if ((rc = csvin_double_in(f->c, f->col_t, 0, 1e9, &t, eb)) < 0)
		return rc;
	if (f->col_d >= 0) {
		/* an empty deadline_ms means the run's deadline */
		if ((rc = csvin_double_opt(f->c, f->col_d, &d, eb)) < 0)
			return rc;
		if (rc == 1 && !(d > 0 && d <= 1e9))
			return csvin_fail(f->c, eb, ERR_RANGE, "deadline_ms %g is not in (0, 1e9]", d);
	}
	*t_ns = llround(t * 1e9);
	if (*t_ns < prev_ns)
		return csvin_fail(f->c, eb, ERR_RANGE, "time goes backwards (%.9g s after %.9g s)", t,
				  (double)prev_ns / 1e9);
	*deadline_ns = llround(d * 1e6);
	return 1;
}

void workload_file_close(struct workload_file *f)
{
	if (!f)
		return;
	csvin_close(f->c);
	free(f);
}

int workload_deadline_parse(const char *text, double *deadline_ms, double *deadline_auto,
			    char *why, size_t why_len)
{
	double x;
	if (strncmp(text, "auto:", 5) == 0) {
		if (num_double(text + 5, &x) < 0 || !(x > 0) || x > 1000) {
			snprintf(why, why_len, "auto:F takes a number F in (0, 1000], not '%.32s'",
				 text + 5);
			return -1;
		}
		*deadline_ms = 0;
		*deadline_auto = x;
		return 0;
	}
	if (num_double(text, &x) < 0 || !(x > 0) || x > 1e9) {
		snprintf(why, why_len, "takes milliseconds in (0, 1e9] or auto:F, not '%.32s'", text);
		return -1;
	}
	*deadline_ms = x;
	*deadline_auto = 0;
	return 0;
}
