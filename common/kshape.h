/*
 * kshape.h: a kernel shape, the unit that the model zoo lists, the agent times and the
 * device model looks up. One row of a kernel list or a timings file starts with these
 * columns: op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype.
 *
 * Output size is SAME-padded: out = ceil(in / stride). fc has in_h = in_w = 1 and in_c input
 * features; pooling over the whole input (global) has kernel = stride = in_h; add has
 * out_c = in_c. This module knows shapes, their arithmetic (MACs, bytes) and their text
 * form; not how they are timed (devices/agent/) or where they come from (models/).
 */
#ifndef ADASCALE_KSHAPE_H
#define ADASCALE_KSHAPE_H

#include <stdint.h>
#include <stdio.h>

#include "csvin.h"
#include "err.h"

enum kop { KOP_CONV, KOP_DWCONV, KOP_FC, KOP_AVGPOOL, KOP_MAXPOOL, KOP_ADD, KOP_N };
enum dtype { DT_FP32, DT_FP16, DT_INT8, DT_N };

struct kshape {
	enum kop op;
	int in_h, in_w, in_c, out_c, kernel, stride, groups;
	enum dtype dtype;
};

/* "conv", "dwconv", ...; kop_parse returns -1 for an unknown name. */
const char *kop_name(enum kop op);
int kop_parse(const char *s);
const char *dtype_name(enum dtype d);
int dtype_parse(const char *s);
/* Bytes of one element: 4, 2, 1. */
int dtype_bytes(enum dtype d);

int kshape_out_h(const struct kshape *k);
int kshape_out_w(const struct kshape *k);
/* Multiply-accumulates (pooling and add count one per output element and window tap). */
double kshape_macs(const struct kshape *k);
/* Weights and biases (conv, dwconv, fc); 0 for the others. */
double kshape_params(const struct kshape *k);
/* Bytes of input, output. */
uint64_t kshape_in_bytes(const struct kshape *k);
uint64_t kshape_out_bytes(const struct kshape *k);

/* Checks sizes are positive and consistent (groups divide channels, dwconv has groups = in_c). */
int kshape_check(const struct kshape *k, char *why, size_t why_len);

/* Orders shapes (for sorting and lookup); 0 when equal. */
int kshape_cmp(const struct kshape *a, const struct kshape *b);
/* A short readable key such as "conv 224x224x3->32 k3 s2 g1 fp32". */
void kshape_format(const struct kshape *k, char *buf, size_t len);

/* The header row of a kernel list, without a line end. */
#define KSHAPE_CSV_HEADER "op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype"
/* Writes the nine fields (no line end). */
int kshape_write(FILE *f, const struct kshape *k);

/* Column indices of the nine fields in a file being read; filled by kshape_cols. */
struct kshape_cols {
	int col[9];
};
int kshape_cols(const struct csvin *c, struct kshape_cols *kc, struct errbuf *eb);
/* Reads the current row's shape, with file:line:column messages for bad fields. */
int kshape_read(const struct csvin *c, const struct kshape_cols *kc, struct kshape *k,
		struct errbuf *eb);

#endif
