/*
 * sweep_spec.c: reading a sweep file (see sweep.h and docs/sweeps.md) with inih.
 *
 * inih gives its handler no line numbers, so the file is fed through ini_parse_stream with
 * a reader that counts lines (as devices/device.c does); the handler names the line of
 * what it rejects. inih's Debian build reads at most INI_MAX_LINE - 1 characters a line,
 * so a list may be continued by repeating its key. This file checks the form of values
 * only; whether a trace, device or policy is usable is the plan's business (sweep_plan.c).
 */
#include "sweep.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "inilines.h"
#include "num.h"
#include "paths.h"
#include "run.h"

static const char *const dim_names[SWEEP_N_DIMS] = {
	"trace", "device", "model", "policy", "workload", "deadline_ms", "seed",
};

/* The [sweep] keys of the lists, aligned with enum sweep_dim. */
static const char *const list_keys[SWEEP_N_DIMS] = {
	"traces", "devices", "models", "policies", "workloads", "deadlines_ms", "seeds",
};

const char *sweep_dim_name(int dim)
{
	return dim >= 0 && dim < SWEEP_N_DIMS ? dim_names[dim] : "?";
}

enum { K_NAME, K_TIMINGS, K_OPS, K_DURATION, K_QUEUE, K_DROP, K_DETAIL, K_PHYSICS, K_N };
static const char *const scalar_keys[K_N] = {
	"name", "timings", "ops", "duration_s", "queue", "drop", "detail", "physics",
};

struct parse {
	FILE *f;
	struct inilines in;  /* counts lines, notes [section] headers */
	const char *path;
	struct sweep_spec *s;
	unsigned seen;       /* bit per scalar key */
	struct errbuf *eb;
	int rc;
};

static int push(struct sweep_list *l, const char *v, long line)
{
	char **a = realloc(l->v, (size_t)(l->n + 1) * sizeof *a);
	if (!a)
		return ERR_NOMEM;
	l->v = a;
	long *b = realloc(l->line, (size_t)(l->n + 1) * sizeof *b);
	if (!b)
		return ERR_NOMEM;
	l->line = b;
	if (!(l->v[l->n] = strdup(v)))
		return ERR_NOMEM;
	l->line[l->n++] = line;
	return 0;
}

/*
 * The value of dimension d (SWEEP_N_DIMS: the timings file) with its path taken from the
 * sweep file's folder: traces, devices and timings are paths; a model is one when it has
 * a '/' or ends in .csv (a zoo name otherwise, model.h); a policy's name part when it
 * ends in .so; a workload after "file:". 1, or 0 with the error set.
 */
static int resolve(struct parse *p, int d, const char *v, char *out, size_t len)
{
	size_t skip = 0, n = strlen(v);
	int is_path = d == SWEEP_TRACE || d == SWEEP_DEVICE || d == SWEEP_N_DIMS;
	if (d == SWEEP_MODEL)
		is_path = strchr(v, '/') || (n > 4 && strcmp(v + n - 4, ".csv") == 0);
	if (d == SWEEP_POLICY) {
		const char *colon = strchr(v, ':');
		size_t k = colon ? (size_t)(colon - v) : n;
		is_path = k > 3 && memcmp(v + k - 3, ".so", 3) == 0;
	}
	if (d == SWEEP_WORKLOAD && strncmp(v, "file:", 5) == 0) {
		is_path = 1;
		skip = 5;
	}
	if (!is_path || v[skip] == '/') {
		if (snprintf(out, len, "%s", v) >= (int)len)
			return inilines_fail(&p->in, ERR_RANGE, "'%.64s...': too long", v);
		return 1;
	}
	char path[PATH_MAX], tail[INI_MAX_LINE] = "";
	snprintf(path, sizeof path, "%s", v + skip);
	if (d == SWEEP_POLICY && strchr(path, ':')) {
		snprintf(tail, sizeof tail, "%s", strchr(path, ':'));
		*strchr(path, ':') = '\0';
	}
	char full[PATH_MAX];
	if (paths_beside(p->path, path, full, sizeof full) < 0 ||
	    snprintf(out, len, "%.*s%s%s", (int)skip, v, full, tail) >= (int)len)
		return inilines_fail(&p->in, ERR_RANGE, "'%.64s...': path too long", v);
	return 1;
}

static int set_str(struct parse *p, char **dst, const char *v)
{
	if (!v[0])
		return inilines_fail(&p->in, ERR_PARSE, "empty value");
	if (!(*dst = strdup(v)))
		return inilines_fail(&p->in, ERR_NOMEM, "out of memory");
	return 1;
}

static int scalar(struct parse *p, int k, const char *v)
{
	struct sweep_spec *s = p->s;
	double x;
	long n;
	if (p->seen & (1u << k))
		return inilines_fail(&p->in, ERR_PARSE, "%s is given twice", scalar_keys[k]);
	p->seen |= 1u << k;
	switch (k) {
	case K_NAME:
		if (!v[0] || strlen(v) >= sizeof s->name)
			return inilines_fail(&p->in, ERR_RANGE, "name: give 1 to %d characters",
				    (int)sizeof s->name - 1);
		snprintf(s->name, sizeof s->name, "%s", v);
		return 1;
	case K_TIMINGS: {
		char full[PATH_MAX];
		if (!v[0] || !resolve(p, SWEEP_N_DIMS, v, full, sizeof full))
			return set_str(p, &s->timings, v);
		s->timings_line = p->in.line;
		return set_str(p, &s->timings, full);
	}
	case K_OPS: return set_str(p, &s->ops, v);
	case K_DURATION:
		if (num_double(v, &x) < 0 || x < 0 || x > 1e8)
			return inilines_fail(&p->in, ERR_RANGE, "duration_s: '%.64s' is not in [0, 1e8]", v);
		s->duration_s = x;
		return 1;
	case K_QUEUE:
		if (num_long(v, &n) < 0 || n < 1 || n > 1000000)
			return inilines_fail(&p->in, ERR_RANGE, "queue: '%.64s' is not a count in 1..1000000", v);
		s->queue_cap = (int)n;
		return 1;
	case K_PHYSICS:
		if (strcmp(v, "replay") && strcmp(v, "closed"))
			return inilines_fail(&p->in, ERR_PARSE, "physics: '%.64s': give replay or closed", v);
		s->physics = v[0] == 'c' ? RUN_PHYSICS_CLOSED : RUN_PHYSICS_REPLAY;
		return 1;
	case K_DROP:
		if (strcmp(v, "newest") && strcmp(v, "oldest"))
			return inilines_fail(&p->in, ERR_PARSE, "drop: '%.64s': give newest or oldest", v);
		s->drop_oldest = v[0] == 'o';
		return 1;
	case K_DETAIL: {
		char buf[INI_MAX_LINE];
		snprintf(buf, sizeof buf, "%s", v);
		for (char *save, *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
			if (strcmp(t, "timeline") == 0)
				s->timeline = 1;
			else if (strcmp(t, "requests") == 0)
				s->requests = 1;
			else
				return inilines_fail(&p->in, ERR_PARSE, "detail: '%.64s': give timeline and/or requests",
					    t);
		}
		return 1;
	}
	}
	return 0;
}

static int list_value(struct parse *p, int d, const char *tok)
{
	struct sweep_spec *s = p->s;
	uint64_t u;
	if (d == SWEEP_DEADLINE) {
		double ms, f;
		char why[128];
		if (run_deadline_parse(tok, &ms, &f, why, sizeof why) < 0)
			return strncmp(tok, "auto:", 5) == 0
				       ? inilines_fail(&p->in, ERR_RANGE, "deadlines_ms: '%.64s': %s",
						       tok, why)
				       : inilines_fail(&p->in, ERR_RANGE,
						       "deadlines_ms: '%.64s' is not a number in (0, "
						       "1e9] nor auto:F",
						       tok);
		double *a = realloc(s->deadlines_ms, (size_t)(s->dim[d].n + 1) * sizeof *a);
		if (!a)
			return inilines_fail(&p->in, ERR_NOMEM, "out of memory");
		s->deadlines_ms = a;
		a[s->dim[d].n] = ms;
		if (!(a = realloc(s->deadlines_auto, (size_t)(s->dim[d].n + 1) * sizeof *a)))
			return inilines_fail(&p->in, ERR_NOMEM, "out of memory");
		s->deadlines_auto = a;
		a[s->dim[d].n] = f;
	} else if (d == SWEEP_WORKLOAD) {
		struct errbuf e = {0};
		if (run_workload_check(tok, &e) < 0)
			return inilines_fail(&p->in, ERR_PARSE, "workloads: %s", e.msg);
	} else if (d == SWEEP_SEED) {
		if (num_u64(tok, &u) < 0)
			return inilines_fail(&p->in, ERR_RANGE, "seeds: '%.64s' is not a non-negative integer", tok);
		uint64_t *a = realloc(s->seeds, (size_t)(s->dim[d].n + 1) * sizeof *a);
		if (!a)
			return inilines_fail(&p->in, ERR_NOMEM, "out of memory");
		s->seeds = a;
		a[s->dim[d].n] = u;
	}
	char v[INI_MAX_LINE + PATH_MAX];
	if (!resolve(p, d, tok, v, sizeof v))
		return 0;
	if (push(&s->dim[d], v, p->in.line) < 0)
		return inilines_fail(&p->in, ERR_NOMEM, "out of memory");
	return 1;
}

static int sweep_key(struct parse *p, const char *name, const char *value)
{
	for (int d = 0; d < SWEEP_N_DIMS; d++) {
		if (strcmp(name, list_keys[d]) != 0)
			continue;
		char buf[INI_MAX_LINE];
		snprintf(buf, sizeof buf, "%s", value);
		int any = 0;
		for (char *save, *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
			if (!list_value(p, d, t))
				return 0;
			any = 1;
		}
		if (!any)
			return inilines_fail(&p->in, ERR_PARSE, "%s: empty list", name);
		return 1;
	}
	for (int k = 0; k < K_N; k++)
		if (strcmp(name, scalar_keys[k]) == 0)
			return scalar(p, k, value);
	return inilines_fail(&p->in, ERR_PARSE,
		    "[sweep]: unknown key '%.64s' (name, traces, devices, timings, models, policies, "
		    "workloads, deadlines_ms, seeds, duration_s, queue, drop, ops, detail, physics)",
		    name);
}

static int exclude_key(struct parse *p, const char *name, const char *value)
{
	struct sweep_spec *s = p->s;
	if (strcmp(name, "run") != 0)
		return inilines_fail(&p->in, ERR_PARSE, "[exclude]: unknown key '%.64s' (run = dim=value ...)",
			    name);
	struct sweep_exclude *a = realloc(s->exclude, (size_t)(s->n_exclude + 1) * sizeof *a);
	if (!a)
		return inilines_fail(&p->in, ERR_NOMEM, "out of memory");
	s->exclude = a;
	struct sweep_exclude *x = &a[s->n_exclude++];
	memset(x, 0, sizeof *x);
	x->line = p->in.line;
	char buf[INI_MAX_LINE];
	snprintf(buf, sizeof buf, "%s", value);
	int any = 0;
	for (char *save, *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(t, '=');
		int d = -1;
		if (eq) {
			*eq = '\0';
			for (int k = 0; k < SWEEP_N_DIMS; k++)
				if (strcmp(t, dim_names[k]) == 0)
					d = k;
		}
		if (d < 0)
			return inilines_fail(&p->in, ERR_PARSE,
				    "[exclude]: '%.64s' is not dim=value (dims: trace, device, model, "
				    "policy, workload, deadline_ms, seed)",
				    t);
		if (x->value[d])
			return inilines_fail(&p->in, ERR_PARSE, "[exclude]: %s is given twice in one run line", t);
		char v[INI_MAX_LINE + PATH_MAX];
		if (!resolve(p, d, eq + 1, v, sizeof v))
			return 0;
		if (!(x->value[d] = strdup(v)))
			return inilines_fail(&p->in, ERR_NOMEM, "out of memory");
		any = 1;
	}
	if (!any)
		return inilines_fail(&p->in, ERR_PARSE, "[exclude]: run = needs at least one dim=value");
	return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	if (p->in.rc < 0)
		return 0;
	if (strcmp(section, "sweep") == 0)
		return sweep_key(p, name, value);
	if (strcmp(section, "exclude") == 0)
		return exclude_key(p, name, value);
	if (!section[0])
		return inilines_fail(&p->in, ERR_PARSE, "'%.64s' outside a section ([sweep] or [exclude])", name);
	return inilines_fail(&p->in, ERR_PARSE, "unknown section [%.64s] (sweep, exclude)", section);
}

/* 1 when value is in the list (numbers compare as numbers). */
static int listed(const struct sweep_spec *s, int d, const char *value)
{
	double x;
	uint64_t u;
	for (int i = 0; i < s->dim[d].n; i++) {
		if (d == SWEEP_DEADLINE) {
			double f;
			char why[128];
			if (run_deadline_parse(value, &x, &f, why, sizeof why) == 0 &&
			    x == s->deadlines_ms[i] && f == s->deadlines_auto[i])
				return 1;
		} else if (d == SWEEP_SEED) {
			if (num_u64(value, &u) == 0 && u == s->seeds[i])
				return 1;
		} else if (strcmp(value, s->dim[d].v[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* The defaults of `adascale run` for lists a file leaves out. */
static int defaults(struct parse *p)
{
	struct sweep_spec *s = p->s;
	long at = inilines_section_line(&p->in, "sweep");
	if (!at)
		return err_set(p->eb, ERR_PARSE, "%s:%ld: no [sweep] section", p->path,
			       p->in.line > 0 ? p->in.line : 1);
	static const char *const dflt[SWEEP_N_DIMS] = {
		[SWEEP_WORKLOAD] = "periodic:fps=30", [SWEEP_DEADLINE] = "100", [SWEEP_SEED] = "1",
	};
	for (int d = 0; d < SWEEP_N_DIMS; d++) {
		if (s->dim[d].n)
			continue;
		if (!dflt[d])
			return err_set(p->eb, ERR_PARSE, "%s:%ld: [sweep] needs %s", p->path, at,
				       list_keys[d]);
		if (!list_value(p, d, dflt[d]))
			return p->in.rc;
	}
	if (!s->name[0])
		return err_set(p->eb, ERR_PARSE, "%s:%ld: [sweep] needs name", p->path, at);
	for (int i = 0; i < s->n_exclude; i++)
		for (int d = 0; d < SWEEP_N_DIMS; d++)
			if (s->exclude[i].value[d] && !listed(s, d, s->exclude[i].value[d]))
				return err_set(p->eb, ERR_PARSE,
					       "%s:%ld: [exclude]: %s '%.200s' is not in the %s list",
					       p->path, s->exclude[i].line, dim_names[d],
					       s->exclude[i].value[d], list_keys[d]);
	return 0;
}

int sweep_spec_load(const char *path, struct sweep_spec **out, struct errbuf *eb)
{
	struct parse p = {.path = path, .eb = eb};
	p.s = calloc(1, sizeof *p.s);
	if (!p.s)
		return err_set(eb, ERR_NOMEM, "%s: out of memory", path);
	p.s->queue_cap = 4;
	if (snprintf(p.s->path, sizeof p.s->path, "%s", path) >= (int)sizeof p.s->path) {
		p.rc = err_set(eb, ERR_RANGE, "%.64s...: path too long", path);
		goto fail;
	}
	p.f = fopen(path, "r");
	if (!p.f) {
		p.rc = err_set(eb, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: cannot open: %s",
			       path, strerror(errno));
		goto fail;
	}
	inilines_init(&p.in, p.f, path, eb, "repeat the key to continue a list");
	if ((p.rc = inilines_parse(&p.in, handler, &p)) < 0)
		goto fail;
	if ((p.rc = defaults(&p)) < 0)
		goto fail;
	fclose(p.f);
	*out = p.s;
	return 0;
fail:
	if (p.f)
		fclose(p.f);
	sweep_spec_destroy(p.s);
	return p.rc < 0 ? p.rc : ERR_PARSE;
}

void sweep_spec_destroy(struct sweep_spec *s)
{
	if (!s)
		return;
	for (int d = 0; d < SWEEP_N_DIMS; d++) {
		for (int i = 0; i < s->dim[d].n; i++)
			free(s->dim[d].v[i]);
		free(s->dim[d].v);
		free(s->dim[d].line);
	}
	for (int i = 0; i < s->n_exclude; i++)
		for (int d = 0; d < SWEEP_N_DIMS; d++)
			free(s->exclude[i].value[d]);
	free(s->exclude);
	free(s->deadlines_ms);
	free(s->deadlines_auto);
	free(s->seeds);
	free(s->timings);
	free(s->ops);
	free(s);
}
