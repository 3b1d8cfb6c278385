/*
 * kernels.c: the unique kernel shapes of one or more specs, the list the on-device agent
 * times (adascale kernels). Shapes include the element type, so an int8 variant's layers
 * are kernels of their own. Not for timing them (devices/agent/).
 */
#include "kernels.h"

#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b) { return kshape_cmp(a, b); }

int model_kernels(const struct model *m, struct kshape **shapes, int *n, struct errbuf *eb)
{
	size_t total = (size_t)*n + (size_t)m->n_layers;
	struct kshape *s = malloc((total ? total : 1) * sizeof *s);
	if (!s)
		return err_set(eb, ERR_NOMEM, "%s: out of memory", m->name);
	if (*n)
		memcpy(s, *shapes, (size_t)*n * sizeof *s);
	for (int i = 0; i < m->n_layers; i++)
		s[(size_t)*n + (size_t)i] = m->layers[i].k;
	qsort(s, total, sizeof *s, cmp);
	size_t u = 0;
	for (size_t i = 0; i < total; i++)
		if (u == 0 || kshape_cmp(&s[u - 1], &s[i]) != 0)
			s[u++] = s[i];
	struct kshape *fit = realloc(s, (u ? u : 1) * sizeof *s);
	if (fit)
		s = fit;
	free(*shapes);
	*shapes = s;
	*n = (int)u;
	return 0;
}
