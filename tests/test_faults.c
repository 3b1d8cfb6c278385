/*
 * test_faults.c: fault injection. A run meets the faults a nightly job meets (memory running
 * out at any allocation, a full disk, a database another process holds locked, a disk that
 * fails mid-trace, SIGTERM and SIGKILL) and must never crash, never leave part of a run in
 * the database, and always say what went wrong. Each case starts from a database that
 * already holds one good run and checks afterwards that it holds exactly what it held
 * (same runs, same row counts, integrity_check ok) or, where the run may succeed, exactly
 * one more whole run.
 * Allocation failures and read errors use the hooks of tests/faultinject.c (test build
 * only); the disk, lock and signal cases drive the real binary from $ADASCALE_BUILD.
 * Not for bad input files (tests/bad/) or misbehaving policies (tests/test_contain.c).
 */
#define _GNU_SOURCE /* unshare, CLONE_NEWNS */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sched.h>
#include <sys/mount.h>
#endif
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "faultinject.h"
#include "run.h"
#include "store.h"
#include "testutil.h"

#define TRACE "tests/data/slowdown.csv"
#define DEVICE "tests/data/dvfs2.ini"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The small run: two seconds of the slowdown trace at 30 fps, with both details kept. */
static struct run_config small_config(void)
{
	struct run_config c;
	run_config_defaults(&c);
	c.trace = TRACE;
	c.device = DEVICE;
	c.model = "mobilenet_v1";
	c.policy = "greedy";
	c.deadline_ms = 33;
	c.duration_s = 2;
	c.timeline = 1;
	c.requests = 1;
	return c;
}

/* What `adascale run` does: the run, then the store in one transaction. */
static int run_and_store(const struct run_config *c, const char *db, struct errbuf *eb)
{
	struct run_output *out = NULL;
	int rc = run_execute(c, &out, eb);
	if (rc < 0)
		return rc;
	struct store *s = store_open(db, eb);
	if (!s) {
		run_output_destroy(out);
		return eb->code < 0 ? eb->code : ERR_DB;
	}
	rc = store_insert_run(s, c, out, NULL, eb);
	store_close(s);
	run_output_destroy(out);
	return rc;
}

/* ---- the database's contents ---- */

static void q_text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st;
	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(buf, len, "(prepare: %s)", sqlite3_errmsg(db));
		return;
	}
	size_t k = 0;
	while (sqlite3_step(st) == SQLITE_ROW && k < len) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? "|" : "", t ? (const char *)t : "");
	}
	sqlite3_finalize(st);
}

/*
 * The runs (id and status), the row count of every table and integrity_check, as one line;
 * "(cannot open)" when the file cannot be read.
 */
static void db_summary(const char *path, char *buf, size_t len)
{
	sqlite3 *db = NULL;
	/* read-write, as a user's sqlite3 opens it: recovering a killed writer's WAL needs it */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(buf, len, "(cannot open)");
		sqlite3_close(db);
		return;
	}
	sqlite3_busy_timeout(db, 5000);
	static const char *const parts[] = {
		"SELECT group_concat(id || ':' || status, ',') FROM (SELECT * FROM runs ORDER BY id)",
		"SELECT 'lq=' || count(*) FROM latency_quantiles",
		"SELECT 'vu=' || count(*) FROM variant_use",
		"SELECT 'tl=' || count(*) FROM timeline",
		"SELECT 'rq=' || count(*) FROM requests",
		"SELECT 'orphans=' || ((SELECT count(*) FROM timeline WHERE run_id NOT IN "
		"(SELECT id FROM runs)) + (SELECT count(*) FROM requests WHERE run_id NOT IN "
		"(SELECT id FROM runs)))",
		"PRAGMA integrity_check",
	};
	size_t k = 0;
	for (size_t i = 0; i < sizeof parts / sizeof *parts && k < len; i++) {
		char part[256];
		q_text(db, parts[i], part, sizeof part);
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? " " : "runs=", part);
	}
	sqlite3_close(db);
}

/* The deterministic content of run `id` (hashes and metrics), to compare runs. */
static void run_digest(const char *path, int id, char *buf, size_t len)
{
	sqlite3 *db = NULL;
	buf[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		char sql[1024];
		snprintf(sql, sizeof sql,
			 "SELECT config_key || trace_sha256 || device_sha256 || timings_sha256 || "
			 "model_sha256 || policy || ':' || requests || ':' || served || ':' || "
			 "dropped || ':' || energy_mj || ':' || (SELECT group_concat(variant || "
			 "served) FROM variant_use WHERE run_id = %d) || ':' || (SELECT "
			 "sum(t_end_ns) FROM requests WHERE run_id = %d) FROM runs WHERE id = %d",
			 id, id, id);
		q_text(db, sql, buf, len);
	}
	sqlite3_close(db);
}

static void rm_db(const char *path)
{
	char p[600];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-journal", path);
	unlink(p);
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(in >= 0 && out >= 0, "copy %s -> %s: %s", from, to, strerror(errno));
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		cr_assert_eq(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

/* A database holding one good run of the small config (the WAL checkpointed away). */
static const char *good_db(const char *name)
{
	const char *path = tu_scratch(name);
	rm_db(path);
	struct run_config c = small_config();
	c.tag = "good";
	struct errbuf eb = {0};
	int rc = run_and_store(&c, path, &eb);
	cr_assert_eq(rc, 0, "%s", eb.msg);
	return path;
}

static int is_nomem_message(int rc, const char *msg)
{
	return rc == ERR_NOMEM || strstr(msg, "out of memory") ||
	       strstr(msg, strerror(ENOMEM));
}

/* ---- allocation failure ---- */

/* The sticky pass tries every STICKY_STRIDE-th allocation. */
#define STICKY_STRIDE 7
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* What a child reports back: its return code and message. */
struct child_result {
	int rc;
	int fired;
	long n_allocs;
	char msg[ERRBUF_LEN];
};

/*
 * Runs the small run into db in a forked child with allocation fail_at failing (0: none;
 * sticky: and every one after it).
 */
static int alloc_child(const char *db, long fail_at, int sticky, struct child_result *r,
		       int *status)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		struct child_result res = {0};
		struct run_config c = small_config();
		struct errbuf eb = {0};
		fi_alloc_arm(fail_at, sticky);
		res.rc = run_and_store(&c, db, &eb);
		res.n_allocs = fi_alloc_disarm();
		res.fired = fi_alloc_fired();
		memcpy(res.msg, eb.msg, sizeof res.msg);
		_exit(write(fds[1], &res, sizeof res) == (ssize_t)sizeof res ? 0 : 3);
	}
	close(fds[1]);
	memset(r, 0, sizeof *r);
	ssize_t n = read(fds[0], r, sizeof *r);
	close(fds[0]);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return n == (ssize_t)sizeof *r;
}

Test(faults, allocation_failure_at_every_allocation_of_a_small_run, .timeout = 300 * TU_SLOW)
{
	if (!fi_alloc_available())
		cr_skip_test("the allocation hook is compiled out under AddressSanitizer");
	const char *lib_preload = getenv("LD_PRELOAD");
	if (lib_preload && strstr(lib_preload, "vgpreload"))
		cr_skip_test("under valgrind: one forked run per allocation would take hours");
	const char *base = good_db("alloc-base.db");
	const char *db = tu_scratch("alloc.db");
	char before[1024], after[1024], want_ok[1024], ref_digest[1024], digest[1024];
	db_summary(base, before, sizeof before);

	/* the reference: the whole run with no failure, counting its allocations */
	struct child_result r;
	int status;
	copy_file(base, db);
	cr_assert(alloc_child(db, 0, 0, &r, &status), "the reference run's child died");
	cr_assert_eq(r.rc, 0, "%s", r.msg);
	long n = r.n_allocs;
	db_summary(db, want_ok, sizeof want_ok);
	run_digest(db, 2, ref_digest, sizeof ref_digest);
	cr_assert(ref_digest[0]);
	rm_db(db);
	cr_log_info("faults: the small run makes %ld allocations", n);
	cr_assert_gt(n, 100, "the hook saw only %ld allocations", n);

	/*
	 * Every allocation failing once, then a sample with every allocation from the Nth on
	 * failing (memory that stays exhausted: the cleanup paths must not need any).
	 */
	for (int sticky = 0; sticky <= 1; sticky++) {
		double t0 = now_s();
		long n_failed = 0, n_ok = 0, n_tried = 0;
		for (long k = 1; k <= n; k += sticky ? STICKY_STRIDE : 1) {
			const char *how = sticky ? "and every later one" : "alone";
			n_tried++;
			copy_file(base, db);
			int whole = alloc_child(db, k, sticky, &r, &status);
			cr_assert(!WIFSIGNALED(status),
				  "allocation %ld of %ld failing (%s): killed by signal %d (%s)", k, n,
				  how, WTERMSIG(status), strsignal(WTERMSIG(status)));
			cr_assert(whole && WIFEXITED(status) && WEXITSTATUS(status) == 0,
				  "allocation %ld of %ld failing (%s): the child exited without a "
				  "result", k, n, how);
			cr_assert(r.fired, "allocation %ld of %ld was never made (the run is not "
					   "deterministic?)", k, n);
			if (r.rc == 0) {
				/* a failure worked around (SQLite retries some): the run is whole */
				n_ok++;
				db_summary(db, after, sizeof after);
				cr_assert_str_eq(after, want_ok, "allocation %ld failing (%s), the run "
						 "succeeded but stored something else", k, how);
				run_digest(db, 2, digest, sizeof digest);
				cr_assert_str_eq(digest, ref_digest, "allocation %ld failing (%s), the "
						 "run succeeded with other results", k, how);
			} else {
				n_failed++;
				cr_assert(is_nomem_message(r.rc, r.msg),
					  "allocation %ld of %ld failing (%s): %s (%s): not an "
					  "out-of-memory error", k, n, how, err_name(r.rc), r.msg);
				db_summary(db, after, sizeof after);
				cr_assert_str_eq(after, before, "allocation %ld of %ld failing (%s: %s) "
						 "changed the database", k, n, how, r.msg);
			}
			rm_db(db);
		}
		cr_log_info("faults: %s: %ld runs: %ld clean out-of-memory errors, %ld worked "
			    "around, %.1f s", sticky ? "every allocation from the Nth on failing, "
			    "every " STRINGIFY(STICKY_STRIDE) "th N" : "each allocation failing alone",
			    n_tried, n_failed, n_ok, now_s() - t0);
	}
}

/* ---- a read error mid-file ---- */

/* The byte offset where line `line` (1-based) of path starts. */
static long line_offset(const char *path, int line)
{
	FILE *f = fopen(path, "r");
	cr_assert(f, "%s", path);
	long off = 0;
	int ch, at = 1;
	while (at < line && (ch = getc(f)) != EOF) {
		off++;
		if (ch == '\n')
			at++;
	}
	fclose(f);
	return off;
}

/* The run with the nth_open-th fopen of path failing after `after` bytes. */
/* duration_s: of the run (0: the whole trace, so that every row is read). */
static void expect_read_error(const char *path, int nth_open, long after, double duration_s,
			      const char *want)
{
	const char *db = good_db("read.db");
	char before[1024], after_db[1024];
	db_summary(db, before, sizeof before);
	struct run_config c = small_config();
	c.duration_s = duration_s;
	struct errbuf eb = {0};
	fi_read_fail(path, nth_open, after);
	int rc = run_and_store(&c, db, &eb);
	int fired = fi_read_fired();
	fi_read_fail(NULL, 0, 0);
	cr_assert(fired, "%s: open %d never read past byte %ld", path, nth_open, after);
	cr_assert_eq(rc, ERR_IO, "%s failing after %ld bytes: %s (%s)", path, after, err_name(rc),
		     eb.msg);
	cr_assert(tu_has(eb.msg, want) && tu_has(eb.msg, strerror(EIO)), "%s", eb.msg);
	cr_assert_eq(err_exit_status(rc), 1);
	db_summary(db, after_db, sizeof after_db);
	cr_assert_str_eq(after_db, before);
}

Test(faults, read_error_mid_trace_fails_the_run_and_writes_nothing)
{
	/* the trace reader: the error comes at the 6th data row */
	long row6 = line_offset(TRACE, 15);
	expect_read_error(TRACE, 1, row6 + 3, 0, TRACE ":15: read error: ");
	/*
	 * the rest of the trace, after the rows a 2 s run needs, read into the trace's hash at
	 * the end of the run (the file is opened once: what is parsed is what is hashed)
	 */
	expect_read_error(TRACE, 1, line_offset(TRACE, 16), 2, TRACE ": read error: ");
	/* the device file (INI) and the model spec (CSV), mid-file */
	expect_read_error(DEVICE, 1, line_offset(DEVICE, 20), 0, DEVICE ":");
	expect_read_error("models/zoo/mobilenet_v1.csv", 1,
			  line_offset("models/zoo/mobilenet_v1.csv", 12), 0, "mobilenet_v1.csv:");
}

/* ---- the real binary under a full disk, a held lock and signals ---- */

/* Starts `adascale args...` with its output into log; fsize > 0: RLIMIT_FSIZE in bytes. */
static pid_t spawn(const char *log, long fsize, const char *const *args)
{
	char path[512];
	snprintf(path, sizeof path, "%s/adascale", tu_bin());
	char *argv[64] = {path}; /* execv's type; it does not write them */
	int n = 1;
	while (args[n - 1] && n < 63) {
		argv[n] = (char *)(uintptr_t)args[n - 1];
		n++;
	}
	argv[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		if (fsize > 0) {
			struct rlimit rl = {(rlim_t)fsize, (rlim_t)fsize};
			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &rl);
		}
		execv(path, argv);
		_exit(127);
	}
	return pid;
}

/* Waits for pid; its output into out. Returns the exit status, or 128 + the signal. */
static int reap(pid_t pid, const char *log, char *out, size_t len)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		cr_assert_eq(errno, EINTR);
	out[0] = '\0';
	FILE *f = fopen(log, "r");
	if (f) {
		size_t n = fread(out, 1, len - 1, f);
		out[n] = '\0';
		fclose(f);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run_cli(long fsize, const char *const *args, char *out, size_t len)
{
	const char *log = tu_scratch("cli.log");
	return reap(spawn(log, fsize, args), log, out, len);
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* The small run's arguments for `adascale run`, into db, with extra arguments after. */
#define RUN_ARGS(db)                                                                    \
	"run", "--trace", TRACE, "--device", DEVICE, "--model", "mobilenet_v1", "--policy", \
		"greedy", "--deadline-ms", "33", "--db", (db)

/*
 * A tiny filesystem: a tmpfs of size_kb mounted on dir in a mount namespace of this test's
 * own process (Criterion runs each test in its own process; the mount goes with it). Needs
 * root or an unprivileged user namespace; 0 when neither works.
 */
#ifdef __linux__
static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int tiny_fs(const char *dir, int size_kb)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWNS) != 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
			return 0;
		char map[64];
		snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
		write_text("/proc/self/setgroups", "deny");
		if (write_text("/proc/self/uid_map", map) != 0)
			return 0;
		snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
		if (write_text("/proc/self/gid_map", map) != 0)
			return 0;
	}
	char opts[64];
	snprintf(opts, sizeof opts, "size=%dk", size_kb);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", dir, "tmpfs", 0, opts) != 0)
		return 0;
	return 1;
}

static int tiny_fs_resize(const char *dir, int size_kb)
{
	char opts[64];
	snprintf(opts, sizeof opts, "size=%dk", size_kb);
	return mount("tmpfs", dir, "tmpfs", MS_REMOUNT, opts) == 0;
}
#else
static int tiny_fs(const char *dir, int size_kb)
{
	(void)dir;
	(void)size_kb;
	return 0;
}

static int tiny_fs_resize(const char *dir, int size_kb)
{
	(void)dir;
	(void)size_kb;
	return 0;
}
#endif

/*
 * A run, then a sweep, into a database with no room left. tmpfs: on a 192 KB tmpfs (the
 * database, about 56 KB, and its -shm fit; a run's 18000 request rows do not). Otherwise
 * under RLIMIT_FSIZE (the database's size + 128 KB): a write that would take a file past
 * the limit fails with EFBIG, which SQLite reports as "disk I/O error", where a full disk
 * (ENOSPC) is "database or disk is full".
 */
static void full_case(const char *dir, int tmpfs)
{
	char out[8192], before[1024], after[1024];
	const char *good = good_db("full-good.db");
	char db[600];
	snprintf(db, sizeof db, "%s/full.db", dir);
	rm_db(db);
	copy_file(good, db);
	db_summary(db, before, sizeof before);
	long limit = tmpfs ? 0 : file_size(db) + 131072;
	const char *full_msg = tmpfs ? "database or disk is full" : "disk I/O error";

	const char *big[] = {RUN_ARGS(db), "--duration-s", "600", "--detail", "requests", NULL};
	int st = run_cli(limit, big, out, sizeof out);
	cr_log_info("faults: full disk (%s), run: %s", tmpfs ? "tmpfs" : "RLIMIT_FSIZE", out);
	cr_assert_eq(st, 1, "exit %d: %s", st, out);
	char want[800];
	snprintf(want, sizeof want, "adascale: %s: ", db);
	cr_assert(tu_has(out, want) && tu_has(out, full_msg), "%s", out);
	db_summary(db, after, sizeof after);
	cr_assert_str_eq(after, before);

	/* a small run still fits */
	const char *small[] = {RUN_ARGS(db), "--duration-s", "2", NULL};
	st = run_cli(limit, small, out, sizeof out);
	cr_assert_eq(st, 0, "exit %d: %s", st, out);
	db_summary(db, after, sizeof after);
	cr_assert(tu_has(after, "runs=1:ok,2:ok ") && tu_has(after, " ok"), "%s", after);

	/* a sweep: the runs that fit are stored whole, then it stops with the reason */
	char ini[1024];
	snprintf(ini, sizeof ini,
		 "[sweep]\nname = full\ntraces = " TRACE "\ndevices = " DEVICE "\n"
		 "models = mobilenet_v1\npolicies = greedy static:variant=best\n"
		 "deadlines_ms = 33\nseeds = 1 2 3\nduration_s = 60\ndetail = requests\n");
	const char *cfg = tu_write("full.ini", ini);
	const char *sweep[] = {"sweep", cfg, "--db", db, "--jobs", "1", NULL};
	st = run_cli(limit, sweep, out, sizeof out);
	cr_log_info("faults: full disk (%s), sweep: %s", tmpfs ? "tmpfs" : "RLIMIT_FSIZE", out);
	cr_assert_eq(st, 1, "exit %d: %s", st, out);
	snprintf(want, sizeof want, "the same command resumes): %s: ", db);
	cr_assert(tu_has(out, "adascale: storing run ") && tu_has(out, want) &&
			  tu_has(out, full_msg),
		  "%s", out);
	db_summary(db, after, sizeof after);
	cr_assert(tu_has(after, " orphans=0 ok"), "%s", after);
	/* every run stored is whole: its 1800 request rows are all there */
	sqlite3 *h = NULL;
	cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	char bad[256];
	q_text(h, "SELECT count(*) FROM runs r WHERE tag = '' AND config LIKE '%duration_s=60%' AND "
		  "(SELECT count(*) FROM requests q WHERE q.run_id = r.id) != 1800",
	       bad, sizeof bad);
	sqlite3_close(h);
	cr_assert_str_eq(bad, "0", "runs stored without all their request rows");

	/* room again: the same sweep resumes and finishes */
	if (tmpfs)
		cr_assert(tiny_fs_resize(dir, 16384));
	st = run_cli(0, sweep, out, sizeof out);
	cr_assert_eq(st, 0, "exit %d: %s", st, out);
	db_summary(db, after, sizeof after);
	cr_assert(tu_has(after, "runs=1:ok,2:ok,") && tu_has(after, " orphans=0 ok"), "%s", after);
	h = NULL;
	cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	q_text(h, "SELECT count(*) || '/' || sum(status = 'ok') FROM runs WHERE config LIKE "
		  "'%duration_s=60%'", bad, sizeof bad);
	sqlite3_close(h);
	cr_assert_str_eq(bad, "6/6", "%s", after);
}

Test(faults, database_full_fails_the_run_and_keeps_the_runs_it_had)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s", tu_scratch("fs")); /* scratch's slots rotate */
	mkdir(dir, 0755);
	full_case(dir, 0);
	if (tiny_fs(dir, 192))
		full_case(dir, 1);
	else
		cr_log_warn("faults: no tmpfs (needs root or a user namespace): RLIMIT_FSIZE only");
}

/* ---- a database another connection holds locked ---- */

/* The small run while a second connection holds the write lock for hold_s seconds. */
static void locked_case(double hold_s, const char *timeout_s, int want_status)
{
	char out[8192], before[1024], after[1024];
	const char *db = good_db(want_status ? "locked.db" : "released.db");
	char dbp[512];
	snprintf(dbp, sizeof dbp, "%s", db);
	db_summary(dbp, before, sizeof before);
	sqlite3 *h = NULL;
	cr_assert_eq(sqlite3_open_v2(dbp, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK, "%s",
		     sqlite3_errmsg(h));
	setenv("ADASCALE_DB_TIMEOUT_S", timeout_s, 1);
	const char *args[] = {RUN_ARGS(dbp), "--duration-s", "2", NULL};
	const char *log = tu_scratch("locked.log");
	double t0 = now_s();
	pid_t pid = spawn(log, 0, args);
	unsetenv("ADASCALE_DB_TIMEOUT_S");
	int status = -1;
	while (now_s() - t0 < hold_s && status < 0) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		else
			usleep(10000);
	}
	double waited = now_s() - t0;
	cr_assert_eq(sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	if (status >= 0) { /* it ended while the lock was held */
		out[0] = '\0';
		FILE *f = fopen(log, "r");
		if (f) {
			out[fread(out, 1, sizeof out - 1, f)] = '\0';
			fclose(f);
		}
	} else {
		status = reap(pid, log, out, sizeof out);
	}
	cr_log_info("faults: lock held %.1f s, busy timeout %s s: exit %d after %.1f s: %s",
		    hold_s, timeout_s, status, waited, out);
	cr_assert_eq(status, want_status, "%s", out);
	db_summary(dbp, after, sizeof after);
	if (want_status) {
		/* it waited the timeout (and not much longer) with the lock held */
		cr_assert(waited >= atof(timeout_s) && waited < hold_s, "%.2f s", waited);
		char want[800];
		snprintf(want, sizeof want, "adascale: %s: ", dbp);
		cr_assert(tu_has(out, want) && tu_has(out, "database is locked") &&
				  tu_has(out, "busy timeout"),
			  "%s", out);
		cr_assert_str_eq(after, before);
	} else {
		cr_assert(tu_has(after, "runs=1:ok,2:ok ") && tu_has(after, " ok"), "%s", after);
	}
}

Test(faults, database_locked_past_the_busy_timeout_fails_the_run)
{
	locked_case(4, "1.5", 1);
}

Test(faults, database_lock_released_in_time_lets_the_run_succeed)
{
	locked_case(1, "30", 0);
}

/* ---- SIGTERM and SIGKILL mid-run ---- */

enum moment { BEFORE, SIMULATING, STORING };
static const char *const moment_name[] = {"before the run", "while simulating",
					  "while storing"};

/*
 * Starts a long run into a copy of a good database, sends sig at moment m and returns the
 * exit status (128 + signal when killed); *late gets the seconds from the signal to the
 * exit. SIMULATING: 0.25 s into a 30-day run without details (it simulates for several
 * seconds, and opens the database only at the end: that no -wal file exists yet shows it was
 * still simulating); STORING: as soon as the -wal file of a two-hour run with its 216000
 * request rows passes 1 MB.
 */
static int signal_case(int sig, enum moment m, char *out, size_t len, double *late)
{
	const char *db = good_db("signal.db");
	char dbp[512], wal[600], before[1024], after[1024];
	snprintf(dbp, sizeof dbp, "%s", db);
	snprintf(wal, sizeof wal, "%s-wal", dbp);
	db_summary(dbp, before, sizeof before);
	const char *sim_args[] = {RUN_ARGS(dbp), "--duration-s", "2592000", NULL};
	const char *store_args[] = {RUN_ARGS(dbp), "--duration-s", "7200", "--detail",
				    "requests", NULL};
	const char *log = tu_scratch("signal.log");
	double t0 = now_s();
	pid_t pid = spawn(log, 0, m == STORING ? store_args : sim_args);
	if (m == SIMULATING) {
		usleep(250000 * TU_SLOW); /* memcheck: about 20 times as long to get there */
		cr_assert(file_size(wal) < 0, "the run was storing already");
	} else if (m == STORING) {
		while (file_size(wal) < (1 << 20) && now_s() - t0 < 30)
			usleep(2000);
		cr_assert_geq(file_size(wal), 1 << 20, "the store never started");
	}
	cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "the run ended before the signal");
	kill(pid, sig);
	double t_sig = now_s();
	int status = reap(pid, log, out, len);
	*late = now_s() - t_sig;
	cr_log_info("faults: %s %s: status %d after %.2f s: %s", strsignal(sig), moment_name[m],
		    status, *late, out);
	db_summary(dbp, after, sizeof after);
	cr_assert_str_eq(after, before, "%s %s changed the database", strsignal(sig),
			 moment_name[m]);
	return status;
}

Test(faults, sigterm_mid_run_stops_promptly_and_stores_nothing, .timeout = 60 * TU_SLOW)
{
	char out[8192];
	double late;
	for (int m = BEFORE; m <= STORING; m++) {
		int st = signal_case(SIGTERM, (enum moment)m, out, sizeof out, &late);
		/* at once after the start the handler may not be there yet: SIGTERM's default */
		if (m == BEFORE && st == 128 + SIGTERM)
			continue;
		cr_assert_eq(st, 1, "%s: exit %d: %s", moment_name[m], st, out);
		cr_assert(tu_has(out, "adascale: interrupted by SIGTERM: nothing was stored"), "%s",
			  out);
		cr_assert_lt(late, 1.0 * TU_SLOW, "%s: %.2f s from SIGTERM to the exit",
			     moment_name[m], late);
	}
}

Test(faults, sigkill_mid_run_leaves_only_complete_runs, .timeout = 60 * TU_SLOW)
{
	char out[8192];
	double late;
	for (int m = BEFORE; m <= STORING; m++) {
		int st = signal_case(SIGKILL, (enum moment)m, out, sizeof out, &late);
		cr_assert_eq(st, 128 + SIGKILL, "%s: exit %d: %s", moment_name[m], st, out);
	}
}
