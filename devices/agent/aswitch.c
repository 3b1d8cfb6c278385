/*
 * aswitch.c: the switchcost verb (see aswitch.h): weight files, cold and warm reads, timed
 * builds of whole passes, and the switch-cost file.
 */
#include "aswitch.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "afile.h"
#include "alists.h"
#include "ameasure.h"
#include "apool.h"
#include "arun.h"
#include "asys.h"
#include "csvin.h"
#include "kb.h"
#include "kb_tensor.h"
#include "rng.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif

void agent_switch_defaults(struct agent_switch_opts *o)
{
	memset(o, 0, sizeof *o);
	o->backend = "auto";
	o->dtype = DT_FP32;
	o->reps = 5;
	o->seed = 1;
}

/* Reads bytes of path into buf with read(2), open and close included: ms. */
int agent_switch_read(const char *path, void *buf, size_t bytes, double *ms, struct errbuf *eb)
{
	double t0 = agent_now_s();
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return err_set(eb, ERR_IO, "%s: %s", path, strerror(errno));
	size_t at = 0;
	while (at < bytes) {
		ssize_t n = read(fd, (char *)buf + at, bytes - at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(fd);
			return err_set(eb, ERR_IO, "%s: read: %s", path, strerror(e));
		}
		at += (size_t)n;
	}
	close(fd);
	*ms = (agent_now_s() - t0) * 1e3;
	return 0;
}

/* Pages of fd's first bytes the page cache holds (mincore(2)); -1 when it cannot tell. */
static long resident(int fd, size_t bytes, long *pages)
{
	long page = sysconf(_SC_PAGESIZE);
	*pages = (long)((bytes + (size_t)page - 1) / (size_t)page);
	if (bytes == 0)
		return 0;
	void *m = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	unsigned char *vec = malloc((size_t)*pages);
	long n = -1;
	if (vec && mincore(m, bytes, vec) == 0) {
		n = 0;
		for (long i = 0; i < *pages; i++)
			n += vec[i] & 1;
	}
	free(vec);
	munmap(m, bytes);
	return n;
}

int agent_switch_read_cold(const char *path, void *buf, size_t bytes, double *cold_ms,
			   long *resident_pages, long *pages, struct errbuf *eb)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return err_set(eb, ERR_IO, "%s: %s", path, strerror(errno));
	/* the file was fsync'd when written: its pages are clean, so the drop can free them */
	int e = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (e != 0) {
		close(fd);
		return err_set(eb, ERR_IO, "%s: posix_fadvise: %s", path, strerror(e));
	}
	*resident_pages = resident(fd, bytes, pages);
	close(fd);
	return agent_switch_read(path, buf, bytes, cold_ms, eb);
}

/* Writes bytes of random data to a new file in dir, fsync'd: its name in path. */
static int weight_file(const char *dir, size_t bytes, uint64_t seed, char *path, size_t len,
		       struct errbuf *eb)
{
	if (snprintf(path, len, "%s/.adascale-switch-XXXXXX", dir) >= (int)len)
		return err_set(eb, ERR_RANGE, "%s: path too long", dir);
	int fd = mkstemp(path);
	if (fd < 0)
		return err_set(eb, ERR_IO, "%s: cannot create a weight file: %s", dir,
			       strerror(errno));
	struct rng r;
	rng_init(&r, seed, "switch");
	uint64_t chunk[8192];
	size_t at = 0;
	int rc = 0;
	while (at < bytes && rc == 0) {
		size_t n = bytes - at < sizeof chunk ? bytes - at : sizeof chunk;
		for (size_t i = 0; i < (n + 7) / 8; i++)
			chunk[i] = rng_u64(&r);
		ssize_t w = write(fd, chunk, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = err_set(eb, ERR_IO, "%s: write: %s", path, strerror(w < 0 ? errno : EIO));
		else
			at += (size_t)w;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = err_set(eb, ERR_IO, "%s: fsync: %s", path, strerror(errno));
	close(fd);
	if (rc < 0)
		unlink(path);
	return rc;
}

static double median(double *x, int n)
{
	agent_sort(x, n);
	return agent_quantile(x, n, 0.5);
}

/* One pass's measured costs. */
struct cost {
	double weight_bytes, cold_ms, warm_ms;
	double build_ms[AGENT_MAX_THREAD_COUNTS], fill_ms;
};

static int measure_pass(const struct agent_switch_opts *o, const char *dir,
			const struct agent_pass_spec *sp, const char *what, const int *threads,
			int n_threads, struct cost *c, long *res_max, long *pages_sum,
			struct errbuf *eb)
{
	double params = 0, wb = 0;
	for (int i = 0; i < sp->n; i++) {
		double p = kshape_params(&sp->layers[i].k);
		params += p;
		/* as models/ counts a variant's weight bytes (model_cost) */
		wb += (double)((uint64_t)p * (uint64_t)dtype_bytes(sp->layers[i].k.dtype));
	}
	c->weight_bytes = wb;
	size_t bytes = (size_t)wb;
	char path[4096];
	double *x = malloc((size_t)o->reps * 3 * sizeof *x);
	void *buf = malloc(bytes ? bytes : 1);
	float *w = malloc((size_t)(params > 0 ? params : 1) * sizeof *w);
	int rc = 0, have_file = 0;
	if (!x || !buf || !w) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = weight_file(dir, bytes, o->seed, path, sizeof path, eb)) < 0)
		goto out;
	have_file = 1;
	double *cold = x, *warm = x + o->reps, *fill = x + 2 * o->reps;
	for (int r = 0; r < o->reps; r++) {
		long res = 0, pages = 0;
		if ((rc = agent_switch_read_cold(path, buf, bytes, &cold[r], &res, &pages, eb)) < 0 ||
		    (rc = agent_switch_read(path, buf, bytes, &warm[r], eb)) < 0)
			goto out;
		if (res > *res_max)
			*res_max = res;
		if (r == 0)
			*pages_sum += pages;
		struct rng g;
		rng_init(&g, o->seed, KB_RNG_STREAM);
		double t0 = agent_now_s();
		kb_fill_f32(&g, w, (size_t)params, -1.0f, 1.0f);
		fill[r] = (agent_now_s() - t0) * 1e3;
	}
	c->cold_ms = median(cold, o->reps);
	c->warm_ms = median(warm, o->reps);
	c->fill_ms = median(fill, o->reps);
	for (int t = 0; t < n_threads; t++) {
		for (int r = 0; r < o->reps; r++) {
			struct agent_pass *p = NULL;
			double t0 = agent_now_s();
			rc = agent_pass_create(sp->layers, sp->n, o->backend, threads[t], o->seed, what,
					       &p, eb);
			double t1 = agent_now_s();
			agent_pass_destroy(p);
			if (rc < 0)
				goto out;
			x[r] = (t1 - t0) * 1e3;
		}
		double b = median(x, o->reps) - c->fill_ms;
		c->build_ms[t] = b > 0 ? b : 0;
	}
out:
	if (have_file)
		unlink(path);
	free(w);
	free(buf);
	free(x);
	return rc;
}

int agent_switch(const struct agent_switch_opts *o, const char *out_path, struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	struct agent_passes *ps = NULL;
	struct agent_sys *sys = calloc(1, sizeof *sys);
	struct cost *cost = NULL;
	struct afile *af = NULL;
	struct agent_cpuset cpus;
	int threads[AGENT_MAX_THREAD_COUNTS], n_threads = 0, placed = 0, rc;
	char dir[4096];
	if (!sys)
		return err_set(eb, ERR_NOMEM, "out of memory");
	if (o->reps < 1) {
		rc = err_set(eb, ERR_USAGE, "--reps %d: at least 1", o->reps);
		goto out;
	}
	if (strcmp(o->backend, "auto") != 0 && !kb_find(o->backend)) {
		rc = err_set(eb, ERR_USAGE, "--backend '%s': auto, openblas or xnnpack", o->backend);
		goto out;
	}
	if ((rc = agent_passes_read(o->spec, o->dtype, &ps, eb)) < 0)
		goto out;
	if (!ps->has_pass_col) {
		rc = err_set(eb, ERR_USAGE, "%s: no `pass` column: switch costs are per variant, "
					    "so they take a pass list (adascale profile MODEL "
					    "--pass-list)",
			     o->spec);
		goto out;
	}
	for (int p = 0; p < ps->n; p++)
		for (int i = 0; i < ps->p[p].n; i++) {
			char why[KB_WHY_LEN] = "unsupported";
			if (!kb_choose(o->backend, &ps->p[p].layers[i].k, why)) {
				rc = err_set(eb, ERR_USAGE, "%s:%ld: %s: %s", o->spec,
					     ps->p[p].layers[i].line, o->backend, why);
				goto out;
			}
		}
	if (o->dir) {
		snprintf(dir, sizeof dir, "%s", o->dir);
	} else if (out_path && strcmp(out_path, "-") != 0 && strrchr(out_path, '/')) {
		snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(out_path, '/') - out_path),
			 out_path);
		if (!dir[0])
			snprintf(dir, sizeof dir, "/");
	} else {
		snprintf(dir, sizeof dir, ".");
	}
	if (o->cpus) {
		struct agent_cpuset want;
		if (agent_cpuset_parse(o->cpus, &want) < 0) {
			rc = err_set(eb, ERR_USAGE, "--cpus '%s': a CPU list like 0-3 or 4,5", o->cpus);
			goto out;
		}
		if ((rc = agent_affinity_set(&want, eb)) < 0)
			goto out;
	}
	if ((rc = agent_affinity_get(&cpus, eb)) < 0 || (rc = agent_sys_read(sys, eb)) < 0)
		goto out;
	agent_pool_place(&cpus);
	placed = 1;
	if (o->n_threads) {
		n_threads = o->n_threads;
		memcpy(threads, o->threads, sizeof threads);
	} else {
		threads[n_threads++] = 1;
		if (agent_cpuset_count(&cpus) > 1)
			threads[n_threads++] = agent_cpuset_count(&cpus);
	}
	if (!(cost = calloc((size_t)ps->n, sizeof *cost))) {
		rc = err_set(eb, ERR_NOMEM, "out of memory");
		goto out;
	}
	/* the output can be created before measuring: it appears only when committed */
	if (!(af = afile_create(out_path, eb))) {
		rc = eb->code;
		goto out;
	}
	long res_max = 0, pages = 0;
	double t_start = agent_now_s();
	for (int p = 0; p < ps->n; p++) {
		if (o->progress)
			fprintf(stderr, "switchcost: [%d/%d] %s\n", p + 1, ps->n, ps->p[p].key);
		if ((rc = measure_pass(o, dir, &ps->p[p], o->spec, threads, n_threads, &cost[p],
				       &res_max, &pages, eb)) < 0) {
			err_wrap(eb, "%s: pass '%s'", o->spec, ps->p[p].key);
			goto out;
		}
	}
	FILE *f = afile_stream(af);
	char date[32], list[256];
	struct utsname un;
	agent_iso_now(date, sizeof date);
	agent_cpuset_format(&cpus, list, sizeof list);
	int ok = fprintf(f, "# what: switch costs: reading a variant's weights with a cold page "
			    "cache, and building its operators (create, set up, pack weights)\n") > 0;
	ok &= fprintf(f, "# units: weight_bytes bytes; *_ms milliseconds, medians of %d\n",
		      o->reps) > 0;
	ok &= fprintf(f, "# agent: adascale-agent %s\n# host: %s\n# cpu: %s\n", ADASCALE_VERSION,
		      sys->host, sys->cpu_model[0] ? sys->cpu_model : "unknown") > 0;
	if (uname(&un) == 0)
		ok &= fprintf(f, "# kernel: %s %s %s\n", un.sysname, un.release, un.machine) > 0;
	ok &= fprintf(f, "# date: %s\n", date) > 0;
	if (o->command)
		ok &= fprintf(f, "# command: %s\n", o->command) > 0;
	ok &= fprintf(f, "# spec: %s\n# backend: %s\n# cpus: %s\n# seed: %llu\n", o->spec,
		      o->backend, list, (unsigned long long)o->seed) > 0;
	ok &= fprintf(f, "# read: a file of the variant's weight bytes in %s, written and "
			 "fsync'd once, dropped from the page cache with posix_fadvise("
			 "POSIX_FADV_DONTNEED) before each cold read (no root needed; it drops "
			 "this file's pages only), then read whole with read(2); read_warm_ms "
			 "reads it again at once\n",
		      dir) > 0;
	if (res_max >= 0)
		ok &= fprintf(f, "# cache_drop: at most %ld of a variant's pages still cached "
				 "after a drop (mincore; %ld pages in all variants)\n",
			      res_max, pages) > 0;
	else
		ok &= fprintf(f, "# cache_drop: not checked (mincore failed)\n") > 0;
	ok &= fprintf(f, "# build: agent_pass_create (every layer's kernel created and set up, "
			 "weights packed) less fill_ms, the time to fill as many fp32 weights from "
			 "the generator on the same thread (a runtime copies what it read "
			 "instead); a resolution-only switch is this build without a read\n") > 0;
	ok &= fprintf(f, "%s\n", AGENT_SWITCH_HEADER) > 0;
	for (int p = 0; ok && p < ps->n; p++)
		for (int t = 0; ok && t < n_threads; t++) {
			ok &= csvin_write_field(f, ps->p[p].key) >= 0;
			ok &= fprintf(f, ",%d,%.0f,%.4f,%.4f,%.4f,%.4f,%d\n", threads[t],
				      cost[p].weight_bytes, cost[p].cold_ms, cost[p].warm_ms,
				      cost[p].build_ms[t], cost[p].fill_ms, o->reps) > 0;
		}
	ok &= fprintf(f, "# done: %d variants at %d thread counts; %.1f s\n", ps->n, n_threads,
		      agent_now_s() - t_start) > 0;
	if (!ok || fflush(f) != 0) {
		rc = err_set(eb, ERR_IO, "%s: write failed: %s", afile_name(af),
			     strerror(errno ? errno : EIO));
		goto out;
	}
	rc = afile_commit(af, eb);
out:
	afile_destroy(af);
	free(cost);
	agent_passes_destroy(ps);
	if (placed)
		agent_pool_place(NULL);
	free(sys);
	return rc;
}
