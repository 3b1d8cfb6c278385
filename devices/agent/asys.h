/*
 * asys.h: what the agent can learn about the machine it runs on, from /proc and /sys
 * (Linux and Android): CPU model, online CPUs, clusters with their frequencies, memory, and
 * the CPU set the agent may run on. Clusters are CPUs that share a cpufreq policy
 * (related_cpus); without cpufreq they are the online CPUs of one core type (x86 "model
 * name", Arm "CPU part" in /proc/cpuinfo) and the frequency is /proc/cpuinfo's "cpu MHz".
 *
 * Unreadable values are negative (numbers) or empty (strings), never guessed. Not for
 * formatting (ainfo.c, arecord.c) nor for load or battery sampling (arecord.c).
 */
#ifndef ADASCALE_AGENT_SYSINFO_H
#define ADASCALE_AGENT_SYSINFO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define AGENT_MAX_CPUS 1024
#define AGENT_MAX_CLUSTERS 8
#define AGENT_MAX_FREQS 64

/* A set of CPU numbers. */
struct agent_cpuset {
	uint64_t bits[AGENT_MAX_CPUS / 64];
};
void agent_cpuset_clear(struct agent_cpuset *s);
void agent_cpuset_add(struct agent_cpuset *s, int cpu);
int agent_cpuset_has(const struct agent_cpuset *s, int cpu);
int agent_cpuset_count(const struct agent_cpuset *s);
/* The CPUs of s, ascending, into cpu (room for AGENT_MAX_CPUS): how many. */
int agent_cpuset_list(const struct agent_cpuset *s, int *cpu);
int agent_cpuset_first(const struct agent_cpuset *s);
/* Parses a kernel CPU list ("0-3,6"): 0, or ERR_PARSE. */
int agent_cpuset_parse(const char *list, struct agent_cpuset *s);
/* Writes the set as a CPU list ("0-3,6") into buf. */
void agent_cpuset_format(const struct agent_cpuset *s, char *buf, size_t len);

struct agent_cluster {
	struct agent_cpuset cpus;      /* all CPUs of the cluster (online or not) */
	char core_type[96];            /* model name, or an Arm core name / part number */
	double min_mhz, max_mhz;       /* cpufreq cpuinfo_min/max_freq; -1 unknown */
	int n_freqs;                   /* scaling_available_frequencies (MHz, ascending) */
	double freqs_mhz[AGENT_MAX_FREQS];
	char governor[32];             /* scaling_governor, "" unknown */
	double capacity;               /* cpu_capacity of its first CPU; -1 unknown */
};

struct agent_sys {
	char host[64];
	char cpu_model[128];  /* model name (x86) or Arm core types; "" unknown */
	char soc[128];        /* Hardware line, soc0 machine, device-tree model; else cpu_model */
	struct agent_cpuset online;
	int n_online;
	int has_cpufreq;      /* clusters and frequencies come from cpufreq */
	int n_clusters;
	struct agent_cluster clusters[AGENT_MAX_CLUSTERS];
	double mem_total_mb;  /* -1 unknown */
};

/* Reads everything; fails only when no CPU at all can be found. */
int agent_sys_read(struct agent_sys *s, struct errbuf *eb);
/* "cpufreq" or "cpuinfo". */
const char *agent_sys_freq_source(const struct agent_sys *s);
/* Current frequency of cluster c in MHz (cpufreq scaling_cur_freq of its first online CPU,
 * else the highest cpuinfo "cpu MHz" among its CPUs); -1 when unreadable or all offline. */
double agent_sys_cluster_mhz(const struct agent_sys *s, int c);
/* The highest current frequency over the clusters that meet cpus; -1 unreadable. */
double agent_sys_freq_mhz(const struct agent_sys *s, const struct agent_cpuset *cpus);
/* The frequency timings on cpus stand for: the highest cpufreq maximum of those clusters,
 * else the highest cpuinfo MHz now; -1 unknown. */
double agent_sys_ref_mhz(const struct agent_sys *s, const struct agent_cpuset *cpus);
/* Online CPUs now (re-read) in cluster c. */
int agent_sys_online_in(const struct agent_sys *s, int c);
/* MemTotal and MemAvailable in MB (-1 when missing). 0, or ERR_IO when /proc/meminfo fails. */
int agent_meminfo(double *total_mb, double *avail_mb);

/* The CPUs this process may run on. */
int agent_affinity_get(struct agent_cpuset *s, struct errbuf *eb);
/* Restricts every thread of the process (libraries start threads early) to s. */
int agent_affinity_set(const struct agent_cpuset *s, struct errbuf *eb);

/* Restricts the calling thread alone to one CPU, or to a set (to undo a pin). */
int agent_thread_pin(int cpu);
int agent_thread_affinity_set(const struct agent_cpuset *s);

/* Now, UTC, as 2024-05-01T12:00:00Z. */
void agent_iso_now(char *buf, size_t len);
/* Reads a small file into buf (trailing newline removed): 0, or -1. */
int agent_read_line(const char *path, char *buf, size_t len);

#endif
