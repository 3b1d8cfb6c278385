/*
 * asys.c: reading the machine description from /proc and /sys (see asys.h).
 */
#define _GNU_SOURCE /* sched_setaffinity, cpu_set_t */
#include "asys.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "num.h"

#define SYS_CPU "/sys/devices/system/cpu"

void agent_cpuset_clear(struct agent_cpuset *s) { memset(s, 0, sizeof *s); }

void agent_cpuset_add(struct agent_cpuset *s, int cpu)
{
	if (cpu >= 0 && cpu < AGENT_MAX_CPUS)
		s->bits[cpu / 64] |= 1ull << (cpu % 64);
}

int agent_cpuset_has(const struct agent_cpuset *s, int cpu)
{
	return cpu >= 0 && cpu < AGENT_MAX_CPUS && (s->bits[cpu / 64] >> (cpu % 64) & 1);
}

int agent_cpuset_count(const struct agent_cpuset *s)
{
	int n = 0;
	for (int i = 0; i < AGENT_MAX_CPUS; i++)
		n += agent_cpuset_has(s, i);
	return n;
}

int agent_cpuset_list(const struct agent_cpuset *s, int *cpu)
{
	int n = 0;
	for (int i = 0; i < AGENT_MAX_CPUS; i++)
		if (agent_cpuset_has(s, i))
			cpu[n++] = i;
	return n;
}

int agent_cpuset_first(const struct agent_cpuset *s)
{
	for (int i = 0; i < AGENT_MAX_CPUS; i++)
		if (agent_cpuset_has(s, i))
			return i;
	return -1;
}

int agent_cpuset_parse(const char *list, struct agent_cpuset *s)
{
	agent_cpuset_clear(s);
	const char *p = list;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return ERR_PARSE;
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return ERR_PARSE;
		long a = strtol(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				return ERR_PARSE;
			b = strtol(p + 1, &end, 10);
			p = end;
		}
		if (a < 0 || b < a || b >= AGENT_MAX_CPUS)
			return ERR_RANGE;
		for (long i = a; i <= b; i++)
			agent_cpuset_add(s, (int)i);
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == ',' && isdigit((unsigned char)p[1]))
			p++;
		else if (*p)
			return ERR_PARSE;
	}
	return 0;
}

void agent_cpuset_format(const struct agent_cpuset *s, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (int i = 0; i < AGENT_MAX_CPUS; i++) {
		if (!agent_cpuset_has(s, i))
			continue;
		int j = i;
		while (j + 1 < AGENT_MAX_CPUS && agent_cpuset_has(s, j + 1))
			j++;
		int n = j > i ? snprintf(buf + at, len - at, "%s%d-%d", at ? "," : "", i, j)
			      : snprintf(buf + at, len - at, "%s%d", at ? "," : "", i);
		if (n < 0 || (size_t)n >= len - at)
			return;
		at += (size_t)n;
		i = j;
	}
}

int agent_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

/* A number from a sysfs file, or -1. */
static double read_num(const char *path)
{
	char line[64];
	double v;
	if (agent_read_line(path, line, sizeof line) < 0 || num_double(line, &v) < 0)
		return -1;
	return v;
}

static double cpu_num(int cpu, const char *rel)
{
	char path[128];
	snprintf(path, sizeof path, SYS_CPU "/cpu%d/%s", cpu, rel);
	return read_num(path);
}

/* What /proc/cpuinfo says per CPU. */
struct cpuinfo {
	double mhz[AGENT_MAX_CPUS];
	int type[AGENT_MAX_CPUS]; /* index into types, -1 unknown */
	char types[AGENT_MAX_CLUSTERS][96];
	int n_types;
	char model[128];
	char hardware[128];
};

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static const char *arm_core(unsigned impl, unsigned part)
{
	static const struct {
		unsigned part;
		const char *name;
	} arm[] = {{0xd03, "Cortex-A53"}, {0xd04, "Cortex-A35"}, {0xd05, "Cortex-A55"},
		   {0xd07, "Cortex-A57"}, {0xd08, "Cortex-A72"}, {0xd09, "Cortex-A73"},
		   {0xd0a, "Cortex-A75"}, {0xd0b, "Cortex-A76"}, {0xd0c, "Neoverse-N1"},
		   {0xd0d, "Cortex-A77"}, {0xd41, "Cortex-A78"}, {0xd44, "Cortex-X1"},
		   {0xd46, "Cortex-A510"}, {0xd47, "Cortex-A710"}, {0xd48, "Cortex-X2"},
		   {0xd4d, "Cortex-A715"}, {0xd4e, "Cortex-X3"}, {0xd80, "Cortex-A520"},
		   {0xd81, "Cortex-A720"}, {0xd82, "Cortex-X4"}};
	if (impl != 0x41)
		return NULL;
	for (size_t i = 0; i < sizeof arm / sizeof arm[0]; i++)
		if (arm[i].part == part)
			return arm[i].name;
	return NULL;
}

static int type_index(struct cpuinfo *ci, const char *name)
{
	for (int i = 0; i < ci->n_types; i++)
		if (strcmp(ci->types[i], name) == 0)
			return i;
	if (ci->n_types == AGENT_MAX_CLUSTERS)
		return ci->n_types - 1;
	snprintf(ci->types[ci->n_types], sizeof ci->types[0], "%s", name);
	return ci->n_types++;
}

static void close_block(struct cpuinfo *ci, int cpu, const char *model, long impl, long part)
{
	if (cpu < 0 || cpu >= AGENT_MAX_CPUS)
		return;
	char name[96];
	if (*model) {
		snprintf(name, sizeof name, "%s", model);
	} else if (part >= 0) {
		const char *a = arm_core((unsigned)impl, (unsigned)part);
		if (a)
			snprintf(name, sizeof name, "%s", a);
		else
			snprintf(name, sizeof name, "implementer 0x%lx part 0x%lx", impl, part);
	} else {
		return;
	}
	ci->type[cpu] = type_index(ci, name);
}

static int read_cpuinfo(struct cpuinfo *ci)
{
	for (int i = 0; i < AGENT_MAX_CPUS; i++) {
		ci->mhz[i] = -1;
		ci->type[i] = -1;
	}
	ci->n_types = 0;
	ci->model[0] = ci->hardware[0] = '\0';
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	int cpu = -1;
	char model[96] = "";
	long impl = -1, part = -1;
	while (getline(&line, &cap, f) >= 0) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		char *key = trim(line), *val = trim(colon + 1);
		if (strcmp(key, "processor") == 0) {
			close_block(ci, cpu, model, impl, part);
			long n;
			cpu = num_long(val, &n) == 0 ? (int)n : -1;
			model[0] = '\0';
			impl = part = -1;
		} else if (strcmp(key, "model name") == 0) {
			snprintf(model, sizeof model, "%s", val);
			if (!ci->model[0])
				snprintf(ci->model, sizeof ci->model, "%s", val);
		} else if (strcmp(key, "cpu MHz") == 0 && cpu >= 0 && cpu < AGENT_MAX_CPUS) {
			double v;
			if (num_double(val, &v) == 0)
				ci->mhz[cpu] = v;
		} else if (strcmp(key, "CPU implementer") == 0) {
			impl = strtol(val, NULL, 0);
		} else if (strcmp(key, "CPU part") == 0) {
			part = strtol(val, NULL, 0);
		} else if (strcmp(key, "Hardware") == 0) {
			snprintf(ci->hardware, sizeof ci->hardware, "%s", val);
		}
	}
	close_block(ci, cpu, model, impl, part);
	free(line);
	fclose(f);
	return 0;
}

static void read_freqs(struct agent_cluster *c, int cpu)
{
	char path[128], buf[1024];
	snprintf(path, sizeof path, SYS_CPU "/cpu%d/cpufreq/scaling_available_frequencies", cpu);
	c->n_freqs = 0;
	if (agent_read_line(path, buf, sizeof buf) == 0) {
		char *save = NULL;
		for (char *t = strtok_r(buf, " \t", &save); t && c->n_freqs < AGENT_MAX_FREQS;
		     t = strtok_r(NULL, " \t", &save)) {
			double v;
			if (num_double(t, &v) == 0 && v > 0)
				c->freqs_mhz[c->n_freqs++] = v / 1000.0;
		}
		/* ascending, without repeats (some drivers list them descending) */
		for (int i = 1; i < c->n_freqs; i++)
			for (int j = i; j > 0 && c->freqs_mhz[j] < c->freqs_mhz[j - 1]; j--) {
				double t = c->freqs_mhz[j];
				c->freqs_mhz[j] = c->freqs_mhz[j - 1];
				c->freqs_mhz[j - 1] = t;
			}
		int n = 0;
		for (int i = 0; i < c->n_freqs; i++)
			if (n == 0 || c->freqs_mhz[i] != c->freqs_mhz[n - 1])
				c->freqs_mhz[n++] = c->freqs_mhz[i];
		c->n_freqs = n;
	}
	snprintf(path, sizeof path, SYS_CPU "/cpu%d/cpufreq/scaling_governor", cpu);
	if (agent_read_line(path, c->governor, sizeof c->governor) < 0)
		c->governor[0] = '\0';
}

static int online_now(struct agent_cpuset *s)
{
	char buf[4096];
	if (agent_read_line(SYS_CPU "/online", buf, sizeof buf) == 0 &&
	    agent_cpuset_parse(buf, s) == 0)
		return 0;
	return -1;
}

int agent_sys_read(struct agent_sys *s, struct errbuf *eb)
{
	memset(s, 0, sizeof *s);
	struct cpuinfo *ci = calloc(1, sizeof *ci);
	if (!ci)
		return err_set(eb, ERR_NOMEM, "out of memory");
	read_cpuinfo(ci);
	if (gethostname(s->host, sizeof s->host) != 0 || !s->host[0])
		snprintf(s->host, sizeof s->host, "unknown");
	s->host[sizeof s->host - 1] = '\0';

	if (online_now(&s->online) < 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		agent_cpuset_clear(&s->online);
		for (long i = 0; i < n && i < AGENT_MAX_CPUS; i++)
			agent_cpuset_add(&s->online, (int)i);
	}
	s->n_online = agent_cpuset_count(&s->online);
	if (s->n_online == 0) {
		free(ci);
		return err_set(eb, ERR_IO, "no online CPU found (/sys/devices/system/cpu/online)");
	}

	/* cpu model: x86 model name, else the distinct core types */
	if (ci->model[0]) {
		snprintf(s->cpu_model, sizeof s->cpu_model, "%s", ci->model);
	} else {
		size_t at = 0;
		for (int i = 0; i < ci->n_types && at < sizeof s->cpu_model; i++) {
			int n = snprintf(s->cpu_model + at, sizeof s->cpu_model - at, "%s%s",
					 i ? " + " : "", ci->types[i]);
			if (n < 0)
				break;
			at += (size_t)n;
		}
	}
	char buf[256];
	if (ci->hardware[0])
		snprintf(s->soc, sizeof s->soc, "%s", ci->hardware);
	else if (agent_read_line("/sys/devices/soc0/machine", buf, sizeof buf) == 0 && buf[0])
		snprintf(s->soc, sizeof s->soc, "%.127s", buf);
	else if (agent_read_line("/proc/device-tree/model", buf, sizeof buf) == 0 && buf[0])
		snprintf(s->soc, sizeof s->soc, "%.127s", buf);
	else
		snprintf(s->soc, sizeof s->soc, "%s", s->cpu_model);

	/* clusters: cpufreq policies (related_cpus), else core types */
	for (int cpu = 0; cpu < AGENT_MAX_CPUS; cpu++) {
		if (!agent_cpuset_has(&s->online, cpu))
			continue;
		int found = -1;
		for (int c = 0; c < s->n_clusters; c++)
			if (agent_cpuset_has(&s->clusters[c].cpus, cpu))
				found = c;
		if (found >= 0)
			continue;
		struct agent_cpuset rel;
		char path[128];
		snprintf(path, sizeof path, SYS_CPU "/cpu%d/cpufreq/related_cpus", cpu);
		int by_freq = agent_read_line(path, buf, sizeof buf) == 0 &&
			      agent_cpuset_parse(buf, &rel) == 0 && agent_cpuset_has(&rel, cpu);
		if (!by_freq) {
			/* no cpufreq here: the online CPUs of the same core type */
			agent_cpuset_clear(&rel);
			for (int o = 0; o < AGENT_MAX_CPUS; o++)
				if (agent_cpuset_has(&s->online, o) && ci->type[o] == ci->type[cpu])
					agent_cpuset_add(&rel, o);
		} else {
			s->has_cpufreq = 1;
		}
		if (s->n_clusters == AGENT_MAX_CLUSTERS) {
			/* more policies than we keep: fold into the last one */
			for (int o = 0; o < AGENT_MAX_CPUS; o++)
				if (agent_cpuset_has(&rel, o))
					agent_cpuset_add(&s->clusters[s->n_clusters - 1].cpus, o);
			continue;
		}
		struct agent_cluster *c = &s->clusters[s->n_clusters++];
		c->cpus = rel;
		if (ci->type[cpu] >= 0)
			snprintf(c->core_type, sizeof c->core_type, "%s", ci->types[ci->type[cpu]]);
		c->min_mhz = c->max_mhz = -1;
		double v;
		if (by_freq) {
			if ((v = cpu_num(cpu, "cpufreq/cpuinfo_min_freq")) > 0)
				c->min_mhz = v / 1000.0;
			if ((v = cpu_num(cpu, "cpufreq/cpuinfo_max_freq")) > 0)
				c->max_mhz = v / 1000.0;
			read_freqs(c, cpu);
		}
		c->capacity = cpu_num(cpu, "cpu_capacity");
	}
	double total, avail;
	s->mem_total_mb = agent_meminfo(&total, &avail) == 0 ? total : -1;
	free(ci);
	return 0;
}

const char *agent_sys_freq_source(const struct agent_sys *s)
{
	return s->has_cpufreq ? "cpufreq" : "cpuinfo";
}

double agent_sys_cluster_mhz(const struct agent_sys *s, int c)
{
	if (c < 0 || c >= s->n_clusters)
		return -1;
	const struct agent_cluster *cl = &s->clusters[c];
	struct agent_cpuset on;
	if (online_now(&on) < 0)
		on = s->online;
	if (s->has_cpufreq) {
		for (int cpu = 0; cpu < AGENT_MAX_CPUS; cpu++) {
			if (!agent_cpuset_has(&cl->cpus, cpu) || !agent_cpuset_has(&on, cpu))
				continue;
			double v = cpu_num(cpu, "cpufreq/scaling_cur_freq");
			return v > 0 ? v / 1000.0 : -1;
		}
		return -1;
	}
	struct cpuinfo *ci = malloc(sizeof *ci);
	if (!ci || read_cpuinfo(ci) < 0) {
		free(ci);
		return -1;
	}
	double best = -1;
	for (int cpu = 0; cpu < AGENT_MAX_CPUS; cpu++)
		if (agent_cpuset_has(&cl->cpus, cpu) && ci->mhz[cpu] > best)
			best = ci->mhz[cpu];
	free(ci);
	return best;
}

static int meets(const struct agent_cluster *c, const struct agent_cpuset *cpus)
{
	for (size_t i = 0; i < sizeof c->cpus.bits / sizeof c->cpus.bits[0]; i++)
		if (c->cpus.bits[i] & cpus->bits[i])
			return 1;
	return 0;
}

double agent_sys_freq_mhz(const struct agent_sys *s, const struct agent_cpuset *cpus)
{
	double best = -1;
	for (int c = 0; c < s->n_clusters; c++)
		if (meets(&s->clusters[c], cpus)) {
			double v = agent_sys_cluster_mhz(s, c);
			if (v > best)
				best = v;
		}
	return best;
}

double agent_sys_ref_mhz(const struct agent_sys *s, const struct agent_cpuset *cpus)
{
	double best = -1;
	for (int c = 0; c < s->n_clusters; c++)
		if (meets(&s->clusters[c], cpus) && s->clusters[c].max_mhz > best)
			best = s->clusters[c].max_mhz;
	return best > 0 ? best : agent_sys_freq_mhz(s, cpus);
}

int agent_sys_online_in(const struct agent_sys *s, int c)
{
	struct agent_cpuset on;
	if (c < 0 || c >= s->n_clusters || online_now(&on) < 0)
		return -1;
	int n = 0;
	for (int cpu = 0; cpu < AGENT_MAX_CPUS; cpu++)
		n += agent_cpuset_has(&s->clusters[c].cpus, cpu) && agent_cpuset_has(&on, cpu);
	return n;
}

int agent_meminfo(double *total_mb, double *avail_mb)
{
	*total_mb = *avail_mb = -1;
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return ERR_IO;
	char line[256];
	while (fgets(line, sizeof line, f)) {
		double *dst = strncmp(line, "MemTotal:", 9) == 0       ? total_mb
			      : strncmp(line, "MemAvailable:", 13) == 0 ? avail_mb
									: NULL;
		if (!dst)
			continue;
		char *colon = strchr(line, ':');
		char *end;
		double kb = strtod(colon + 1, &end);
		if (end != colon + 1)
			*dst = kb / 1024.0;
	}
	fclose(f);
	return 0;
}

int agent_affinity_get(struct agent_cpuset *s, struct errbuf *eb)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return err_set(eb, ERR_IO, "cannot read the CPU affinity: %s", strerror(errno));
	agent_cpuset_clear(s);
	for (int i = 0; i < CPU_SETSIZE && i < AGENT_MAX_CPUS; i++)
		if (CPU_ISSET(i, &set))
			agent_cpuset_add(s, i);
	return 0;
}

int agent_affinity_set(const struct agent_cpuset *s, struct errbuf *eb)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	for (int i = 0; i < CPU_SETSIZE && i < AGENT_MAX_CPUS; i++)
		if (agent_cpuset_has(s, i))
			CPU_SET(i, &set);
	char list[256];
	agent_cpuset_format(s, list, sizeof list);
	if (sched_setaffinity(0, sizeof set, &set) != 0)
		return err_set(eb, ERR_RANGE, "cannot run on CPUs %s: %s", list, strerror(errno));
	/* the threads libraries started before main (OpenBLAS) */
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		long tid;
		if (e->d_name[0] == '.' || num_long(e->d_name, &tid) < 0)
			continue;
		if (sched_setaffinity((pid_t)tid, sizeof set, &set) != 0 && errno != ESRCH) {
			int en = errno;
			closedir(d);
			return err_set(eb, ERR_IO, "cannot move thread %ld to CPUs %s: %s", tid, list,
				       strerror(en));
		}
	}
	closedir(d);
	return 0;
}

int agent_thread_affinity_set(const struct agent_cpuset *s)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	for (int i = 0; i < CPU_SETSIZE && i < AGENT_MAX_CPUS; i++)
		if (agent_cpuset_has(s, i))
			CPU_SET(i, &set);
	/* pid 0: the calling thread only (Linux) */
	return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : ERR_IO;
}

int agent_thread_pin(int cpu)
{
	struct agent_cpuset s;
	agent_cpuset_clear(&s);
	agent_cpuset_add(&s, cpu);
	return agent_thread_affinity_set(&s);
}

void agent_iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "unknown");
}
