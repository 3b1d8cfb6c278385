/*
 * alists.h: reading the agent's input lists, the one place that does. Two formats:
 *
 *   - a kernel list (`adascale kernels` writes one, `profile` times it): the columns of
 *     kshape.h, op,in_h,in_w,in_c,out_c,kernel,stride,groups,dtype, one kernel a row; a
 *     kernel listed again is kept once, under the line it first appeared on;
 *   - a model spec or pass list (`run` takes a spec, `profile` a pass list): the columns op,
 *     in_h, in_w, in_c, out_c, kernel, stride, groups are required; name, dtype, input (the
 *     name of an earlier layer of the same pass whose output this layer reads) and pass are
 *     optional, other columns are ignored (a model spec of models/zoo/ reads as it is).
 *     Without a dtype column one dtype applies to every layer. Rows with the same `pass`
 *     value in a row form one pass; without a `pass` column the file is one pass.
 *
 * Both are read whole and checked (shapes, names, inputs) before a caller builds anything;
 * errors name file:line. Not for building or timing what they list (arun.h, aprofile.h).
 */
#ifndef ADASCALE_AGENT_LISTS_H
#define ADASCALE_AGENT_LISTS_H

#include "err.h"
#include "kshape.h"

/* ---- kernel lists ---- */

/* One unique kernel of a list, with the line it first appeared on. */
struct agent_kernel {
	struct kshape k;
	long line;
};

struct agent_klist {
	char *path;                   /* owned */
	int n;                        /* unique kernels, in order of first appearance */
	struct agent_kernel *items;   /* owned */
	int n_rows;                   /* kernels added (data rows read), repeats included */
	int cap;                      /* items allocated */
};

/* An empty list named path (for messages). NULL when out of memory (detail in eb). */
struct agent_klist *agent_klist_create(const char *path, struct errbuf *eb);
/*
 * Adds k, first seen on line, unless the list holds it already; counts the row either way.
 * Returns k's index in items, or ERR_NOMEM (the list as it was).
 */
int agent_klist_add(struct agent_klist *l, const struct kshape *k, long line);
/* Reads a kernel list; repeats are kept once. Errors name file:line (ERR_PARSE/ERR_RANGE). */
int agent_klist_read(const char *path, struct agent_klist **out, struct errbuf *eb);
/* Accepts NULL. */
void agent_klist_destroy(struct agent_klist *l);

/* ---- model specs and pass lists ---- */

#define AGENT_LAYER_NAME_LEN 64
#define AGENT_PASS_KEY_LEN 160

/* One layer of a pass. */
struct agent_layer {
	struct kshape k;
	char name[AGENT_LAYER_NAME_LEN];
	int input; /* index of the layer whose output this one reads; -1 the previous layer */
	long line; /* of the file it was read from, for messages; 0 when built in memory */
};

/* One pass of a spec or pass list. */
struct agent_pass_spec {
	char key[AGENT_PASS_KEY_LEN]; /* the `pass` value, "" without that column */
	int n;
	struct agent_layer *layers;   /* owned */
};

struct agent_passes {
	char *path;
	int n;
	struct agent_pass_spec *p;    /* owned */
	int has_pass_col;             /* the file has a `pass` column */
};

/*
 * Reads a spec or pass list (dtype for files without a dtype column). Errors name
 * file:line (ERR_PARSE, ERR_RANGE). *out is set only on success.
 */
int agent_passes_read(const char *path, enum dtype dtype, struct agent_passes **out,
		      struct errbuf *eb);
/* Accepts NULL. */
void agent_passes_destroy(struct agent_passes *ps);
/* 1 when the file at path has a `pass` column (it is a pass list), 0 if not, or an error. */
int agent_is_pass_list(const char *path, struct errbuf *eb);

#endif
