/*
 * arecord.c: the record verb (see arecord.h). Sources are probed once at the start (which
 * columns exist is fixed by the header); each tick re-reads them. Ticks are scheduled on
 * absolute CLOCK_MONOTONIC times (t0 + k * interval) so the interval does not drift.
 */
#include "arecord.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "num.h"
#include "asys.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif

#define MAX_ZONES 64
#define ROW_LEN 1024
#define SLICE_NS 50000000LL

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

void agent_record_defaults(struct agent_record_opts *o)
{
	o->interval_ms = 500;
	o->duration_s = 0;
	o->handle_signals = 1;
}

double agent_util_other(unsigned long long busy0, unsigned long long total0,
			unsigned long long self0, unsigned long long busy1,
			unsigned long long total1, unsigned long long self1)
{
	if (total1 <= total0)
		return -1;
	double busy = busy1 >= busy0 ? (double)(busy1 - busy0) : 0;
	double self = self1 >= self0 ? (double)(self1 - self0) : 0;
	double u = (busy - self) / (double)(total1 - total0);
	return u < 0 ? 0 : u > 1 ? 1 : u;
}

/* /proc/stat's aggregate line: busy (all but idle and iowait) and total ticks. */
static int read_stat(unsigned long long *busy, unsigned long long *total)
{
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return -1;
	char line[512];
	int ok = fgets(line, sizeof line, f) != NULL && strncmp(line, "cpu ", 4) == 0;
	fclose(f);
	if (!ok)
		return -1;
	unsigned long long v[8] = {0};
	char *p = line + 4;
	int n = 0;
	for (; n < 8; n++) {
		char *end;
		v[n] = strtoull(p, &end, 10);
		if (end == p)
			break;
		p = end;
	}
	if (n < 4)
		return -1;
	/* user nice system idle iowait irq softirq steal (guest time is inside user) */
	unsigned long long t = 0;
	for (int i = 0; i < n; i++)
		t += v[i];
	*total = t;
	*busy = t - v[3] - (n > 4 ? v[4] : 0);
	return 0;
}

/* utime + stime of this process (all threads), in the same ticks as /proc/stat. */
static int read_self(unsigned long long *ticks)
{
	FILE *f = fopen("/proc/self/stat", "r");
	if (!f)
		return -1;
	char line[1024];
	int ok = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	char *p = ok ? strrchr(line, ')') : NULL;
	if (!p)
		return -1;
	p++;
	/* fields from 3 (state) on; utime is field 14, stime 15 */
	unsigned long long ut = 0, st = 0;
	char *save = NULL;
	int field = 3;
	for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++) {
		if (field == 14)
			ut = strtoull(tok, NULL, 10);
		else if (field == 15) {
			st = strtoull(tok, NULL, 10);
			*ticks = ut + st;
			return 0;
		}
	}
	return -1;
}

int agent_cpu_ticks_read(struct agent_cpu_ticks *t)
{
	return read_stat(&t->busy, &t->total) == 0 && read_self(&t->self) == 0 ? 0 : -1;
}

struct sources {
	struct agent_sys sys;
	int has_freq, per_cluster, has_online, has_util, has_mem;
	char battery[300]; /* power_supply folder of the battery, "" none */
	int n_zones;
	char zones[MAX_ZONES][64];
};

/* One reading of the instantaneous values. */
struct instant {
	double freq[AGENT_MAX_CLUSTERS];
	int online[AGENT_MAX_CLUSTERS];
	double mem_mb, battery_pct, temp_c;
	int charging;
};

static int read_zone(const char *path, double *c)
{
	char line[64];
	double v;
	if (agent_read_line(path, line, sizeof line) < 0 || num_double(line, &v) < 0)
		return -1;
	v /= 1000.0; /* millidegrees */
	if (v < -40 || v > 150)
		return -1; /* a zone that reports no real temperature */
	*c = v;
	return 0;
}

static void probe(struct sources *s)
{
	s->has_freq = agent_sys_cluster_mhz(&s->sys, 0) > 0;
	s->per_cluster = s->sys.n_clusters > 1;
	char buf[64];
	s->has_online = agent_read_line("/sys/devices/system/cpu/online", buf, sizeof buf) == 0;
	unsigned long long a, b;
	s->has_util = read_stat(&a, &b) == 0 && read_self(&a) == 0;
	double total, avail;
	s->has_mem = agent_meminfo(&total, &avail) == 0 && avail >= 0;

	DIR *d = opendir("/sys/class/power_supply");
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL && !s->battery[0]) {
		if (e->d_name[0] == '.')
			continue;
		char path[400], type[32], cap[32];
		snprintf(path, sizeof path, "/sys/class/power_supply/%.255s/type", e->d_name);
		if (agent_read_line(path, type, sizeof type) < 0 || strcmp(type, "Battery") != 0)
			continue;
		snprintf(path, sizeof path, "/sys/class/power_supply/%.255s/capacity", e->d_name);
		if (agent_read_line(path, cap, sizeof cap) == 0)
			snprintf(s->battery, sizeof s->battery, "/sys/class/power_supply/%.255s",
				 e->d_name);
	}
	if (d)
		closedir(d);

	d = opendir("/sys/class/thermal");
	while (d && (e = readdir(d)) != NULL && s->n_zones < MAX_ZONES) {
		if (strncmp(e->d_name, "thermal_zone", 12) != 0)
			continue;
		double c;
		char *path = s->zones[s->n_zones];
		snprintf(path, sizeof s->zones[0], "/sys/class/thermal/%.32s/temp", e->d_name);
		if (read_zone(path, &c) == 0)
			s->n_zones++;
	}
	if (d)
		closedir(d);
}

static void read_instant(const struct sources *s, struct instant *in)
{
	for (int c = 0; c < s->sys.n_clusters; c++) {
		in->freq[c] = s->has_freq ? agent_sys_cluster_mhz(&s->sys, c) : -1;
		in->online[c] = s->has_online ? agent_sys_online_in(&s->sys, c) : -1;
	}
	double total;
	in->mem_mb = -1;
	if (s->has_mem)
		agent_meminfo(&total, &in->mem_mb);
	in->battery_pct = -1;
	in->charging = -1;
	if (s->battery[0]) {
		char path[400], line[64];
		double v;
		snprintf(path, sizeof path, "%s/capacity", s->battery);
		if (agent_read_line(path, line, sizeof line) == 0 && num_double(line, &v) == 0 &&
		    v >= 0 && v <= 100)
			in->battery_pct = v;
		snprintf(path, sizeof path, "%s/status", s->battery);
		if (agent_read_line(path, line, sizeof line) == 0)
			in->charging = strcmp(line, "Charging") == 0 || strcmp(line, "Full") == 0;
	}
	in->temp_c = -1000;
	for (int z = 0; z < s->n_zones; z++) {
		double c;
		if (read_zone(s->zones[z], &c) == 0 && c > in->temp_c)
			in->temp_c = c;
	}
}

/* Appends printf output to row at *at (bounded by ROW_LEN). */
static void app(char *row, size_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void app(char *row, size_t *at, const char *fmt, ...)
{
	if (*at >= ROW_LEN)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(row + *at, ROW_LEN - *at, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at += (size_t)n;
}

static void format_row(const struct sources *s, double t_s, double util,
		       const struct instant *in, char *row)
{
	size_t at = 0;
	app(row, &at, "%.3f", t_s);
	if (s->has_freq)
		for (int c = 0; c < (s->per_cluster ? s->sys.n_clusters : 1); c++) {
			app(row, &at, ",");
			if (in->freq[c] > 0)
				app(row, &at, "%.0f", in->freq[c]);
		}
	if (s->has_online)
		for (int c = 0; c < s->sys.n_clusters; c++) {
			app(row, &at, ",");
			if (in->online[c] >= 0)
				app(row, &at, "%d", in->online[c]);
		}
	if (s->has_util) {
		app(row, &at, ",");
		if (util >= 0)
			app(row, &at, "%.4f", util);
	}
	if (s->has_mem) {
		app(row, &at, ",");
		if (in->mem_mb >= 0)
			app(row, &at, "%.0f", in->mem_mb);
	}
	if (s->battery[0]) {
		app(row, &at, ",");
		if (in->battery_pct >= 0)
			app(row, &at, "%.0f", in->battery_pct);
		app(row, &at, ",");
		if (in->charging >= 0)
			app(row, &at, "%d", in->charging);
	}
	if (s->n_zones) {
		app(row, &at, ",");
		if (in->temp_c > -1000)
			app(row, &at, "%.1f", in->temp_c);
	}
	app(row, &at, "\n");
}

static void ts_add_ns(struct timespec *t, long long ns)
{
	long long total = (long long)t->tv_nsec + ns;
	t->tv_sec += (time_t)(total / 1000000000LL);
	t->tv_nsec = (long)(total % 1000000000LL);
}

/*
 * Sleeps until target in slices of at most SLICE_NS, so a signal that another thread took
 * (libraries start threads, and any may receive a process signal) still ends the wait
 * soon. -1 when asked to stop.
 */
static int sleep_until(const struct timespec *target)
{
	for (;;) {
		if (stop_flag)
			return -1;
		struct timespec now, step;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > target->tv_sec ||
		    (now.tv_sec == target->tv_sec && now.tv_nsec >= target->tv_nsec))
			return 0;
		step = now;
		ts_add_ns(&step, SLICE_NS);
		if (step.tv_sec > target->tv_sec ||
		    (step.tv_sec == target->tv_sec && step.tv_nsec > target->tv_nsec))
			step = *target;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &step, NULL);
	}
}

static double ts_s(const struct timespec *t) { return (double)t->tv_sec + t->tv_nsec * 1e-9; }

int agent_record(const struct agent_record_opts *o, const char *out_path, struct errbuf *eb)
{
	struct errbuf local;
	if (!eb)
		eb = &local;
	if (o->interval_ms < 10 || o->interval_ms > 3600000)
		return err_set(eb, ERR_USAGE, "--interval-ms %d: 10..3600000", o->interval_ms);
	if (!(o->duration_s >= 0) || o->duration_s > 1e7)
		return err_set(eb, ERR_USAGE, "--duration-s %g: 0 (until interrupted) .. 1e7",
			       o->duration_s);
	if (out_path && strcmp(out_path, "-") == 0)
		out_path = NULL; /* "-" is standard output, as for every output of the project */
	int rc = 0;
	FILE *f = NULL;
	struct sigaction old_int, old_term;
	int handlers = 0;
	const char *name = out_path ? out_path : "stdout";
	struct sources *s = calloc(1, sizeof *s);
	if (!s)
		return err_set(eb, ERR_NOMEM, "out of memory");
	if ((rc = agent_sys_read(&s->sys, eb)) < 0)
		goto out;
	probe(s);
	if (out_path) {
		if (!(f = fopen(out_path, "w"))) {
			rc = err_set(eb, ERR_IO, "%s: cannot create: %s", out_path, strerror(errno));
			goto out;
		}
	} else {
		f = stdout;
	}

	char date[32];
	agent_iso_now(date, sizeof date);
	int ok = 1;
	ok &= fprintf(f, "# source: adascale-agent record\n# agent: adascale-agent %s\n",
		      ADASCALE_VERSION) > 0;
	ok &= fprintf(f, "# host: %s\n# cpu: %s\n# started: %s\n# interval_ms: %d\n",
		      s->sys.host, s->sys.cpu_model[0] ? s->sys.cpu_model : "unknown", date,
		      o->interval_ms) > 0;
	for (int c = 0; c < s->sys.n_clusters; c++) {
		const struct agent_cluster *cl = &s->sys.clusters[c];
		char cpus[256];
		agent_cpuset_format(&cl->cpus, cpus, sizeof cpus);
		double max = cl->max_mhz > 0 ? cl->max_mhz : agent_sys_cluster_mhz(&s->sys, c);
		if (s->has_freq && max > 0) {
			if (s->per_cluster)
				ok &= fprintf(f, "# max_freq_mhz.%d: %.0f\n", c, max) > 0;
			else
				ok &= fprintf(f, "# max_freq_mhz: %.0f\n", max) > 0;
		}
		ok &= fprintf(f, "# cluster.%d: cpus %s, %s\n", c, cpus,
			      cl->core_type[0] ? cl->core_type : "core type unknown") > 0;
	}
	ok &= fprintf(f, "# freq_source: %s\n", agent_sys_freq_source(&s->sys)) > 0;
	if (!s->sys.has_cpufreq)
		ok &= fprintf(f, "# note: no cpufreq under /sys/devices/system/cpu/cpu*/cpufreq; %s\n",
			      s->has_freq ? "freq_mhz is /proc/cpuinfo \"cpu MHz\" and max_freq_mhz "
					    "the value seen at the start"
					  : "and no \"cpu MHz\" in /proc/cpuinfo: no freq_mhz") > 0;
	if (!s->has_online)
		ok &= fprintf(f, "# note: /sys/devices/system/cpu/online unreadable: no online.N\n") > 0;
	if (!s->has_util)
		ok &= fprintf(f, "# note: /proc/stat or /proc/self/stat unreadable: no util_other\n") > 0;
	if (!s->has_mem)
		ok &= fprintf(f, "# note: no MemAvailable in /proc/meminfo: no mem_avail_mb\n") > 0;
	if (!s->battery[0])
		ok &= fprintf(f, "# note: no battery under /sys/class/power_supply: no battery_pct, "
				 "charging\n") > 0;
	if (!s->n_zones)
		ok &= fprintf(f, "# note: no readable thermal zone under /sys/class/thermal: no "
				 "temp_c\n") > 0;
	if (s->has_util)
		ok &= fprintf(f, "# note: util_other = (busy ticks of /proc/stat, steal included, "
				 "minus this process's utime+stime) / all ticks, over the row's "
				 "interval\n") > 0;

	ok &= fprintf(f, "time_s") > 0;
	if (s->has_freq) {
		if (s->per_cluster)
			for (int c = 0; c < s->sys.n_clusters; c++)
				ok &= fprintf(f, ",freq_mhz.%d", c) > 0;
		else
			ok &= fprintf(f, ",freq_mhz") > 0;
	}
	if (s->has_online)
		for (int c = 0; c < s->sys.n_clusters; c++)
			ok &= fprintf(f, ",online.%d", c) > 0;
	if (s->has_util)
		ok &= fprintf(f, ",util_other") > 0;
	if (s->has_mem)
		ok &= fprintf(f, ",mem_avail_mb") > 0;
	if (s->battery[0])
		ok &= fprintf(f, ",battery_pct,charging") > 0;
	if (s->n_zones)
		ok &= fprintf(f, ",temp_c") > 0;
	ok &= fprintf(f, "\n") > 0 && fflush(f) == 0;
	if (!ok) {
		rc = err_set(eb, ERR_IO, "%s: write failed: %s", name, strerror(errno ? errno : EIO));
		goto out;
	}

	if (o->handle_signals) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sa.sa_flags = SA_RESTART; /* writes finish; clock_nanosleep still returns EINTR */
		sigemptyset(&sa.sa_mask);
		stop_flag = 0;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		handlers = 1;
	}

	long long interval_ns = (long long)o->interval_ms * 1000000LL;
	struct timespec t0, now;
	unsigned long long busy0 = 0, total0 = 0, self0 = 0, busy1, total1, self1;
	struct instant prev, cur;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (s->has_util && (read_stat(&busy0, &total0) < 0 || read_self(&self0) < 0))
		busy0 = total0 = self0 = 0;
	read_instant(s, &prev);
	double prev_t = 0;
	for (long long k = 1; !stop_flag; k++) {
		struct timespec target = t0;
		ts_add_ns(&target, k * interval_ns);
		if (sleep_until(&target) < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double t = ts_s(&now) - ts_s(&t0);
		double util = -1;
		if (s->has_util && read_stat(&busy1, &total1) == 0 && read_self(&self1) == 0) {
			util = agent_util_other(busy0, total0, self0, busy1, total1, self1);
			busy0 = busy1;
			total0 = total1;
			self0 = self1;
		}
		char row[ROW_LEN];
		format_row(s, prev_t, util, &prev, row);
		if (fputs(row, f) < 0 || fflush(f) != 0) {
			rc = err_set(eb, ERR_IO, "%s: write failed: %s", name,
				     strerror(errno ? errno : EIO));
			goto out;
		}
		if (o->duration_s > 0 && (double)k * o->interval_ms >= o->duration_s * 1000 - 1e-6)
			break;
		/* fell behind by more than an interval (a suspended device): skip ahead */
		long long behind = (long long)((t * 1e9) / (double)interval_ns);
		if (behind > k)
			k = behind;
		read_instant(s, &cur);
		prev = cur;
		prev_t = t;
	}
out:
	if (handlers) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	if (f && f != stdout && fclose(f) != 0 && rc == 0)
		rc = err_set(eb, ERR_IO, "%s: write failed: %s", name, strerror(errno));
	free(s);
	return rc;
}
