/*
 * test_bad.c: the bad-input corpus and the BOM/CRLF rule.
 *
 * tests/bad/cases.csv lists malformed files (tests/bad/<format>/), the command that reads
 * each one and the exact error line it must give. Every case runs against a results
 * database that holds one good run: it must exit 2, print exactly that line on stderr, leave
 * the database byte for byte as it was and leave no other file behind. Each case runs four
 * times: as stored, and as its UTF-8 byte order mark, CRLF and BOM + CRLF twins (made here
 * from the stored file), which must give the same line, line and column numbers included.
 * The rest shows that the twins of good files of every text format are read exactly as the
 * plain file is. Not for what the messages of each reader say in detail: the suites of
 * traces, devices, models, sweeps and compare test those.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alists.h"
#include "aprofile.h"
#include "compare.h"
#include "csvin.h"
#include "device.h"
#include "err.h"
#include "kshape.h"
#include "model.h"
#include "run.h"
#include "sweep.h"
#include "testutil.h"
#include "timings.h"
#include "trace.h"

enum { PLAIN, BOM, CRLF, BOMCRLF, N_KINDS };
static const char *const kind_name[N_KINDS] = {"plain", "bom", "crlf", "bomcrlf"};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert(f, "%s: %s", path, strerror(errno));
	size_t cap = 4096, n = 0, got;
	char *buf = malloc(cap + 1);
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void mkdir_p(const char *dir)
{
	char p[1024];
	snprintf(p, sizeof p, "%s", dir);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

/* Copies src to dst as the twin of that kind: a BOM in front, CRLF for every LF. */
static void write_twin(const char *src, const char *dst, int kind)
{
	size_t n;
	char *text = slurp(src, &n);
	FILE *f = fopen(dst, "wb");
	cr_assert(f, "%s: %s", dst, strerror(errno));
	if (kind == BOM || kind == BOMCRLF)
		fputs("\xEF\xBB\xBF", f);
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\n' && (kind == CRLF || kind == BOMCRLF))
			fputc('\r', f);
		fputc(text[i], f);
	}
	fclose(f);
	free(text);
}

/* tu_dir()/eq/KIND/name, the twin of src; the path is static (rotates 8 slots). */
static const char *twin(const char *src, int kind, const char *name)
{
	static char paths[8][1024];
	static int next;
	char *p = paths[next++ % 8];
	char dir[512];
	snprintf(dir, sizeof dir, "%s/eq/%s", tu_dir(), kind_name[kind]);
	mkdir_p(dir);
	snprintf(p, 1024, "%s/%s", dir, name);
	write_twin(src, p, kind);
	return p;
}

/* s with every from replaced by to. */
static void replace_all(const char *s, const char *from, const char *to, char *out,
			size_t len)
{
	size_t o = 0, nf = strlen(from);
	while (*s && o + 1 < len) {
		if (nf && strncmp(s, from, nf) == 0) {
			o += (size_t)snprintf(out + o, len - o, "%s", to);
			if (o >= len)
				o = len - 1;
			s += nf;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
}

/* The manifest's escapes: \xHH for a byte, \\ for a backslash. */
static void unescape(const char *s, char *out, size_t len)
{
	size_t o = 0;
	while (*s && o + 1 < len) {
		unsigned v;
		if (s[0] == '\\' && s[1] == 'x' && sscanf(s + 2, "%2x", &v) == 1) {
			out[o++] = (char)v;
			s += 4;
		} else if (s[0] == '\\' && s[1] == '\\') {
			out[o++] = '\\';
			s += 2;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
}

/* 1 when dir holds exactly one entry, named only. */
static int dir_holds_only(const char *dir, const char *only, char *seen, size_t len)
{
	DIR *d = opendir(dir);
	cr_assert(d, "%s: %s", dir, strerror(errno));
	int ok = 1;
	seen[0] = '\0';
	for (struct dirent *e; (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(seen + strlen(seen), len - strlen(seen), " %s", e->d_name);
		if (strcmp(e->d_name, only) != 0)
			ok = 0;
	}
	closedir(d);
	return ok;
}

static char out[65536];

/* Runs one case command; stderr only into out. */
static int run_case(const char *cmd, const char *file, const char *db, const char *outp)
{
	char a[4096], b[4096], c[4096], full[8192];
	replace_all(cmd, "{}", file, a, sizeof a);
	replace_all(a, "{db}", db, b, sizeof b);
	replace_all(b, "{out}", outp, c, sizeof c);
	snprintf(full, sizeof full, "%s/%s 2>&1 >/dev/null", tu_bin(), c);
	return tu_run(full, out, sizeof out);
}

Test(bad, corpus_gives_its_exact_error_and_leaves_the_database_untouched, .timeout = 120 * TU_SLOW)
{
	char dir[512], db[600], outp[600];
	snprintf(dir, sizeof dir, "%s/bad", tu_dir());
	mkdir_p(dir);
	snprintf(db, sizeof db, "%s/results.db", dir);
	snprintf(outp, sizeof outp, "%s/out.csv", dir);
	/* one good run: 3 simulated seconds of the policy scenario's device */
	const char *tiny = tu_write("bad-tiny.csv", "time_s,freq_mhz,util_other\n0,2600,0\n"
						   "1,1800,0.5\n3,2600,0\n");
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "%s/adascale run --trace %s --device tests/data/dvfs2.ini --model mobilenet_v1 "
		 "--policy static:variant=fastest --tag good --db %s",
		 tu_bin(), tiny, db);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "the good run failed: %s", out);
	char seen[4096];
	cr_assert(dir_holds_only(dir, "results.db", seen, sizeof seen),
		  "the good run left more than its database:%s", seen);
	size_t db_len;
	char *db_bytes = slurp(db, &db_len);

	struct errbuf eb = {0};
	struct csvin *c = csvin_open("tests/bad/cases.csv", &eb);
	cr_assert(c, "%s", eb.msg);
	int c_file = csvin_require_col(c, "file", &eb), c_cmd = csvin_require_col(c, "command", &eb),
	    c_exp = csvin_require_col(c, "expected", &eb);
	cr_assert(c_file >= 0 && c_cmd >= 0 && c_exp >= 0, "%s", eb.msg);
	int n_cases = 0, n_failed = 0, rc;
	while ((rc = csvin_next(c, &eb)) > 0) {
		const char *file = csvin_field(c, c_file), *command = csvin_field(c, c_cmd);
		char expected[2048], prog[64];
		unescape(csvin_field(c, c_exp), expected, sizeof expected);
		sscanf(command, "%63s", prog);
		struct stat st;
		cr_assert_eq(stat(file, &st), 0, "cases.csv:%ld: %s: no such file", csvin_line(c),
			     file);
		/* the folder of the case's format: sibling files the command names follow a twin */
		char fdir[512];
		snprintf(fdir, sizeof fdir, "%s", file);
		*(strrchr(fdir, '/') + 1) = '\0';
		n_cases++;
		for (int k = PLAIN; k < N_KINDS; k++) {
			char path[1024], cmd_k[4096], want[4096], tdir[600];
			snprintf(path, sizeof path, "%s", file);
			snprintf(cmd_k, sizeof cmd_k, "%s", command);
			snprintf(want, sizeof want, "%s: %s\n", prog, expected);
			if (k != PLAIN) {
				snprintf(tdir, sizeof tdir, "%s/twin-%s/", tu_dir(), kind_name[k]);
				mkdir_p(tdir);
				snprintf(path, sizeof path, "%s%s", tdir, strrchr(file, '/') + 1);
				write_twin(file, path, k);
				/* plain copies of the other files of its folder that the command names */
				for (const char *s = strstr(command, fdir); s; s = strstr(s + 1, fdir)) {
					char sib[512], to[1200];
					sscanf(s, "%511s", sib);
					snprintf(to, sizeof to, "%s%s", tdir, sib + strlen(fdir));
					write_twin(sib, to, PLAIN);
				}
				char tmp[4096];
				replace_all(command, fdir, tdir, cmd_k, sizeof cmd_k);
				replace_all(want, fdir, tdir, tmp, sizeof tmp);
				snprintf(want, sizeof want, "%s", tmp);
			}
			int status = run_case(cmd_k, path, db, outp);
			int ok = status == 2 && strcmp(out, want) == 0;
			cr_expect_eq(status, 2, "%s (%s): exit %d, want 2: %s", file, kind_name[k],
				     status, out);
			cr_expect_str_eq(out, want, "%s (%s): stderr differs", file, kind_name[k]);
			size_t now_len;
			char *now = slurp(db, &now_len);
			int same = now_len == db_len && memcmp(now, db_bytes, db_len) == 0;
			free(now);
			cr_expect(same, "%s (%s): the database changed", file, kind_name[k]);
			int clean = dir_holds_only(dir, "results.db", seen, sizeof seen);
			cr_expect(clean, "%s (%s): files left beside the database:%s", file,
				  kind_name[k], seen);
			n_failed += !(ok && same && clean);
		}
	}
	cr_assert_eq(rc, 0, "%s", eb.msg);
	csvin_close(c);
	free(db_bytes);
	cr_assert_geq(n_cases, 60, "the corpus has %d cases", n_cases);
	cr_assert_eq(n_failed, 0, "%d of %d case runs failed", n_failed, n_cases * N_KINDS);
}

/* ---- BOM and CRLF twins of good files ---- */

Test(bom_crlf, trace_check_prints_the_same)
{
	const char *src = "traces/host_stress.csv";
	char want[65536], cmd[1024];
	const char *plain = twin(src, PLAIN, "host_stress.csv");
	snprintf(cmd, sizeof cmd, "%s/adascale trace check %s", tu_bin(), plain);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	replace_all(out, plain, "TRACE", want, sizeof want);
	for (int k = BOM; k < N_KINDS; k++) {
		const char *p = twin(src, k, "host_stress.csv");
		char got[65536];
		snprintf(cmd, sizeof cmd, "%s/adascale trace check %s", tu_bin(), p);
		cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s: %s", kind_name[k], out);
		replace_all(out, p, "TRACE", got, sizeof got);
		cr_expect_str_eq(got, want, "%s twin", kind_name[k]);
	}
}

/* A run of the policy scenario's device; the same metrics bit for bit, or a failure. */
static void run_same(const char *trace, const char *workload, struct run_output **o)
{
	struct run_config c;
	run_config_defaults(&c);
	c.trace = trace;
	c.device = "tests/data/dvfs2.ini";
	c.timings = "devices/xeon-kvm-2vcpu/timings.csv";
	c.model = "mobilenet_v1";
	c.policy = "greedy";
	c.deadline_ms = 33;
	c.workload = workload;
	c.seed = 3;
	struct errbuf eb = {0};
	cr_assert_eq(run_execute(&c, o, &eb), 0, "%s: %s", trace, eb.msg);
}

static void expect_same_results(const struct run_output *a, const struct run_output *b,
				const char *what)
{
	cr_expect_eq(memcmp(&a->m, &b->m, sizeof a->m), 0, "%s: metrics differ", what);
	cr_expect_eq(memcmp(a->lat_q_ms, b->lat_q_ms, sizeof a->lat_q_ms), 0,
		     "%s: latency quantiles differ", what);
}

Test(bom_crlf, trace_runs_give_the_same_results)
{
	const char *src = tu_write("eq-trace.csv",
				   "# max_freq_mhz: 2000\n# note: a comment\n"
				   "time_s,freq_mhz,util_other,mem_avail_mb\n0,2000,0.1,60\n"
				   "\n1.5,1200,0.6,\n3,,0.9,20\n4.5,2000,0,60\n6,2000,0,60\n");
	struct run_output *want = NULL;
	run_same(twin(src, PLAIN, "trace.csv"), "poisson:rate=40", &want);
	cr_assert_gt(want->m.served, 0);
	for (int k = BOM; k < N_KINDS; k++) {
		struct run_output *got = NULL;
		run_same(twin(src, k, "trace.csv"), "poisson:rate=40", &got);
		expect_same_results(got, want, kind_name[k]);
		run_output_destroy(got);
	}
	run_output_destroy(want);
}

Test(bom_crlf, arrival_files_give_the_same_results)
{
	char text[8192] = "# source: written for this test\ntime_s,deadline_ms\n";
	for (int i = 0; i < 120; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "%.3f,%s\n", i * 0.045,
			 i % 3 ? "33" : "");
	const char *src = tu_write("eq-arrivals.csv", text);
	const char *trace = tu_write("eq-arr-trace.csv", "time_s,util_other\n0,0.2\n6,0.2\n");
	char w[1024];
	struct run_output *want = NULL;
	snprintf(w, sizeof w, "file:%s", twin(src, PLAIN, "arrivals.csv"));
	run_same(trace, w, &want);
	cr_assert_eq(want->m.requests, 120);
	for (int k = BOM; k < N_KINDS; k++) {
		struct run_output *got = NULL;
		snprintf(w, sizeof w, "file:%s", twin(src, k, "arrivals.csv"));
		run_same(trace, w, &got);
		expect_same_results(got, want, kind_name[k]);
		run_output_destroy(got);
	}
	run_output_destroy(want);
}

static struct device *load_device(const char *path)
{
	struct errbuf eb = {0};
	struct device *d = NULL;
	cr_assert_eq(device_load(path, &d, &eb), 0, "%s", eb.msg);
	/* what names the file itself; timings is resolved against its folder */
	const char *rel = d->timings + strlen(d->timings);
	while (rel > d->timings && rel[-1] != '/')
		rel--;
	memmove(d->timings, rel, strlen(rel) + 1);
	memset(d->timings + strlen(d->timings), 0, sizeof d->timings - strlen(d->timings));
	memset(d->path, 0, sizeof d->path);
	memset(d->sha256, 0, sizeof d->sha256);
	return d;
}

Test(bom_crlf, devices_read_the_same)
{
	/* lines of inih's longest (198 characters and the LF), the first and a later one */
	char text[4096], fill[199];
	memset(fill, 'x', sizeof fill - 1);
	fill[sizeof fill - 1] = '\0';
	snprintf(text, sizeof text,
		 "; %.196s\n[device]\nname = eq\nsoc = test\nmemory_mb = 512\n"
		 "storage_read_mbps = 800\ninit_ms = 4\nbase_power_mw = 10\n"
		 "[cluster.0]\ncores = 4\ncore_type = A55\ncapacity = 400\n"
		 "dyn_power_coeff = 90\nopp = 500 1000\nopp = 1500   ; %.180s\n"
		 "voltage_rule = linear:600-900\n\n[cluster.1]\ncores = 2\ncapacity = 1024\n"
		 "dyn_power_coeff = 400\nopp = 800@700 2000@950\n",
		 fill, fill);
	const char *files[] = {"devices/xeon-kvm-2vcpu.ini", "devices/pixel6.ini", "tests/data/dvfs2.ini",
			       tu_write("eq-device.ini", text)};
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		struct device *want = load_device(twin(files[f], PLAIN, "device.ini"));
		for (int k = BOM; k < N_KINDS; k++) {
			struct device *got = load_device(twin(files[f], k, "device.ini"));
			cr_expect_eq(memcmp(got, want, sizeof *got), 0, "%s: the %s twin differs",
				     files[f], kind_name[k]);
			device_destroy(got);
		}
		device_destroy(want);
	}
}

static void expect_same_model(const struct model *a, const struct model *b, const char *what)
{
	cr_assert_eq(a->n_layers, b->n_layers, "%s", what);
	for (int i = 0; i < a->n_layers; i++) {
		const struct layer *x = &a->layers[i], *y = &b->layers[i];
		cr_expect(strcmp(x->name, y->name) == 0 && kshape_cmp(&x->k, &y->k) == 0 &&
				  x->input2 == y->input2 && x->fixed_width == y->fixed_width &&
				  x->input == y->input && x->block == y->block &&
				  x->expand == y->expand && x->match == y->match,
			  "%s: layer %d differs", what, i);
	}
	const char *ma[] = {a->width_rounding, a->ladder, a->accuracy_table, a->accuracy_join,
			    a->source};
	const char *mb[] = {b->width_rounding, b->ladder, b->accuracy_table, b->accuracy_join,
			    b->source};
	for (int i = 0; i < 5; i++)
		cr_expect(!ma[i] == !mb[i] && (!ma[i] || strcmp(ma[i], mb[i]) == 0),
			  "%s: metadata %d differs", what, i);
}

Test(bom_crlf, model_specs_read_the_same)
{
	const char *zoo[] = {"mobilenet_v1", "mobilenet_v3_large", "resnet18"};
	for (size_t z = 0; z < sizeof zoo / sizeof zoo[0]; z++) {
		char src[256], name[64];
		snprintf(src, sizeof src, "models/zoo/%s.csv", zoo[z]);
		snprintf(name, sizeof name, "%s.csv", zoo[z]);
		struct errbuf eb = {0};
		struct model *want = NULL;
		cr_assert_eq(model_load(twin(src, PLAIN, name), &want, &eb), 0, "%s", eb.msg);
		for (int k = BOM; k < N_KINDS; k++) {
			struct model *got = NULL;
			cr_assert_eq(model_load(twin(src, k, name), &got, &eb), 0, "%s", eb.msg);
			char what[128];
			snprintf(what, sizeof what, "%s, %s twin", zoo[z], kind_name[k]);
			expect_same_model(got, want, what);
			model_destroy(got);
		}
		model_destroy(want);
	}
}

/* The variants of a spec beside its accuracy table (both twins of that kind). */
static struct variant_set *variants_beside(int kind)
{
	twin("data/accuracy/mobilenet_v1_imagenet.csv", kind, "mobilenet_v1_imagenet.csv");
	const char *spec = twin("models/zoo/mobilenet_v1.csv", kind, "mobilenet_v1.csv");
	struct errbuf eb = {0};
	struct model *m = NULL;
	struct variant_set *vs = NULL;
	cr_assert_eq(model_load(spec, &m, &eb), 0, "%s", eb.msg);
	cr_assert_eq(variants_enumerate(m, NULL, &vs, &eb), 0, "%s", eb.msg);
	model_destroy(m);
	return vs;
}

Test(bom_crlf, accuracy_tables_join_the_same)
{
	struct variant_set *want = variants_beside(PLAIN);
	int with_top1 = 0;
	for (int i = 0; i < want->n; i++)
		with_top1 += want->v[i].has_top1;
	cr_assert_eq(with_top1, want->n, "every ladder variant has a published row");
	for (int k = BOM; k < N_KINDS; k++) {
		struct variant_set *got = variants_beside(k);
		cr_assert_eq(got->n, want->n);
		for (int i = 0; i < want->n; i++) {
			const struct variant *x = &got->v[i], *y = &want->v[i];
			cr_expect(x->has_top1 == y->has_top1 && x->top1 == y->top1 &&
					  x->top5 == y->top5 && strcmp(x->acc_source, y->acc_source) == 0 &&
					  strcmp(x->acc_ref, y->acc_ref) == 0,
				  "%s twin: %s: top1 %g from %s, want %g from %s", kind_name[k], x->key,
				  x->top1, x->acc_ref, y->top1, y->acc_ref);
		}
		variant_set_destroy(got);
	}
	variant_set_destroy(want);
}

Test(bom_crlf, timings_read_the_same)
{
	const char *src = "devices/xeon-kvm-2vcpu/timings.csv";
	struct errbuf eb = {0};
	struct timings *want = NULL;
	cr_assert_eq(timings_load(twin(src, PLAIN, "timings.csv"), &want, &eb), 0, "%s", eb.msg);
	cr_assert_gt(want->freq_ref_mhz, 0, "the file's freq_ref_mhz is read");
	for (int k = BOM; k < N_KINDS; k++) {
		struct timings *got = NULL;
		cr_assert_eq(timings_load(twin(src, k, "timings.csv"), &got, &eb), 0, "%s", eb.msg);
		cr_assert_eq(got->n, want->n, "%s", kind_name[k]);
		cr_expect(got->freq_ref_mhz == want->freq_ref_mhz && got->derived == want->derived &&
				  got->n_threads == want->n_threads,
			  "%s twin: metadata differs", kind_name[k]);
		int diff = -1;
		for (int i = 0; i < got->n && diff < 0; i++) {
			const struct timing *x = &got->t[i], *y = &want->t[i];
			if (kshape_cmp(&x->k, &y->k) || x->threads != y->threads ||
			    x->median_us != y->median_us || x->p10_us != y->p10_us ||
			    x->p90_us != y->p90_us || x->line != y->line)
				diff = i;
		}
		cr_expect_eq(diff, -1, "%s twin: timing %d differs", kind_name[k], diff);
		timings_destroy(got);
	}
	timings_destroy(want);
}

Test(bom_crlf, kernel_lists_read_the_same)
{
	char cmd[1024];
	const char *src = tu_write("eq-kernels.csv", "");
	snprintf(cmd, sizeof cmd, "%s/adascale kernels mobilenet_v1 > %s", tu_bin(), src);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	struct errbuf eb = {0};
	struct agent_klist *want = NULL;
	cr_assert_eq(agent_klist_read(twin(src, PLAIN, "kernels.csv"), &want, &eb), 0, "%s",
		     eb.msg);
	cr_assert_gt(want->n, 10);
	for (int k = BOM; k < N_KINDS; k++) {
		struct agent_klist *got = NULL;
		cr_assert_eq(agent_klist_read(twin(src, k, "kernels.csv"), &got, &eb), 0, "%s",
			     eb.msg);
		cr_assert_eq(got->n, want->n, "%s", kind_name[k]);
		cr_expect_eq(got->n_rows, want->n_rows, "%s", kind_name[k]);
		for (int i = 0; i < got->n; i++)
			cr_expect(kshape_cmp(&got->items[i].k, &want->items[i].k) == 0 &&
					  got->items[i].line == want->items[i].line,
				  "%s twin: kernel %d differs", kind_name[k], i);
		agent_klist_destroy(got);
	}
	agent_klist_destroy(want);
}

static void expect_same_list(const struct sweep_list *a, const struct sweep_list *b,
			     const char *what)
{
	cr_assert_eq(a->n, b->n, "%s", what);
	for (int i = 0; i < a->n; i++)
		cr_expect_str_eq(a->v[i], b->v[i], "%s", what);
}

Test(bom_crlf, sweeps_read_the_same)
{
	const char *files[] = {"data/sweeps/example.ini", "data/sweeps/nightly.ini"};
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		struct errbuf eb = {0};
		struct sweep_spec *want = NULL;
		cr_assert_eq(sweep_spec_load(twin(files[f], PLAIN, "sweep.ini"), &want, &eb), 0,
			     "%s", eb.msg);
		cr_assert_gt(want->n_exclude, 0, "%s has an [exclude] section", files[f]);
		for (int k = BOM; k < N_KINDS; k++) {
			struct sweep_spec *got = NULL;
			cr_assert_eq(sweep_spec_load(twin(files[f], k, "sweep.ini"), &got, &eb), 0,
				     "%s", eb.msg);
			char what[256];
			snprintf(what, sizeof what, "%s, %s twin", files[f], kind_name[k]);
			cr_expect_str_eq(got->name, want->name, "%s", what);
			for (int d = 0; d < SWEEP_N_DIMS; d++)
				expect_same_list(&got->dim[d], &want->dim[d], what);
			cr_expect(got->duration_s == want->duration_s &&
					  got->queue_cap == want->queue_cap &&
					  got->drop_oldest == want->drop_oldest &&
					  got->timeline == want->timeline && got->requests == want->requests,
				  "%s: scalars differ", what);
			cr_assert_eq(got->n_exclude, want->n_exclude, "%s", what);
			for (int i = 0; i < got->n_exclude; i++) {
				cr_expect_eq(got->exclude[i].line, want->exclude[i].line, "%s", what);
				for (int d = 0; d < SWEEP_N_DIMS; d++) {
					const char *x = got->exclude[i].value[d],
						   *y = want->exclude[i].value[d];
					cr_expect(!x == !y && (!x || strcmp(x, y) == 0), "%s: exclude %d",
						  what, i);
				}
			}
			sweep_spec_destroy(got);
		}
		sweep_spec_destroy(want);
	}
}

Test(bom_crlf, tolerances_read_the_same)
{
	const char *src = "data/tolerances.ini";
	struct compare_tolerances want, got;
	struct errbuf eb = {0};
	compare_tolerances_default(&want);
	/* start from something else, so that the file is what sets the values */
	want.alpha = 0.5;
	for (int m = 0; m < REPORT_N_METRICS; m++)
		want.m[m].abs = want.m[m].rel = 77;
	struct compare_tolerances start = want;
	cr_assert_eq(compare_tolerances_load(twin(src, PLAIN, "tolerances.ini"), &want, &eb), 0,
		     "%s", eb.msg);
	cr_assert(want.alpha != 0.5, "the file sets alpha");
	for (int k = BOM; k < N_KINDS; k++) {
		got = start;
		cr_assert_eq(compare_tolerances_load(twin(src, k, "tolerances.ini"), &got, &eb), 0,
			     "%s", eb.msg);
		cr_expect(got.alpha == want.alpha, "%s twin: alpha", kind_name[k]);
		for (int m = 0; m < REPORT_N_METRICS; m++)
			cr_expect(got.m[m].abs == want.m[m].abs && got.m[m].rel == want.m[m].rel &&
					  got.m[m].gate == want.m[m].gate,
				  "%s twin: metric %d differs", kind_name[k], m);
	}
}

/* src with every line indented (a tab or two spaces, alternately), written to tu_dir(). */
static const char *indented(const char *src, const char *name)
{
	static char paths[4][1024];
	static int next;
	char *path = paths[next++ % 4];
	size_t n;
	char *text = slurp(src, &n);
	char dir[512]; /* as deep as twin()'s, so a sweep's paths resolve alike */
	snprintf(dir, sizeof dir, "%s/eq/indented", tu_dir());
	mkdir_p(dir);
	snprintf(path, 1024, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert(f, "%s: %s", path, strerror(errno));
	int line = 0, start = 1;
	for (size_t i = 0; i < n; i++) {
		if (start && text[i] != '\n')
			fputs(line++ % 2 ? "\t" : "  ", f);
		fputc(text[i], f);
		start = text[i] == '\n';
	}
	fclose(f);
	free(text);
	return path;
}

Test(bom_crlf, indented_ini_lines_are_read_as_unindented)
{
	/* inih alone would take an indented key for the continuation of the value above */
	struct device *want = load_device("tests/data/dvfs2.ini");
	struct device *got = load_device(indented("tests/data/dvfs2.ini", "indented.ini"));
	cr_expect_eq(memcmp(got, want, sizeof *got), 0, "an indented device reads otherwise");
	device_destroy(got);
	device_destroy(want);
	struct errbuf eb = {0};
	struct sweep_spec *a = NULL, *b = NULL;
	/* both copies in one folder, since a sweep file's paths are taken from its folder */
	cr_assert_eq(sweep_spec_load(twin("data/sweeps/example.ini", PLAIN, "plain-sweep.ini"), &a,
				     &eb),
		     0, "%s", eb.msg);
	cr_assert_eq(sweep_spec_load(indented("data/sweeps/example.ini", "indented-sweep.ini"), &b,
				     &eb),
		     0, "%s", eb.msg);
	for (int d = 0; d < SWEEP_N_DIMS; d++)
		expect_same_list(&b->dim[d], &a->dim[d], "indented sweep");
	cr_expect_eq(b->n_exclude, a->n_exclude);
	sweep_spec_destroy(a);
	sweep_spec_destroy(b);
}
