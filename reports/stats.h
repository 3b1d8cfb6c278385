/*
 * stats.h: the little statistics that reports and comparisons need over a handful of seeds:
 * mean and sample standard deviation, Student's t distribution (its CDF and quantiles), the
 * 95% confidence interval of a mean, and the paired t-test.
 *
 * Why Student's t: a configuration is usually run with 3 to 10 seeds, and with so few
 * samples the normal approximation (mean +- 1.96 s / sqrt(n)) is far too narrow; the
 * interval mean +- t(0.975, n-1) s / sqrt(n) is exact when the per-seed values are normally
 * distributed and is the usual choice otherwise. The t distribution is computed from the
 * regularized incomplete beta function (DLMF 8.17.2 and the continued fraction 8.17.22),
 * so no table limits n.
 *
 * Not for reading data or deciding verdicts (compare.c, groups.c): numbers in, numbers out.
 */
#ifndef ADASCALE_STATS_H
#define ADASCALE_STATS_H

/* A sample summarised. ci95 is the half-width of the 95% interval; NAN when n < 2. */
struct stats_summary {
	int n;
	double mean, sd, ci95;
};

/* The outcome of a paired t-test on d_i = b_i - a_i. p is two-sided; NAN when n < 2. */
struct stats_paired {
	int n;
	double mean_diff, sd_diff, t, p;
};

/* P(T <= t) for Student's t with df > 0 degrees of freedom. */
double stats_t_cdf(double t, double df);

/* The t with P(T <= t) = p, for 0 < p < 1 and df > 0; NAN outside that domain. */
double stats_t_quantile(double p, double df);

/* I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 <= x <= 1. */
double stats_beta_inc(double a, double b, double x);

/*
 * Mean, sample standard deviation (n - 1 in the denominator) and the 95% Student-t interval
 * of x[0..n-1]. n = 0 gives mean NAN; n = 1 gives sd and ci95 NAN.
 */
void stats_summarize(const double *x, int n, struct stats_summary *s);

/*
 * The paired t-test of b against a (n pairs). When every difference is the same, the test
 * has no spread to judge by: p is 1 when they are all 0 and 0 otherwise (a systematic
 * shift, which a deterministic simulation produces whenever the code changes the result).
 */
void stats_paired_t(const double *a, const double *b, int n, struct stats_paired *out);

#endif
