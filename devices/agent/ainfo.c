/*
 * ainfo.c: the info verb (see ainfo.h).
 */
#include "ainfo.h"

#include "apeak.h"

#include <stdarg.h>
#include <string.h>

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif

struct w {
	FILE *f;
	int failed;
};

static void out(struct w *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(struct w *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!w->failed && vfprintf(w->f, fmt, ap) < 0)
		w->failed = 1;
	va_end(ap);
}

/* The cluster's measured fp32 peak (apeak.h), as the device keys derive reads. */
static void write_peak(struct w *w, const struct agent_sys *s, const struct agent_cluster *cl)
{
	struct agent_peak p;
	struct errbuf eb = {0};
	struct agent_cpuset on; /* the cluster's online CPUs */
	agent_cpuset_clear(&on);
	for (int cpu = 0; cpu < AGENT_MAX_CPUS; cpu++)
		if (agent_cpuset_has(&cl->cpus, cpu) && agent_cpuset_has(&s->online, cpu))
			agent_cpuset_add(&on, cpu);
	const struct agent_cpuset *set = &on;
	if (agent_peak_measure(set, &p, &eb) < 0) {
		out(w, "; peak_gflops: not measured (%s)\n", eb.msg);
		return;
	}
	char cpus[256];
	agent_cpuset_format(set, cpus, sizeof cpus);
	double nominal = agent_sys_cluster_mhz(s, (int)(cl - s->clusters));
	out(w, "; measured by adascale-agent info: 12 independent chains of %s FMA (%d fp32 "
	       "lanes),\n; the best of %d runs of about 50 ms: %.1f GFLOP/s on CPU %d alone, "
	       "%.1f on CPUs %s at once;\n",
	    p.isa, p.width, p.repeats, p.gflops_one, agent_cpuset_first(set), p.gflops_all, cpus);
	out(w, "; a dependent chain of integer adds (one a cycle) ran at %.0f MHz on CPU %d",
	    p.clock_mhz, agent_cpuset_first(set));
	if (nominal > 0)
		out(w, "\n; (the frequency read above: %.0f MHz)", nominal);
	out(w, ", so %.1f FLOPs per cycle\n", p.gflops_one * 1e3 / p.clock_mhz);
	out(w, "peak_gflops = %.1f\npeak_gflops_all = %.1f\n", p.gflops_one, p.gflops_all);
}

int agent_info_write(FILE *f, const struct agent_sys *s)
{
	struct w w = {f, 0};
	char date[32];
	agent_iso_now(date, sizeof date);
	out(&w, "; written by adascale-agent info (%s) on %s at %s\n", ADASCALE_VERSION, s->host,
	    date);
	out(&w, "; clusters and frequencies from %s\n",
	    s->has_cpufreq ? "cpufreq (/sys/devices/system/cpu/cpu*/cpufreq)"
			   : "/proc/cpuinfo: there is no cpufreq under "
			     "/sys/devices/system/cpu/cpu*/cpufreq, so clusters are CPUs of one "
			     "core type and the only frequency is \"cpu MHz\"");
	out(&w, "[device]\n");
	out(&w, "name = %s\n", s->host);
	out(&w, "soc = %s\n", s->soc[0] ? s->soc : "unknown");
	double total, avail;
	if (agent_meminfo(&total, &avail) == 0 && avail >= 0)
		out(&w, "; MemAvailable now: %.0f MB\n", avail);
	if (s->mem_total_mb > 0)
		out(&w, "memory_mb = %.0f\n", s->mem_total_mb);
	else
		out(&w, "; memory_mb: no MemTotal in /proc/meminfo\n");
	out(&w, "; storage_read_mbps, init_ms, base_power_mw: not readable from /proc or /sys; "
		"measure them and fill in\n");
	out(&w, "; timings = NAME.timings.csv   (adascale-agent profile output)\n");
	out(&w, "; timings_source = measured\n");
	for (int c = 0; c < s->n_clusters; c++) {
		const struct agent_cluster *cl = &s->clusters[c];
		char cpus[256];
		agent_cpuset_format(&cl->cpus, cpus, sizeof cpus);
		out(&w, "[cluster.%d]\n", c);
		out(&w, "; cpus: %s\n", cpus);
		out(&w, "cores = %d\n", agent_cpuset_count(&cl->cpus));
		if (cl->core_type[0])
			out(&w, "core_type = %s\n", cl->core_type);
		else
			out(&w, "; core_type: /proc/cpuinfo names no model or CPU part\n");
		if (cl->capacity > 0)
			out(&w, "capacity = %.0f\n", cl->capacity);
		else
			out(&w, "; capacity: no cpu_capacity in sysfs (biggest core = 1024)\n");
		out(&w, "; dyn_power_coeff: unknown here (the kernel's energy model is in debugfs, "
			"root only); give uW/MHz/V^2\n");
		double cur = agent_sys_cluster_mhz(s, c);
		if (s->has_cpufreq) {
			out(&w, "; cpufreq:");
			if (cl->min_mhz > 0)
				out(&w, " min %.0f MHz,", cl->min_mhz);
			if (cl->max_mhz > 0)
				out(&w, " max %.0f MHz,", cl->max_mhz);
			if (cur > 0)
				out(&w, " current %.0f MHz,", cur);
			out(&w, " governor %s\n", cl->governor[0] ? cl->governor : "unknown");
		}
		if (cl->n_freqs > 0) {
			out(&w, "; operating points from scaling_available_frequencies; voltages "
				"unknown here\nopp =");
			for (int i = 0; i < cl->n_freqs; i++)
				out(&w, " %.0f", cl->freqs_mhz[i]);
			out(&w, "\n");
		} else if (cl->min_mhz > 0 && cl->max_mhz > 0) {
			out(&w, "; no scaling_available_frequencies: cpuinfo min and max only; "
				"voltages unknown here\n");
			if (cl->max_mhz > cl->min_mhz)
				out(&w, "opp = %.0f %.0f\n", cl->min_mhz, cl->max_mhz);
			else
				out(&w, "opp = %.0f\n", cl->max_mhz);
		} else if (cur > 0) {
			out(&w, "; the \"cpu MHz\" of /proc/cpuinfo now (no cpufreq); voltages "
				"unknown here\nopp = %.0f\n",
			    cur);
		} else {
			out(&w, "; opp: no frequency readable (no cpufreq, no cpu MHz)\n");
		}
		out(&w, "; voltage_rule: needed since opp has no voltages, e.g. const:MV or "
			"linear:MINMV-MAXMV\n");
		write_peak(&w, s, cl);
	}
	if (!w.failed && fflush(f) != 0)
		w.failed = 1;
	return w.failed ? ERR_IO : 0;
}
