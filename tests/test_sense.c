/*
 * test_sense.c: what a policy senses (sim/sense.h): a sample every period, its load the
 * mean over the period before it, seen a delay later, with noise drawn by sample number;
 * [sensing] in device files; runs that use it say so, and the oracle still sees the state.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "run.h"
#include "sense.h"
#include "testutil.h"

static struct adascale_state state(double util, double mhz)
{
	struct adascale_state st = {.size = sizeof st, .n_clusters = 1};
	st.util_other = util;
	st.freq_mhz[0] = st.max_freq_mhz[0] = mhz;
	return st;
}

#define MS 1000000LL

/*
 * A load step from 0 to 0.8 at 1050 ms and a frequency step from 2000 to 1000 MHz at
 * 1150 ms, sampled every 100 ms and seen 20 ms later. By hand: at 1070 ms the newest sample
 * seen is the one of 1000 ms (load over 900..1000 ms: 0); at 1120 ms that of 1100 ms (load
 * 0.8 over half of 1000..1100: 0.4); at 1230 ms that of 1200 ms (0.8, and 1000 MHz, set at
 * 1150); at 1160 ms still that of 1100 ms (2000 MHz).
 */
Test(sense, samples_average_the_period_before_them_and_arrive_late)
{
	struct sense s;
	struct errbuf eb = {0};
	struct sense_params p = {100, 20, 0};
	struct adascale_state st0 = state(0, 2000), out;
	cr_assert_eq(sense_init(&s, &p, 1, &st0, &eb), 0, "%s", eb.msg);
	struct adascale_state a = state(0.8, 2000), b = state(0.8, 1000);
	cr_assert_eq(sense_note(&s, 1050 * MS, &a), 0);
	sense_view(&s, 1070 * MS, &out);
	cr_expect_float_eq(out.util_other, 0, 1e-12);
	cr_expect_eq(out.t_ns, 1070 * MS);
	sense_view(&s, 1120 * MS, &out);
	cr_expect_float_eq(out.util_other, 0.4, 1e-12);
	cr_assert_eq(sense_note(&s, 1150 * MS, &b), 0);
	sense_view(&s, 1160 * MS, &out);
	cr_expect_float_eq(out.util_other, 0.4, 1e-12);
	cr_expect_float_eq(out.freq_mhz[0], 2000, 1e-12);
	sense_view(&s, 1230 * MS, &out);
	cr_expect_float_eq(out.util_other, 0.8, 1e-12);
	cr_expect_float_eq(out.freq_mhz[0], 1000, 1e-12);
	sense_free(&s);
}

/* Many changes later, the kept history still gives the right means (old states go). */
Test(sense, a_long_run_keeps_only_what_samples_can_reach)
{
	struct sense s;
	struct errbuf eb = {0};
	struct sense_params p = {50, 10, 0};
	struct adascale_state st0 = state(0, 2000), out;
	cr_assert_eq(sense_init(&s, &p, 1, &st0, &eb), 0, "%s", eb.msg);
	/* the load alternates 0.2 / 0.6 every 25 ms: every 50 ms window holds both halves */
	for (int i = 1; i <= 40000; i++) {
		struct adascale_state x = state(i % 2 ? 0.6 : 0.2, 2000);
		cr_assert_eq(sense_note(&s, (int64_t)i * 25 * MS, &x), 0);
		if (i % 97 == 0) {
			sense_view(&s, (int64_t)i * 25 * MS, &out);
			cr_expect_float_eq(out.util_other, 0.4, 1e-9, "at %d ms", i * 25);
		}
	}
	cr_expect_lt(s.n, 16, "%d states kept", s.n);
	sense_free(&s);
}

/*
 * The noise: over many samples its mean and standard deviation are those asked (10,000
 * samples: the sd of the sample mean is 0.001, of the sample sd about 0.0007); the same
 * sample gives the same value however often it is read.
 */
Test(sense, noise_has_the_asked_spread_and_belongs_to_the_sample)
{
	struct sense s;
	struct errbuf eb = {0};
	struct sense_params p = {10, 0, 0.1};
	struct adascale_state st0 = state(0.5, 2000), out, again;
	cr_assert_eq(sense_init(&s, &p, 7, &st0, &eb), 0, "%s", eb.msg);
	double sum = 0, sq = 0;
	int n = 10000;
	for (int k = 1; k <= n; k++) {
		sense_view(&s, (int64_t)k * 10 * MS + 3 * MS, &out);
		sense_view(&s, (int64_t)k * 10 * MS + 7 * MS, &again);
		cr_assert_eq(out.util_other, again.util_other, "sample %d read twice", k);
		sum += out.util_other;
		sq += out.util_other * out.util_other;
	}
	double mean = sum / n, sd = sqrt(sq / n - mean * mean);
	cr_expect(fabs(mean - 0.5) < 0.005, "mean %g", mean);
	cr_expect(fabs(sd - 0.1) < 0.005, "sd %g", sd);
	sense_free(&s);
}

static const char *device_with(const char *name, const char *sensing)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	FILE *in = fopen("devices/xeon-kvm-2vcpu.ini", "r");
	cr_assert(f && in);
	char line[1024];
	while (fgets(line, sizeof line, in))
		if (strncmp(line, "timings", 7) != 0)
			fputs(line, f);
	fclose(in);
	fputs(sensing, f);
	fclose(f);
	const char *path = tu_write(name, text);
	free(text);
	return path;
}

Test(sense, device_files_give_sensing_or_say_what_is_wrong)
{
	struct device *d = NULL;
	struct errbuf eb = {0};
	const char *path = device_with("s1.ini", "[sensing]\nperiod_ms = 100\ndelay_ms = 12\n"
				       "util_noise_sd = 0.02\nsource = assumed\n");
	cr_assert_eq(device_load(path, &d, &eb), 0, "%s", eb.msg);
	cr_expect(d->sensing.on && d->sensing.period_ms == 100 && d->sensing.delay_ms == 12 &&
		  d->sensing.util_noise_sd == 0.02);
	device_destroy(d);
	path = device_with("s2.ini", "[sensing]\nperiod_ms = 100\nsource = assumed\n");
	cr_assert_lt(device_load(path, &d, &eb), 0);
	cr_expect(tu_has(eb.msg, "[sensing] needs period_ms, delay_ms, util_noise_sd and source"),
		  "%s", eb.msg);
	path = device_with("s3.ini", "[sensing]\nperiod = 100\n");
	cr_assert_lt(device_load(path, &d, &eb), 0);
	cr_expect(tu_has(eb.msg, "unknown key 'period'"), "%s", eb.msg);
	path = device_with("s4.ini", "[sensing]\nperiod_ms = 0\n");
	cr_assert_lt(device_load(path, &d, &eb), 0);
	cr_expect(tu_has(eb.msg, "period_ms: 0 is outside"), "%s", eb.msg);
}

static struct run_output *run_on(const char *device, const char *policy)
{
	struct run_config c;
	run_config_defaults(&c);
	c.trace = "traces/host_stress.csv";
	c.device = device;
	c.timings = "devices/xeon-kvm-2vcpu/timings.csv";
	c.model = "mobilenet_v1";
	c.policy = policy;
	c.deadline_ms = 10;
	c.duration_s = 120;
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	cr_assert_eq(run_execute(&c, &o, &eb), 0, "%s", eb.msg);
	return o;
}

/*
 * Sensing late changes what a policy that reads the load does, and the run says so; the
 * oracle's runs are the same with or without it (it keeps the exact state).
 */
Test(sense, late_sensing_changes_a_run_and_not_the_oracle, .timeout = 120)
{
	const char *exact = device_with("exact.ini", "");
	const char *late = device_with("late.ini", "[sensing]\nperiod_ms = 500\ndelay_ms = 250\n"
				       "util_noise_sd = 0.05\nsource = assumed, for the test\n");
	struct run_output *a = run_on(exact, "greedy"), *b = run_on(late, "greedy");
	cr_expect(tu_has(a->notes, "sensing: exact (the device has no [sensing]: assumed)"), "%s",
		  a->notes);
	cr_expect(tu_has(b->notes, "sensing: a sample every 500 ms, seen 250 ms later"), "%s",
		  b->notes);
	cr_expect(a->m.deadline_misses != b->m.deadline_misses || a->m.switches != b->m.switches,
		  "late sensing changed nothing: %lld late, %lld switches",
		  (long long)a->m.deadline_misses, (long long)a->m.switches);
	run_output_destroy(a);
	run_output_destroy(b);
	a = run_on(exact, "oracle");
	b = run_on(late, "oracle");
	cr_expect(tu_has(b->notes, "sensing: exact (the policy sees the future)"), "%s", b->notes);
	cr_expect_eq(memcmp(&a->m, &b->m, sizeof a->m), 0, "the oracle's run changed");
	run_output_destroy(a);
	run_output_destroy(b);
}

/*
 * adascale-agent sense writes one row per period with the delay inside the range it
 * searches (-1 to +3 periods) when a step was visible, noise in 0..1, and the metadata
 * lines; the values themselves depend on this machine and its load.
 */
Test(sense, the_agent_measures_sensing_per_period, .timeout = 60 * TU_SLOW)
{
	char out[8192], cmd[1024];
	const char *csv = tu_scratch("sense.csv");
	snprintf(cmd, sizeof cmd, "%s/adascale-agent sense --periods 20,40 --steps 2 --quiet -o %s",
		 tu_bin(), csv);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s: %s", cmd, out);
	FILE *f = fopen(csv, "r");
	cr_assert_not_null(f);
	char line[1024];
	int rows = 0, meta = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#') {
			meta += strncmp(line, "# command: ", 11) == 0 ||
				strncmp(line, "# freq_files: ", 14) == 0;
			continue;
		}
		if (strncmp(line, "period_ms,", 10) == 0)
			continue;
		double p, d, d90, si, sb;
		int steps, fitted;
		cr_assert_eq(sscanf(line, "%lf,%d,%d,%lf,%lf,%lf,%lf", &p, &steps, &fitted, &d, &d90,
				    &si, &sb),
			     7, "%s", line);
		cr_expect_eq(p, rows ? 40 : 20);
		cr_expect_eq(steps, 2);
		cr_expect(fitted >= 0 && fitted <= 2);
		if (fitted)
			cr_expect(d >= -p && d <= 3 * p && d90 >= d, "%s", line);
		cr_expect(isnan(si) || (si >= 0 && si <= 1), "%s", line);
		cr_expect(isnan(sb) || (sb >= 0 && sb <= 1), "%s", line);
		rows++;
	}
	fclose(f);
	cr_expect_eq(rows, 2);
	cr_expect_eq(meta, 2);
	snprintf(cmd, sizeof cmd, "%s/adascale-agent sense --periods 0.5", tu_bin());
	cr_expect_eq(tu_run(cmd, out, sizeof out), 2, "%s", out);
	cr_expect(tu_has(out, "--periods"), "%s", out);
}
