/*
 * stats.c: Student's t distribution, sample summaries and the paired t-test (see stats.h).
 *
 * The t CDF comes from the regularized incomplete beta function:
 *   P(T <= t) = 1 - I_x(df/2, 1/2) / 2 for t >= 0, with x = df / (df + t^2)
 * (DLMF 8.17.2 with the relation of Student's distribution to the beta function, e.g.
 * Abramowitz and Stegun 26.7.1 and 26.5.27), and I_x from its continued fraction
 * (DLMF 8.17.22), evaluated with the modified Lentz method; the fraction converges fast for
 * x < (a + 1) / (a + b + 2), and the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) covers the
 * rest. Quantiles invert the CDF by Newton steps kept inside a bisection bracket.
 * Not for anything that knows what the numbers are.
 */
#include "stats.h"

#include <math.h>

#define CF_MAX_ITER 400
#define CF_EPS 1e-15
#define CF_TINY 1e-300

/* The continued fraction of I_x(a, b) without its prefactor (DLMF 8.17.22). */
static double beta_cf(double a, double b, double x)
{
	double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
	if (fabs(d) < CF_TINY)
		d = CF_TINY;
	d = 1.0 / d;
	double h = d;
	for (int m = 1; m <= CF_MAX_ITER; m++) {
		double m2 = 2.0 * m;
		/* even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)) */
		double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
		d = 1.0 + num * d;
		c = 1.0 + num / c;
		if (fabs(d) < CF_TINY)
			d = CF_TINY;
		if (fabs(c) < CF_TINY)
			c = CF_TINY;
		d = 1.0 / d;
		h *= d * c;
		/* odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) */
		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
		d = 1.0 + num * d;
		c = 1.0 + num / c;
		if (fabs(d) < CF_TINY)
			d = CF_TINY;
		if (fabs(c) < CF_TINY)
			c = CF_TINY;
		d = 1.0 / d;
		double step = d * c;
		h *= step;
		if (fabs(step - 1.0) < CF_EPS)
			break;
	}
	return h;
}

double stats_beta_inc(double a, double b, double x)
{
	if (!(a > 0) || !(b > 0) || isnan(x))
		return NAN;
	if (x <= 0)
		return 0.0;
	if (x >= 1)
		return 1.0;
	double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * beta_cf(a, b, x) / a;
	return 1.0 - front * beta_cf(b, a, 1.0 - x) / b;
}

double stats_t_cdf(double t, double df)
{
	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return t > 0 ? 1.0 : 0.0;
	double tail = 0.5 * stats_beta_inc(df / 2.0, 0.5, df / (df + t * t));
	return t >= 0 ? 1.0 - tail : tail;
}

/* The density of Student's t at t. */
static double t_pdf(double t, double df)
{
	return exp(lgamma((df + 1.0) / 2.0) - lgamma(df / 2.0) -
		   (df + 1.0) / 2.0 * log1p(t * t / df)) /
	       sqrt(df * 3.14159265358979323846);
}

double stats_t_quantile(double p, double df)
{
	if (!(p > 0 && p < 1) || !(df > 0))
		return NAN;
	if (p == 0.5)
		return 0.0;
	if (p < 0.5)
		return -stats_t_quantile(1.0 - p, df);
	/* A bracket [lo, hi] with cdf(lo) <= p <= cdf(hi). */
	double lo = 0.0, hi = 1.0;
	while (stats_t_cdf(hi, df) < p && hi < 1e300)
		hi *= 2.0;
	double t = 0.5 * (lo + hi);
	for (int i = 0; i < 200; i++) {
		double f = stats_t_cdf(t, df) - p;
		if (f == 0)
			break;
		if (f < 0)
			lo = t;
		else
			hi = t;
		double next = t - f / t_pdf(t, df);
		if (!(next > lo && next < hi))
			next = 0.5 * (lo + hi);
		if (fabs(next - t) <= 1e-14 * (1.0 + fabs(t)))
			return next;
		t = next;
	}
	return t;
}

void stats_summarize(const double *x, int n, struct stats_summary *s)
{
	s->n = n;
	s->mean = s->sd = s->ci95 = NAN;
	if (n < 1)
		return;
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += x[i];
	s->mean = sum / n;
	if (n < 2)
		return;
	/* Two passes: the squares of deviations, not of values, so no cancellation. */
	double ss = 0;
	for (int i = 0; i < n; i++)
		ss += (x[i] - s->mean) * (x[i] - s->mean);
	s->sd = sqrt(ss / (n - 1));
	s->ci95 = stats_t_quantile(0.975, n - 1) * s->sd / sqrt((double)n);
}

void stats_paired_t(const double *a, const double *b, int n, struct stats_paired *out)
{
	out->n = n;
	out->mean_diff = out->sd_diff = out->t = out->p = NAN;
	if (n < 1)
		return;
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += b[i] - a[i];
	out->mean_diff = sum / n;
	if (n < 2)
		return;
	double ss = 0;
	for (int i = 0; i < n; i++) {
		double e = (b[i] - a[i]) - out->mean_diff;
		ss += e * e;
	}
	out->sd_diff = sqrt(ss / (n - 1));
	/*
	 * No spread: every difference equals the mean (up to rounding of the mean itself).
	 * All zero is no change; otherwise the shift is systematic.
	 */
	double scale = 0;
	for (int i = 0; i < n; i++)
		scale = fmax(scale, fabs(b[i] - a[i]));
	if (out->sd_diff <= 1e-12 * scale || scale == 0) {
		out->sd_diff = 0;
		out->t = out->mean_diff == 0 ? 0 : copysign(INFINITY, out->mean_diff);
		out->p = out->mean_diff == 0 ? 1.0 : 0.0;
		return;
	}
	out->t = out->mean_diff / (out->sd_diff / sqrt((double)n));
	out->p = 2.0 * stats_t_cdf(-fabs(out->t), n - 1);
}
