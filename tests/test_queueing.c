/*
 * test_queueing.c: the engine against theory. With a constant device state, one fixed
 * variant and Poisson arrivals, the mean wait matches the M/D/1 formula (deterministic
 * service) and the M/M/1 formula (service=exp); with a constant state, energy equals power
 * times time. Tolerances are stated with each test; the runs are seeded, so the numbers are
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

/* The profiled service time (ms) of the test variant at one thread. */
static double service_ms(void)
{
	struct errbuf eb = {0};
	struct model *m;
	struct variant_set *vs;
	struct timings *t;
	cr_assert_eq(model_load("mobilenet_v1", &m, &eb), 0, "%s", eb.msg);
	cr_assert_eq(variants_enumerate(m, VARIANT, &vs, &eb), 0, "%s", eb.msg);
	cr_assert_eq(timings_load(TIMINGS, &t, &eb), 0, "%s", eb.msg);
	double us;
	cr_assert_eq(timings_model_us(t, vs->v[0].spec, 1, &us, NULL), 0);
	timings_destroy(t);
	variant_set_destroy(vs);
	model_destroy(m);
	return us / 1000;
}

static struct run_output *queue_run(double rho, const char *service, double *d_ms)
{
	*d_ms = service_ms();
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
	double d = service_ms();
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
