/*
 * vtable.c: the variant table and the predictions made from it (see vtable.h).
 */
#include "vtable.h"

#include <stdio.h>
#include <stdlib.h>

#include "calib.h"
#include "device.h"
#include "kshape.h"
#include "model.h"
#include "switchcost.h"
#include "timings.h"

/* Which variants share weights with which: the family is the first one it shares with. */
static void switch_families(struct vtable *t, const struct model *model)
{
	for (int i = 0; i < t->n_var; i++) {
		t->n_sw_measured +=
			devmodel_switch_var(t->dm, t->av[i].key, t->av[i].weight_bytes, &t->sw[i]);
		t->sw[i].family = i;
		for (int j = 0; j < i; j++)
			if (t->sw[j].family == j &&
			    switchcost_shares_weights(t->av[j].key, t->av[i].key,
						      model->shared_weights)) {
				t->sw[i].family = j;
				break;
			}
	}
}

int vtable_load_inputs(const char *device_path, const char *timings_path, const char *model,
		       const char *ops, struct device **dev, struct timings **tim,
		       struct model **m, struct variant_set **vs, struct errbuf *eb)
{
	int rc = device_load(device_path, dev, eb);
	if (rc < 0)
		return rc;
	const char *tpath = timings_path ? timings_path : device_timings_for(*dev, model);
	if (!tpath[0])
		return err_set(eb, ERR_USAGE, "%s: the device names no timings file; give --timings",
			       device_path);
	if ((rc = timings_load(tpath, tim, eb)) < 0 || (rc = model_load(model, m, eb)) < 0)
		return rc;
	return variants_enumerate(*m, ops, vs, eb);
}

int vtable_build(struct vtable *t, const struct variant_set *vs, const struct timings *tim,
		 const struct model *model, const struct devmodel *dm, struct errbuf *eb)
{
	int n = vs->n;
	memset(t, 0, sizeof *t);
	t->dm = dm;
	t->per_pass = dm->calib && dm->calib->n_pass > 0;
	t->av = calloc((size_t)n, sizeof *t->av);
	t->vr = calloc((size_t)n, sizeof *t->vr);
	t->vsp = calloc((size_t)n, sizeof *t->vsp);
	t->var_index = calloc((size_t)n, sizeof *t->var_index);
	t->sw = calloc((size_t)n, sizeof *t->sw);
	if (!t->av || !t->vr || !t->vsp || !t->var_index || !t->sw)
		return err_set(eb, ERR_NOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		const struct variant *v = &vs->v[i];
		struct vtable_row row = {{0}};
		struct vtable_spread sp;
		memset(&sp, 0, sizeof sp);
		int any = 0, var_unstable = 0;
		for (int k = 0; k < tim->n_threads; k++) {
			int th = tim->threads[k];
			if (th > VTABLE_MAX_THREADS)
				continue;
			struct kshape miss;
			double us;
			if (timings_model_us(tim, v->spec, th, &us, &miss) == 0 &&
			    timings_model_spread_us(tim, v->spec, th, &sp.p10_us[th],
						    &sp.p90_us[th]) == 0) {
				row.ref_us[th] = us;
				/* a pass the profile timed whole sets the level; the kernels' sum
				   predicts a variant it did not time */
				const struct timing_pass *tp = timings_pass_find(tim, v->key, th);
				if (tp) {
					row.ref_us[th] = tp->median_us;
					sp.p10_us[th] = tp->p10_us;
					sp.p90_us[th] = tp->p90_us;
					t->n_pass_level++;
				}
				t->n_levels++;
				any = 1;
				int nu = 0;
				if (timings_model_unstable(tim, v->spec, th, &nu) == 0 && nu) {
					t->n_unstable_layers += nu;
					var_unstable = 1;
				}
				if (th > t->max_threads)
					t->max_threads = th;
			} else if (!t->first_missing[0]) {
				char k2[160];
				kshape_format(&miss, k2, sizeof k2);
				snprintf(t->first_missing, sizeof t->first_missing,
					 "%s lacks %s at %d threads", v->key, k2, th);
			}
		}
		if (!any) {
			t->n_skipped++;
			continue;
		}
		t->n_var_unstable += var_unstable;
		int j = t->n_var++;
		t->vr[j] = row;
		t->vsp[j] = sp;
		t->var_index[j] = i;
		t->av[j] = (struct adascale_variant){
			.size = sizeof(struct adascale_variant),
			.key = v->key,
			.has_top1 = v->has_top1,
			.top1 = v->top1,
			.macs = v->cost.macs,
			.weight_bytes = (double)v->cost.weight_bytes,
			.mem_bytes = (double)(v->cost.weight_bytes + v->cost.peak_act_bytes),
		};
	}
	if (t->n_var == 0)
		return err_set(eb, ERR_NOTFOUND,
			       "%s: no variant of %s has timings (%s); profile its kernels first "
			       "(adascale kernels | adascale-agent profile)",
			       tim->path, model->name, t->first_missing);
	switch_families(t, model);
	return 0;
}

void vtable_free(struct vtable *t)
{
	if (!t->av_borrowed)
		free(t->av);
	free(t->vr);
	free(t->vsp);
	free(t->var_index);
	free(t->sw);
	memset(t, 0, sizeof *t);
}

double vtable_factor_slow(struct vtable *t, const struct adascale_state *st, int threads)
{
	int c = t->dm->cluster;
	if (st->freq_mhz[c] != t->pc.freq_mhz || vtable_util(st, c) != t->pc.util_other ||
	    st->online[c] != t->pc.online) {
		t->pc = vtable_dm_state(t, st);
		memset(t->pc_valid, 0, sizeof t->pc_valid);
	}
	if (!t->pc_valid[threads]) {
		/* 1 / rate / 1000: ms of wall time per us of reference work */
		t->pc_factor[threads] = 1.0 / devmodel_rate(t->dm, &t->pc, threads) / 1000.0;
		t->pc_valid[threads] = 1;
	}
	return t->pc_factor[threads];
}

double vtable_predict_pass_ms(const struct vtable *t, int v, int threads,
			      const struct adascale_state *st)
{
	struct devmodel_state d = vtable_dm_state(t, st);
	d.pass_ms = t->vr[v].ref_us[threads] / 1000.0;
	return d.pass_ms / devmodel_rate(t->dm, &d, threads);
}

double vtable_predict_mj(struct vtable *t, int v, int threads, const struct adascale_state *st)
{
	double ms = vtable_predict_ms(t, v, threads, st);
	if (!isfinite(ms))
		return INFINITY;
	struct devmodel_state d = vtable_dm_state(t, st);
	d.pass_ms = t->vr[v].ref_us[threads] / 1000.0;
	return devmodel_power_mw(t->dm, &d, threads) * ms / 1000.0;
}

double vtable_switch_ms(const struct vtable *t, int v)
{
	if (v < 0 || v >= t->n_var)
		return INFINITY;
	return devmodel_switch_s(t->dm, NULL, &t->sw[v], t->cur_threads, NULL) * 1000.0;
}

/* ---- the host services: ctx points to the owner, whose first member is the table ---- */

static double svc_predict_ms(void *ctx, int v, int threads, const struct adascale_state *st)
{
	return vtable_predict_ms(ctx, v, threads, st);
}

static double svc_predict_mj(void *ctx, int v, int threads, const struct adascale_state *st)
{
	return vtable_predict_mj(ctx, v, threads, st);
}

static int svc_has_threads(void *ctx, int v, int threads)
{
	return vtable_has_threads(ctx, v, threads);
}

static double svc_switch_ms(void *ctx, int v) { return vtable_switch_ms(ctx, v); }

/* A table answers for its own cluster: elsewhere nothing has timings. */
static double svc_predict_on_ms(void *ctx, int v, int cluster, int threads,
				const struct adascale_state *st)
{
	const struct vtable *t = ctx;
	return cluster == t->dm->cluster ? vtable_predict_ms(ctx, v, threads, st) : INFINITY;
}

static double svc_predict_on_mj(void *ctx, int v, int cluster, int threads,
				const struct adascale_state *st)
{
	const struct vtable *t = ctx;
	return cluster == t->dm->cluster ? vtable_predict_mj(ctx, v, threads, st) : INFINITY;
}

void vtable_host_services(struct adascale_host *h)
{
	h->predict_on_ms = svc_predict_on_ms;
	h->predict_on_mj = svc_predict_on_mj;
	h->predict_ms = svc_predict_ms;
	h->predict_mj = svc_predict_mj;
	h->has_threads = svc_has_threads;
	h->switch_ms = svc_switch_ms;
}

int vtable_idle_ms(const struct vtable *t, const struct device *dev, const char *model_name,
		   double deadline_auto, double *idle_ms, int *best, int *at_threads,
		   struct errbuf *eb)
{
	*best = -1;
	for (int v = 0; v < t->n_var; v++)
		if (t->av[v].has_top1 && (*best < 0 || t->av[v].top1 > t->av[*best].top1))
			*best = v;
	if (*best < 0)
		return err_set(eb, ERR_USAGE,
			       "deadline auto:%g: no variant of %s has an accuracy, so none is the "
			       "most accurate; give --deadline-ms in milliseconds",
			       deadline_auto, model_name);
	int cl = t->dm->cluster;
	struct devmodel_state idle = {.freq_mhz = device_max_mhz(dev, cl),
				      .online = dev->clusters[cl].cores,
				      .util_other = 0};
	*idle_ms = INFINITY;
	*at_threads = 0;
	for (int th = 1; th <= t->max_threads; th++) {
		if (t->vr[*best].ref_us[th] <= 0)
			continue;
		double ms = t->vr[*best].ref_us[th] / devmodel_rate(t->dm, &idle, th) / 1000.0;
		if (ms < *idle_ms) {
			*idle_ms = ms;
			*at_threads = th;
		}
	}
	return 0;
}

int vtable_decision_error(const struct vtable *t, const char *policy, int rc, int variant,
			  int threads, int64_t t_ns, int64_t req, struct errbuf *eb)
{
	if (rc != 0)
		return err_set(eb, ERR_POLICY,
			       "policy %s: decide failed (returned %d) at %.3f s, request %lld", policy,
			       rc, (double)t_ns / 1e9, (long long)req);
	if (variant < 0 || variant >= t->n_var)
		return err_set(eb, ERR_POLICY,
			       "policy %s: decided variant %d, the table has 0..%d (at %.3f s, "
			       "request %lld)",
			       policy, variant, t->n_var - 1, (double)t_ns / 1e9, (long long)req);
	if (!vtable_has_threads(t, variant, threads))
		return err_set(eb, ERR_POLICY,
			       "policy %s: decided %d threads for %s, which has no timings at that "
			       "count (at %.3f s, request %lld)",
			       policy, threads, t->av[variant].key, (double)t_ns / 1e9, (long long)req);
	return 0;
}

void vtable_state_init(const struct vtable *t, const struct device *dev,
		       struct adascale_state *st)
{
	memset(st, 0, sizeof *st);
	st->size = sizeof *st;
	st->n_clusters = dev->n_clusters;
	st->big_cluster = t->dm->cluster;
	for (int i = 0; i < dev->n_clusters && i < ADASCALE_MAX_CLUSTERS; i++) {
		st->freq_mhz[i] = st->max_freq_mhz[i] = device_max_mhz(dev, i);
		st->online[i] = dev->clusters[i].cores;
	}
	st->mem_avail_mb = dev->memory_mb;
	st->battery_pct = -1;
	st->temp_c = -273.15 - 1;
	st->charging = -1;
	for (int i = 0; i < ADASCALE_MAX_CLUSTERS; i++)
		st->util_cluster[i] = -1; /* util_other holds until a trace says otherwise */
}
