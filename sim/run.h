/*
 * run.h: one simulated run: a device-state trace replayed on a device model, a workload of
 * inference requests with a deadline, a model's variant table with profiled costs, and a
 * policy choosing a variant and thread count before every inference. The result is the
 * metrics of metrics.h plus latency quantiles, per-variant use and an optional timeline.
 *
 * Semantics (docs/simulation.md has the full account):
 *   - time is integer nanoseconds; events ordered by (time, sequence);
 *   - an inference is work measured at the timings' reference state; it progresses at the
 *     device model's rate (devices/devmodel.h: frequency, online cores, competing load),
 *     asked again at every state change;
 *   - a variant whose weights + peak activations exceed free memory fails (counted);
 *   - switching variants costs what the device model says (weights read, then set-up);
 *   - energy integrates the device model's power: the busy cores, plus base power.
 * Not for the physics (devmodel.h), storing results (store.h) or parsing the command line
 * (main.c).
 */
#ifndef ADASCALE_RUN_H
#define ADASCALE_RUN_H

#include <signal.h>
#include <stdint.h>

#include "err.h"
#include "metrics.h"

struct monitor;

struct run_config {
	const char *trace;
	const char *device;
	const char *timings;   /* NULL: the device file's timings */
	const char *model;     /* zoo name or spec path */
	const char *ops;       /* operator lists; NULL: the model's ladder */
	const char *policy;    /* NAME[:PARAMS] or plugin.so[:NAME][:PARAMS] */
	const char *workload;  /* periodic:fps=F | poisson:rate=R */
	const char *tag;
	double deadline_ms;
	/* > 0: the deadline is auto:F, this F times the idle latency of the most accurate
	 * variant (run_execute resolves it; deadline_ms is then not read); 0: deadline_ms */
	double deadline_auto;
	int queue_cap;
	int drop_oldest;       /* 0: a full queue drops the new request; 1: the oldest */
	double duration_s;     /* 0: until the trace ends */
	uint64_t seed;
	int timeline;          /* 1: keep a sampled timeline */
	int requests;          /* 1: keep one row per request (40 bytes each, in memory) */
	struct monitor *monitor; /* NULL, or where policy calls are reported (monitor.h) */
	int physics;           /* RUN_PHYSICS_REPLAY (default) or RUN_PHYSICS_CLOSED */
	/* NULL, or a flag (set by a signal handler; in shared memory when the run is in a child
	 * process) that, once non-zero, ends the run at its next event with ERR_INTERRUPTED */
	const volatile sig_atomic_t *stop;
};

/*
 * Replay: the trace's frequency and temperature are the device's. Closed: the device's
 * [thermal] network and governor make them from the power the run draws (docs/physics.md);
 * a device without a [thermal] section replays, and its notes say the loop was open.
 */
enum { RUN_PHYSICS_REPLAY = 0, RUN_PHYSICS_CLOSED = 1 };

/* Fills the defaults: periodic:fps=30, deadline 100 ms, queue 4, drop newest, seed 1. */
void run_config_defaults(struct run_config *c);

struct timeline_point {
	double t_s, freq_mhz, util_other, mem_avail_mb, latency_ms;
	int variant;
};

/* What became of a request. */
enum request_outcome { REQ_OK, REQ_LATE, REQ_FAILED, REQ_DROPPED, REQ_UNFINISHED };

/* One request, for --detail requests. Times are -1 where they do not apply. */
struct request_row {
	int64_t seq;           /* arrival order, from 0 */
	int64_t t_arrival_ns, t_start_ns, t_end_ns;
	int variant;           /* index into variant_keys, -1 when none ran */
	int outcome;           /* enum request_outcome */
	double energy_uj;      /* dynamic energy of its inference */
};

/* "ok", "late", "failed", "dropped", "unfinished". */
const char *run_outcome_name(int outcome);

struct run_output {
	struct metrics m;
	int real;                   /* 1: served by the agent (sim/served.h), stored with world
				       'real' and no energy, events or decide times; 0: simulated */
	double lat_q_ms[101];       /* latency quantiles 0, 0.01, ..., 1 (served requests) */
	int has_latency;            /* 0 when nothing was served */
	int has_top1;               /* 0 when no served variant has an accuracy */
	int has_ontime_top1;        /* 0 when no request counts towards ontime_top1 */
	double decide_mean_us, decide_p99_us;
	double wall_s;
	double deadline_ms;         /* the deadline the run used: --deadline-ms, or auto:F resolved */
	int n_variants;
	char (*variant_keys)[160];  /* owned */
	int64_t *variant_served;    /* owned, per variant */
	double *variant_top1;       /* owned; NaN without accuracy */
	int n_timeline;
	struct timeline_point *timeline; /* owned */
	int64_t n_request_rows;
	struct request_row *request_rows; /* owned; in completion order */
	/* provenance */
	char config[8192];          /* canonical key=value lines */
	char config_key[65];        /* SHA-256 of the config without tag and seed */
	char trace_sha256[65], device_sha256[65], timings_sha256[65], model_sha256[65];
	char timings_path[4096];
	int timings_derived;
	char policy_name[128], policy_params[1024];
	char policy_sha256[65];     /* SHA-256 of the plugin file; "" for a built-in */
	int physics_closed;         /* 1: the loop was closed */
	double throttled_s;         /* closed: time the big cluster was capped below its top */
	double max_temp_c;          /* closed: the peak temperature (NaN without a network) */
	double battery_end_pct;     /* closed: the battery at the end (NaN without a battery) */
	double saver_s;             /* closed: time with battery saver on */
	char notes[4096];           /* what the run rests on (contention model, work draw) and
				       what was left out, e.g. variants without timings */
};

/*
 * What identifies an experiment (contents, not paths): the run's config_key is the SHA-256
 * of its text, which a sweep computes for every planned run before running any, so the two
 * must agree: both build it here. A plugin's code is part of it: policy_sha256 (the SHA-256
 * of the .so, from run_policy_sha256) adds a line to the text, so a rebuilt plugin is a new
 * configuration; a built-in (policy_sha256 NULL or "") adds none, so its keys stay as they
 * were before plugins were hashed.
 */
struct run_identity {
	const char *trace_sha256, *device_sha256, *timings_sha256, *model_sha256;
	const char *ops; /* NULL: the whole ladder */
	const char *policy, *policy_source, *policy_params, *workload;
	const char *policy_sha256;
	double deadline_ms, duration_s;
	double deadline_auto; /* > 0: the text says deadline_ms=auto:F instead of a number */
	int queue_cap, drop_oldest;
	int physics_closed;  /* closed asked for: adds "physics=closed" to the text; 0 adds nothing */
	int device_cadence;  /* the device names a cadence: with drawn work (service=meas) adds
				"work=cadence spread", the rule its work is drawn by; 0 adds nothing */
};

#define RUN_IDENTITY_LEN 3072

/* The identity's text into key (RUN_IDENTITY_LEN bytes) and its SHA-256 into config_key. */
void run_identity(const struct run_identity *id, char key[RUN_IDENTITY_LEN],
		  char config_key[65]);
/*
 * The SHA-256 of a policy's code into hex: the plugin file's for a plugin source, "" for
 * "builtin". 0, or ERR_IO naming the file.
 */
int run_policy_sha256(const char *policy_source, char hex[65], struct errbuf *eb);
/* The runs.config text: the paths, then the identity's text, the seed and the tag. */
void run_config_text(char *out, size_t len, const char *trace, const char *device,
		     const char *timings, const char *model, const char *key, uint64_t seed,
		     const char *tag);

/*
 * A deadline as written on the command line or in a sweep file: milliseconds in (0, 1e9], or
 * auto:F with F a number in (0, 1000] (the deadline is F times the idle latency of the most
 * accurate variant; docs/simulation.md#deadline). Sets *deadline_ms (0 for auto) and
 * *deadline_auto (0 for a number). 0, or -1 with the reason in why.
 */
int run_deadline_parse(const char *text, double *deadline_ms, double *deadline_auto, char *why,
		       size_t why_len);

/* Runs the simulation; *out is the caller's (run_output_destroy). */
/* Checks a workload string's grammar (a file: workload's file is not opened): 0 or ERR_USAGE. */
int run_workload_check(const char *workload, struct errbuf *eb);

/* A workload string in parts, for the results' columns (store/). */
struct run_workload_parts {
	const char *arrivals; /* "periodic", "poisson" or "file" (static strings) */
	double rate_hz;       /* fps or rate; 0 for a file */
	const char *service;  /* "det", "exp" or "meas" (the default) */
	int service_given;    /* 1: the string names it; 0: the default */
};

/* Splits a workload string as run_workload_check reads it: 0 or ERR_USAGE. */
int run_workload_parts(const char *workload, struct run_workload_parts *p, struct errbuf *eb);
int run_execute(const struct run_config *cfg, struct run_output **out, struct errbuf *eb);
void run_output_destroy(struct run_output *o);

#endif
