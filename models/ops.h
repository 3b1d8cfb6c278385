/*
 * ops.h: the compression operators (width, res, quant, prune, lowrank, exit) that transform
 * a spec, the keys that name a variant by its operators, and the width rounding rules.
 *
 * The operators rebuild a spec's shapes by propagating them from the input, so a
 * transformed spec is again a plain spec. Not for reading specs (spec.h), enumerating
 * variants (variants.h) or their accuracy (accuracy.h); docs/models.md gives every
 * operator's exact rule.
 */
#ifndef ADASCALE_OPS_H
#define ADASCALE_OPS_H

#include <stddef.h>

#include "err.h"
#include "kshape.h"
#include "layers.h"

#define VARIANT_KEY_LEN 160

/* The operators of one variant. */
struct model_ops {
	double width;       /* channel multiplier, 1 = as specified */
	int res;            /* input resolution (square), 0 = as specified */
	enum dtype quant;   /* element type */
	double prune;       /* fraction of channels removed from each prunable layer, [0, 1);
			       0 = none */
	double lowrank;     /* rank kept when factorising conv/fc layers, as a fraction of
			       full rank, (0, 1]; 1 = none */
	int exit;           /* exit after this block (>= 1) with a pool + fc head; 0 = none */
};

/* The identity: width 1, res 0, quant fp32, prune 0, lowrank 1, exit 0. */
void model_ops_default(struct model_ops *ops);

/*
 * Parses the operator part of a variant key, "width=0.75,res=160,quant=int8", optionally
 * preceded by "MODEL:" (which must then be base's name). Operators left out keep their
 * defaults. ERR_PARSE/ERR_RANGE with the reason in eb.
 */
int model_ops_parse_key(const struct model *base, const char *key, struct model_ops *ops,
			struct errbuf *eb);

/*
 * A new spec with the operators applied to base (shapes re-propagated from the input; a
 * derived base is transformed again, so its rounding compounds). ERR_RANGE when a shape
 * becomes impossible (e.g. a resolution too small for the strides), naming the layer.
 * *out is set only on success; the caller owns it (model_destroy).
 */
int model_apply(const struct model *base, const struct model_ops *ops, struct model **out,
		struct errbuf *eb);

/*
 * The canonical variant key, "mobilenet_v1:width=0.75,res=160,quant=int8": width, res and
 * quant always, then prune, lowrank and exit where they are not the identity
 * ("mobilenet_v2:width=1,res=224,quant=fp32,prune=0.25,exit=7"), in table order, res as the
 * actual resolution even when ops->res is 0.
 */
void model_variant_key(const struct model *base, const struct model_ops *ops, char *key,
		       size_t len);

/*
 * Output channels of a layer of `channels` under a width multiplier, by a named rounding
 * rule ("floor_min8": max(int(c * w), 8), TF-slim MobileNet V1; "make_divisible8": the
 * nearest multiple of 8, at least 8 and not below 90% of c * w, TF-slim MobileNet V2/V3 and
 * EfficientNet's round_filters). Width 1 returns channels unchanged. -1 for an unknown rule.
 */
int model_round_channels(const char *rule, int channels, double width);
/*
 * A channel count v (not necessarily whole) rounded by a named rule, as an expansion
 * in_c * expand is: the rule applied to v itself (no shortcut at 1); with no rule (NULL),
 * the nearest integer, at least 1. -1 for an unknown rule.
 */
int model_round_value(const char *rule, double v);

#endif
