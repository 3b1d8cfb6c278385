/*
 * listing.c: a model's variants as an aligned table or CSV, and its kernel list, as the
 * `variants` and `kernels` verbs print them (see listing.h). Everything is computed before
 * the first byte is written, so a failing command writes nothing on stdout. Not for the
 * library's logic (spec.c, ops.c, variants.c, accuracy.c, kernels.c) nor for options
 * (cmd/variants.c, cmd/kernels.c).
 */
#include "listing.h"

#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "modelint.h"

#ifndef ADASCALE_VERSION
#define ADASCALE_VERSION "unknown"
#endif

static int finish(FILE *f, int rc)
{
	if (fflush(f) != 0 || ferror(f))
		rc = rc < 0 ? rc : ERR_IO;
	return rc;
}

/* One table cell per column, formatted before widths are known. */
#define N_COLS 8
#define CELL_LEN (VARIANT_KEY_LEN + 16)

/* "published", "estimated" or "none". */
static const char *acc_kind(const struct variant *v)
{
	return !v->has_top1 ? "none" : v->top1_estimated ? "estimated" : "published";
}

static void cells(const struct variant *v, char c[N_COLS][CELL_LEN])
{
	snprintf(c[0], CELL_LEN, "%s", v->key);
	snprintf(c[1], CELL_LEN, "%.1f", v->cost.macs / 1e6);
	snprintf(c[2], CELL_LEN, "%.3f", v->cost.params / 1e6);
	snprintf(c[3], CELL_LEN, "%llu", (unsigned long long)v->cost.weight_bytes);
	snprintf(c[4], CELL_LEN, "%llu", (unsigned long long)v->cost.peak_act_bytes);
	if (v->has_top1)
		snprintf(c[5], CELL_LEN, "%s%.1f", v->top1_estimated ? "~" : "", v->top1);
	else
		snprintf(c[5], CELL_LEN, "-");
	if (v->has_top1 && v->has_top5)
		snprintf(c[6], CELL_LEN, "%.1f", v->top5);
	else
		snprintf(c[6], CELL_LEN, "-");
	if (v->has_top1)
		snprintf(c[7], CELL_LEN, "%s", v->acc_ref);
	else if (v->acc_note[0])
		snprintf(c[7], CELL_LEN, "none: %s", v->acc_note);
	else
		snprintf(c[7], CELL_LEN, "none");
}

/* Text columns (the first and the last) align left, numbers right. */
static void row(FILE *f, char c[N_COLS][CELL_LEN], const int *width)
{
	for (int k = 0; k < N_COLS; k++)
		if (k == 0)
			fprintf(f, "%-*s", width[k], c[k]);
		else if (k == N_COLS - 1)
			fprintf(f, "  %s", c[k]);
		else
			fprintf(f, "  %*s", width[k], c[k]);
	fputc('\n', f);
}

static int write_table(FILE *f, const struct model *base, const struct variant_set *vs)
{
	static const char *const head[N_COLS] = {"variant",     "MMACs", "Mparams",
						 "weight_B",    "peak_act_B", "top1",
						 "top5",        "accuracy"};
	int width[N_COLS];
	char c[N_COLS][CELL_LEN];
	for (int k = 0; k < N_COLS; k++)
		width[k] = (int)strlen(head[k]);
	for (int i = 0; i < vs->n; i++) {
		cells(&vs->v[i], c);
		for (int k = 0; k < N_COLS; k++)
			if ((int)strlen(c[k]) > width[k])
				width[k] = (int)strlen(c[k]);
	}
	for (int k = 0; k < N_COLS; k++)
		snprintf(c[k], CELL_LEN, "%s", head[k]);
	row(f, c, width);
	int n_none = 0, n_est = 0;
	for (int i = 0; i < vs->n; i++) {
		cells(&vs->v[i], c);
		row(f, c, width);
		n_none += !vs->v[i].has_top1;
		n_est += vs->v[i].top1_estimated;
	}
	/* each source once, in the order of the spec */
	int first = 1;
	for (int s = 0; s < base->n_acc; s++) {
		const char *source = NULL;
		size_t len = strlen(base->acc_table[s]);
		for (int i = 0; i < vs->n && !source; i++) {
			const struct variant *v = &vs->v[i];
			if (v->has_top1 && !v->top1_estimated &&
			    strncmp(v->acc_ref, base->acc_table[s], len) == 0 &&
			    v->acc_ref[len] == ':')
				source = v->acc_source;
		}
		if (source) {
			char path[4096];
			int beside = model_acc_table_path(base, s, path, sizeof path) == 1;
			fprintf(f, "%saccuracy: rows of %s%s; SOURCE: %s\n", first ? "\n" : "",
				beside ? "" : "data/accuracy/", beside ? path : base->acc_table[s],
				source);
			first = 0;
		}
	}
	if (n_est) {
		fprintf(f, "%s%d variant%s with ~top1: estimated (--estimate), not published: "
			   "interpolated in log-MACs between the published rows named, on their "
			   "Pareto front at the same element type (docs/models.md)\n",
			first ? "\n" : "", n_est, n_est == 1 ? "" : "s");
		first = 0;
	}
	if (n_none)
		fprintf(f, "%s%d variant%s with accuracy none: %s\n", first ? "\n" : "", n_none,
			n_none == 1 ? "" : "s",
			base->n_acc ? "no row of the accuracy tables describes them"
				    : "the spec names no accuracy table");
	return 0;
}

static int write_csv(FILE *f, const struct model *base, const struct variant_set *vs)
{
	fputs("key,model", f);
	for (int k = 0; k < model_n_ops(); k++)
		fprintf(f, ",%s", model_op_at(k)->name);
	fputs(",macs_m,params_m,weight_bytes,peak_act_bytes,top1,top5,table_macs_m,acc_ref,"
	      "acc_source,accuracy\n",
	      f);
	for (int i = 0; i < vs->n; i++) {
		const struct variant *v = &vs->v[i];
		csvin_write_field(f, v->key);
		fputc(',', f);
		csvin_write_field(f, base->name);
		for (int k = 0; k < model_n_ops(); k++) {
			char val[MODEL_FIELD_LEN];
			model_op_at(k)->format(base, &v->ops, val, sizeof val);
			fputc(',', f);
			csvin_write_field(f, val);
		}
		fprintf(f, ",%.6f,%.6f,%llu,%llu,", v->cost.macs / 1e6, v->cost.params / 1e6,
			(unsigned long long)v->cost.weight_bytes,
			(unsigned long long)v->cost.peak_act_bytes);
		if (v->has_top1)
			fprintf(f, "%g", v->top1);
		fputc(',', f);
		if (v->has_top1 && v->has_top5)
			fprintf(f, "%g", v->top5);
		fputc(',', f);
		if (v->has_top1 && v->table_macs > 0)
			fprintf(f, "%g", v->table_macs / 1e6);
		fputc(',', f);
		csvin_write_field(f, v->has_top1 ? v->acc_ref : "none");
		fputc(',', f);
		csvin_write_field(f, v->has_top1 ? v->acc_source : "none");
		fputc(',', f);
		csvin_write_field(f, acc_kind(v));
		fputc('\n', f);
	}
	return 0;
}

int models_variants_write(FILE *f, const struct model *base, const struct variant_set *vs,
			  enum models_format format)
{
	int rc = format == MODELS_FORMAT_CSV ? write_csv(f, base, vs) : write_table(f, base, vs);
	return finish(f, rc);
}

int models_kernels_write(FILE *f, const struct model *base, const struct variant_set *vs,
			 const char *ops, struct errbuf *eb)
{
	struct kshape *shapes = NULL;
	int n = 0, rc = 0;
	for (int i = 0; i < vs->n && rc == 0; i++)
		rc = model_kernels(vs->v[i].spec, &shapes, &n, eb);
	if (rc < 0)
		goto done;
	fprintf(f, "# model: %s\n", base->name);
	fprintf(f, "# model_sha256: %s\n", base->sha256);
	fprintf(f, "# ops: %s\n", ops ? ops : "");
	fprintf(f, "# variants: %d\n", vs->n);
	fprintf(f, "# generated_by: adascale %s\n", ADASCALE_VERSION);
	fprintf(f, "%s\n", KSHAPE_CSV_HEADER);
	for (int i = 0; i < n && rc == 0; i++) {
		rc = kshape_write(f, &shapes[i]);
		fputc('\n', f);
	}
	rc = finish(f, rc);
	if (rc < 0)
		err_set(eb, rc, "write error on the kernel list");
done:
	free(shapes);
	return rc;
}

int models_load_variants(const char *model, const char *ops, int estimate, struct model **m,
			 struct variant_set **vs, struct errbuf *eb)
{
	*m = NULL;
	*vs = NULL;
	int rc = model_load(model, m, eb);
	if (rc < 0)
		return rc;
	rc = variants_enumerate(*m, ops, vs, eb);
	if (rc == 0 && estimate)
		rc = variants_estimate(*m, *vs, eb);
	if (rc < 0) {
		variant_set_destroy(*vs);
		*vs = NULL;
		model_destroy(*m);
		*m = NULL;
	}
	return rc;
}
