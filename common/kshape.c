/*
 * kshape.c: kernel shape arithmetic and its CSV form (see kshape.h).
 */
#include "kshape.h"

#include <string.h>

static const char *const kop_names[KOP_N] = {"conv", "dwconv", "fc", "avgpool", "maxpool",
					     "add"};
static const char *const dtype_names[DT_N] = {"fp32", "fp16", "int8"};

const char *kop_name(enum kop op) { return op < KOP_N ? kop_names[op] : "?"; }
const char *dtype_name(enum dtype d) { return d < DT_N ? dtype_names[d] : "?"; }

int kop_parse(const char *s)
{
	for (int i = 0; i < KOP_N; i++)
		if (strcmp(s, kop_names[i]) == 0)
			return i;
	return -1;
}

int dtype_parse(const char *s)
{
	for (int i = 0; i < DT_N; i++)
		if (strcmp(s, dtype_names[i]) == 0)
			return i;
	return -1;
}

int dtype_bytes(enum dtype d)
{
	static const int b[DT_N] = {4, 2, 1};
	return d < DT_N ? b[d] : 4;
}

int kshape_out_h(const struct kshape *k) { return (k->in_h + k->stride - 1) / k->stride; }
int kshape_out_w(const struct kshape *k) { return (k->in_w + k->stride - 1) / k->stride; }

double kshape_macs(const struct kshape *k)
{
	double out = (double)kshape_out_h(k) * kshape_out_w(k);
	switch (k->op) {
	case KOP_CONV:
		return out * k->out_c * ((double)k->in_c / k->groups) * k->kernel * k->kernel;
	case KOP_DWCONV:
		return out * k->out_c * k->kernel * k->kernel;
	case KOP_FC:
		return (double)k->in_c * k->out_c;
	case KOP_AVGPOOL:
	case KOP_MAXPOOL:
		return out * k->in_c * k->kernel * k->kernel;
	case KOP_ADD:
		return out * k->in_c;
	default:
		return 0;
	}
}

double kshape_params(const struct kshape *k)
{
	switch (k->op) {
	case KOP_CONV:
		return (double)k->out_c * ((double)k->in_c / k->groups) * k->kernel * k->kernel +
		       k->out_c;
	case KOP_DWCONV:
		return (double)k->out_c * k->kernel * k->kernel + k->out_c;
	case KOP_FC:
		return (double)k->in_c * k->out_c + k->out_c;
	default:
		return 0;
	}
}

uint64_t kshape_in_bytes(const struct kshape *k)
{
	return (uint64_t)k->in_h * (uint64_t)k->in_w * (uint64_t)k->in_c *
	       (uint64_t)dtype_bytes(k->dtype);
}

uint64_t kshape_out_bytes(const struct kshape *k)
{
	uint64_t c = k->op == KOP_AVGPOOL || k->op == KOP_MAXPOOL || k->op == KOP_ADD
			     ? (uint64_t)k->in_c
			     : (uint64_t)k->out_c;
	if (k->op == KOP_FC)
		return c * (uint64_t)dtype_bytes(k->dtype);
	return (uint64_t)kshape_out_h(k) * (uint64_t)kshape_out_w(k) * c *
	       (uint64_t)dtype_bytes(k->dtype);
}

int kshape_check(const struct kshape *k, char *why, size_t why_len)
{
	const char *w = NULL;
	if (k->op >= KOP_N)
		w = "unknown op";
	else if (k->dtype >= DT_N)
		w = "unknown dtype";
	else if (k->in_h <= 0 || k->in_w <= 0 || k->in_c <= 0 || k->out_c <= 0)
		w = "sizes must be positive";
	else if (k->kernel <= 0 || k->stride <= 0 || k->groups <= 0)
		w = "kernel, stride and groups must be positive";
	else if (k->in_h > 65536 || k->in_w > 65536 || k->in_c > 1 << 20 || k->out_c > 1 << 20 ||
		 k->kernel > 4096 || k->stride > 65536)
		w = "a size is implausibly large";
	else if (k->op == KOP_CONV && (k->in_c % k->groups || k->out_c % k->groups))
		w = "groups must divide input and output channels";
	else if (k->op == KOP_DWCONV && (k->groups != k->in_c || k->out_c % k->in_c))
		w = "dwconv needs groups = in_c and out_c a multiple of in_c";
	else if (k->op == KOP_FC && (k->in_h != 1 || k->in_w != 1))
		w = "fc takes a 1x1 input (in_c features)";
	else if ((k->op == KOP_ADD || k->op == KOP_AVGPOOL || k->op == KOP_MAXPOOL) &&
		 k->out_c != k->in_c)
		w = "pooling and add keep the channel count (out_c = in_c)";
	if (w && why)
		snprintf(why, why_len, "%s", w);
	return w ? ERR_RANGE : 0;
}

int kshape_cmp(const struct kshape *a, const struct kshape *b)
{
	const int va[] = {(int)a->op, a->in_h, a->in_w, a->in_c, a->out_c,
			  a->kernel, a->stride, a->groups, (int)a->dtype};
	const int vb[] = {(int)b->op, b->in_h, b->in_w, b->in_c, b->out_c,
			  b->kernel, b->stride, b->groups, (int)b->dtype};
	for (size_t i = 0; i < sizeof va / sizeof va[0]; i++)
		if (va[i] != vb[i])
			return va[i] < vb[i] ? -1 : 1;
	return 0;
}

void kshape_format(const struct kshape *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s %dx%dx%d->%d k%d s%d g%d %s", kop_name(k->op), k->in_h, k->in_w,
		 k->in_c, k->out_c, k->kernel, k->stride, k->groups, dtype_name(k->dtype));
}

int kshape_write(FILE *f, const struct kshape *k)
{
	return fprintf(f, "%s,%d,%d,%d,%d,%d,%d,%d,%s", kop_name(k->op), k->in_h, k->in_w,
		       k->in_c, k->out_c, k->kernel, k->stride, k->groups,
		       dtype_name(k->dtype)) < 0
		       ? ERR_IO
		       : 0;
}

static const char *const col_names[9] = {"op",     "in_h",   "in_w",   "in_c", "out_c",
					 "kernel", "stride", "groups", "dtype"};

int kshape_cols(const struct csvin *c, struct kshape_cols *kc, struct errbuf *eb)
{
	for (int i = 0; i < 9; i++) {
		kc->col[i] = csvin_require_col(c, col_names[i], eb);
		if (kc->col[i] < 0)
			return kc->col[i];
	}
	return 0;
}

int kshape_read(const struct csvin *c, const struct kshape_cols *kc, struct kshape *k,
		struct errbuf *eb)
{
	const char *op = csvin_field(c, kc->col[0]);
	int o = kop_parse(op);
	if (o < 0)
		return csvin_fail(c, eb, ERR_PARSE,
				  "unknown op '%.32s' (conv, dwconv, fc, avgpool, maxpool, add)",
				  op);
	const char *dt = csvin_field(c, kc->col[8]);
	int d = dtype_parse(dt);
	if (d < 0)
		return csvin_fail(c, eb, ERR_PARSE, "unknown dtype '%.32s' (fp32, fp16, int8)", dt);
	int *dst[7] = {&k->in_h, &k->in_w, &k->in_c, &k->out_c, &k->kernel, &k->stride,
		       &k->groups};
	for (int i = 0; i < 7; i++) {
		long v;
		int rc = csvin_long_in(c, kc->col[i + 1], 1, 1 << 20, &v, eb);
		if (rc < 0)
			return rc;
		*dst[i] = (int)v;
	}
	k->op = (enum kop)o;
	k->dtype = (enum dtype)d;
	char why[128];
	if (kshape_check(k, why, sizeof why) < 0)
		return csvin_fail(c, eb, ERR_RANGE, "%s", why);
	return 0;
}
