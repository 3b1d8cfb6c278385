/*
 * test_queueing.c: the engine against theory. With a constant device state, one fixed
 * variant and Poisson arrivals, the mean wait matches the M/D/1 formula (deterministic
 * service) and the M/M/1 formula (service=exp); with a constant state, energy equals power
 * times time; the accuracy of on-time answers of a run counted by hand. Tolerances are
 * stated with each test; the runs are seeded, so the numbers are
 * the same on every machine and every run.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "err.h"
#include "model.h"
#include "run.h"
#include "testutil.h"
#include "timings.h"

#define TIMINGS "devices/xeon-kvm-2vcpu/timings.csv"
#define VARIANT "width=0.25 res=128 quant=fp32"

/* A device whose variant loads are instant, so only queueing shapes latency. */
static const char *flat_device(void)
{
	return tu_write("flat.ini", "[device]\nname=flat\nmemory_mb=8000\n"
				    "storage_read_mbps=1e7\ninit_ms=0\nbase_power_mw=250\n"
				    "[cluster.0]\ncores=2\ncapacity=1024\ndyn_power_coeff=400\n"
				    "opp=2600@900\n");
}

static struct run_output *queue_run(double rho, const char *service, double *d_ms)
{
	*d_ms = tu_variant_ms(TIMINGS, VARIANT, 1);
	char workload[128];
	snprintf(workload, sizeof workload, "poisson:rate=%.17g,service=%s", rho / (*d_ms / 1000),
		 service);
	struct run_config c;
	run_config_defaults(&c);
	c.trace = tu_write("const.csv", "time_s,util_other\n0,0\n");
	c.duration_s = 400;
	c.device = flat_device();
	c.timings = TIMINGS;
	c.model = "mobilenet_v1";
	c.ops = VARIANT;
	c.policy = "static:variant=0,threads=1";
	c.workload = workload;
	c.deadline_ms = 1e6;
	c.queue_cap = 1000000;
	c.seed = 11;
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
	cr_assert_eq(o->m.dropped, 0);
	return o;
}

/* M/D/1: mean wait Wq = rho * D / (2 (1 - rho)). Tolerance 3% (about 3 standard errors). */
Test(queueing, poisson_arrivals_deterministic_service_match_md1)
{
	double d, rho = 0.6;
	struct run_output *o = queue_run(rho, "det", &d);
	double wq = o->m.lat_mean_ms - d;
	double theory = rho * d / (2 * (1 - rho));
	cr_log_info("M/D/1: wait %.5f ms, theory %.5f ms", wq, theory);
	cr_assert(fabs(wq / theory - 1) < 0.03, "M/D/1 wait %.5f ms, theory %.5f ms (D %.4f ms, %lld served)",
		  wq, theory, d, (long long)o->m.served);
	run_output_destroy(o);
}

/* M/M/1: mean wait Wq = rho * D / (1 - rho) with D the mean service time. Tolerance 4%. */
Test(queueing, poisson_arrivals_exponential_service_match_mm1)
{
	double d, rho = 0.6;
	struct run_output *o = queue_run(rho, "exp", &d);
	double wq = o->m.lat_mean_ms - d;
	double theory = rho * d / (1 - rho);
	cr_log_info("M/M/1: wait %.5f ms, theory %.5f ms", wq, theory);
	cr_assert(fabs(wq / theory - 1) < 0.04, "M/M/1 wait %.5f ms, theory %.5f ms (D %.4f ms)", wq,
		  theory, d);
	/* and the whole sojourn time is exponential: its median is ln 2 times its mean */
	cr_assert(fabs(o->m.lat_p50_ms / o->m.lat_mean_ms - log(2)) < 0.03, "median/mean %.4f",
		  o->m.lat_p50_ms / o->m.lat_mean_ms);
	run_output_destroy(o);
}

/* Energy with a constant state is power x time, to rounding (1e-9 relative). */
Test(queueing, constant_state_energy_is_power_times_time)
{
	double d = tu_variant_ms(TIMINGS, VARIANT, 1);
	struct run_config c;
	run_config_defaults(&c);
	c.trace = tu_write("const2.csv", "time_s,util_other\n0,0\n10,0\n");
	c.device = flat_device();
	c.timings = TIMINGS;
	c.model = "mobilenet_v1";
	c.ops = VARIANT;
	c.policy = "static:variant=0,threads=1";
	c.workload = "periodic:fps=10";
	c.deadline_ms = 1000;
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
	cr_assert_eq(o->m.served, 100);
	/* one busy core: 400 uW/MHz/V^2 * 0.9^2 V^2 * 2600 MHz = 842.4 mW */
	double core_mw = 400 * 0.81 * 2600 / 1000;
	double base_mj = 250 * 10.0;
	double infer_mj = 100 * core_mw * d / 1000;
	/* the one variant load: weight bytes / 1e7 MB/s on one core */
	double load_mj = o->m.energy_mj - base_mj - infer_mj;
	cr_assert(load_mj >= 0 && load_mj < core_mw * 1e-3, "load energy %g mJ", load_mj);
	cr_assert_float_eq(o->m.energy_per_inf_mj, (infer_mj + load_mj) / 100, 1e-9);
	cr_assert_float_eq(o->m.energy_mj, base_mj + infer_mj + load_mj, 1e-9);
	run_output_destroy(o);
}

/*
 * The accuracy of on-time answers, counted by hand. One variant (MobileNet V1 0.25/128
 * fp32: ImageNet top-1 41.5%, data/accuracy/mobilenet_v1_imagenet.csv from
 * tensorflow/models research/slim/nets/mobilenet_v1.md), deterministic service D (its
 * profiled time), queue of 1 waiting request, drop newest, deadline 1.5 D. Arrivals:
 *   r0 at 0      runs 0..D, latency D <= 1.5 D                         on time   41.5
 *   r1 at 0.1 D  waits for r0, runs D..2D, latency 1.9 D > 1.5 D       late       0
 *   r2 at 0.2 D  r1 fills the queue: dropped                            dropped    0
 *   r3 at 3 D    runs 3D..4D, latency D                                 on time   41.5
 *   r4 at 3.2 D  its own deadline 2 D: runs 4D..5D, latency 1.8 D       on time   41.5
 *   r5 at 6.5 D  free memory 1 MB from 6 D to 7 D: the variant fails    failed     0
 *   r6 at 10 D   the run ends at 10.5 D, during its inference           unfinished 0
 * ontime_top1 = 3 x 41.5 / 7 = 17.785714...%; the mean top-1 of the served answers (r0, r1,
 * r3, r4) is 41.5%.
 */
Test(queueing, ontime_top1_of_a_hand_worked_run)
{
	double d = tu_variant_ms(TIMINGS, VARIANT, 1);
	char arrivals[512], trace[512];
	snprintf(arrivals, sizeof arrivals,
		 "time_s,deadline_ms\n%.17g,\n%.17g,\n%.17g,\n%.17g,\n%.17g,%.17g\n%.17g,\n%.17g,\n",
		 0.0, 0.1 * d / 1000, 0.2 * d / 1000, 3 * d / 1000, 3.2 * d / 1000, 2 * d,
		 6.5 * d / 1000, 10 * d / 1000);
	snprintf(trace, sizeof trace,
		 "time_s,util_other,mem_avail_mb\n0,0,8000\n%.17g,0,1\n%.17g,0,8000\n",
		 6 * d / 1000, 7 * d / 1000);
	char workload[4200];
	snprintf(workload, sizeof workload, "file:%s", tu_write("ontime_arrivals.csv", arrivals));
	struct run_config c;
	run_config_defaults(&c);
	c.trace = tu_write("ontime_trace.csv", trace);
	c.duration_s = 10.5 * d / 1000;
	c.device = flat_device();
	c.timings = TIMINGS;
	c.model = "mobilenet_v1";
	c.ops = VARIANT;
	c.policy = "static:variant=0,threads=1";
	c.workload = workload;
	c.deadline_ms = 1.5 * d;
	c.queue_cap = 1;
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
	cr_assert_eq(o->m.requests, 7);
	cr_assert_eq(o->m.served, 4);
	cr_assert_eq(o->m.deadline_misses, 1);
	cr_assert_eq(o->m.dropped, 1);
	cr_assert_eq(o->m.failures, 1);
	cr_assert(o->has_ontime_top1);
	cr_assert(fabs(o->m.ontime_top1 - 3 * 41.5 / 7) < 1e-9, "ontime_top1 %.17g",
		  o->m.ontime_top1);
	cr_assert(fabs(o->m.mean_top1 - 41.5) < 1e-9, "mean_top1 %.17g", o->m.mean_top1);
	run_output_destroy(o);
}
