/*
 * contain.c: a run in a child process under the sandbox's watch, and its result record
 * (see contain.h). The parent stores nothing of a child that did not send a whole record and
 * exit 0.
 *
 * The record (both ends are the same binary, so structs go as bytes):
 *   struct wire_head {magic, rc, body length}, then
 *   rc == 0: struct run_output (its pointers meaningless), variant_keys[n_variants],
 *            variant_served[n_variants], variant_top1[n_variants], timeline[n_timeline],
 *            request_rows[n_request_rows];
 *   rc < 0:  the error message, NUL-terminated.
 * Every owned array of struct run_output (run.h) must be carried here, or it is lost.
 *
 * Not for scheduling many runs (sweep_exec.c), storing them (store.c) or watching a child
 * (sandbox/sandbox.c).
 */
#include "contain.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "sandbox.h"

#define WIRE_MAGIC 0x61737731u /* "asw1" */

struct wire_head {
	uint32_t magic;
	int32_t rc;
	uint64_t body;
};

/* ---- the record ---- */

static int write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int contain_send(int fd, int rc, const char *msg, const struct run_output *o)
{
	if (rc < 0) {
		size_t n = strlen(msg) + 1;
		struct wire_head h = {.magic = WIRE_MAGIC, .rc = rc, .body = n};
		return write_all(fd, &h, sizeof h) < 0 || write_all(fd, msg, n) < 0 ? -1 : 0;
	}
	size_t nv = (size_t)o->n_variants, nt = (size_t)o->n_timeline,
	       nr = (size_t)o->n_request_rows;
	struct wire_head h = {
		.magic = WIRE_MAGIC,
		.rc = 0,
		.body = sizeof *o + nv * (sizeof *o->variant_keys + sizeof *o->variant_served +
					  sizeof *o->variant_top1) +
			nt * sizeof *o->timeline + nr * sizeof *o->request_rows,
	};
	if (write_all(fd, &h, sizeof h) < 0 || write_all(fd, o, sizeof *o) < 0 ||
	    write_all(fd, o->variant_keys, nv * sizeof *o->variant_keys) < 0 ||
	    write_all(fd, o->variant_served, nv * sizeof *o->variant_served) < 0 ||
	    write_all(fd, o->variant_top1, nv * sizeof *o->variant_top1) < 0 ||
	    write_all(fd, o->timeline, nt * sizeof *o->timeline) < 0 ||
	    write_all(fd, o->request_rows, nr * sizeof *o->request_rows) < 0)
		return -1;
	return 0;
}

int contain_decode(const unsigned char *b, size_t n, int *rc, char *msg, size_t msg_len,
		   struct run_output **out)
{
	struct wire_head h;
	*out = NULL;
	if (n < sizeof h)
		return 0;
	memcpy(&h, b, sizeof h);
	b += sizeof h;
	n -= sizeof h;
	if (h.magic != WIRE_MAGIC || h.body != n || h.rc > 0)
		return 0;
	*rc = h.rc;
	if (h.rc < 0) {
		if (n == 0 || b[n - 1] != '\0')
			return 0;
		snprintf(msg, msg_len, "%s", (const char *)b);
		return 1;
	}
	if (n < sizeof(struct run_output))
		return 0;
	struct run_output *o = malloc(sizeof *o);
	if (!o)
		return ERR_NOMEM;
	memcpy(o, b, sizeof *o);
	o->variant_keys = NULL;
	o->variant_served = NULL;
	o->variant_top1 = NULL;
	o->timeline = NULL;
	o->request_rows = NULL;
	int ret = 0;
	if (o->n_variants < 0 || o->n_timeline < 0 || o->n_request_rows < 0)
		goto fail;
	size_t nv = (size_t)o->n_variants, nt = (size_t)o->n_timeline,
	       nr = (size_t)o->n_request_rows;
	size_t need = sizeof *o + nv * (sizeof *o->variant_keys + sizeof *o->variant_served +
					sizeof *o->variant_top1) +
		      nt * sizeof *o->timeline + nr * sizeof *o->request_rows;
	if (need != n)
		goto fail;
	const unsigned char *q = b + sizeof *o;
#define TAKE_(field, count)                                                     \
	do {                                                                    \
		size_t bytes_ = (count) * sizeof *o->field;                     \
		if (!(o->field = malloc(bytes_ + 1))) {                         \
			ret = ERR_NOMEM;                                        \
			goto fail;                                              \
		}                                                               \
		memcpy(o->field, q, bytes_);                                    \
		q += bytes_;                                                    \
	} while (0)
	TAKE_(variant_keys, nv);
	TAKE_(variant_served, nv);
	TAKE_(variant_top1, nv);
	TAKE_(timeline, nt);
	TAKE_(request_rows, nr);
#undef TAKE_
	/* the strings of the fixed part must end inside their arrays */
	if (!memchr(o->config, 0, sizeof o->config) || !memchr(o->config_key, 0, sizeof o->config_key) ||
	    !memchr(o->policy_name, 0, sizeof o->policy_name) ||
	    !memchr(o->policy_params, 0, sizeof o->policy_params) ||
	    !memchr(o->notes, 0, sizeof o->notes) || !memchr(o->timings_path, 0, sizeof o->timings_path))
		goto fail;
	for (size_t i = 0; i < nv; i++)
		if (!memchr(o->variant_keys[i], 0, sizeof o->variant_keys[i]))
			goto fail;
	*out = o;
	return 1;
fail:
	run_output_destroy(o);
	return ret;
}

/* ---- one run in a child ---- */

/* What the child does under the sandbox: the run (ctx, its own copy), then its record. */
static int child_work(void *ctx, struct monitor *m, int fd)
{
	struct run_config *c = ctx;
	c->monitor = m;
	struct errbuf eb = {0};
	struct run_output *o = NULL;
	int rc = run_execute(c, &o, &eb);
	return contain_send(fd, rc, eb.msg[0] ? eb.msg : err_msg(rc), o) < 0 ? 4 : 0;
}

void contain_child_run(const struct run_config *cfg, struct monitor *m, int fd, pid_t parent)
{
	sandbox_child_begin(m, parent);
	struct run_config c = *cfg;
	_exit(child_work(&c, m, fd));
}

int contain_run(const struct run_config *cfg, double decide_timeout_s, struct run_output **out,
		struct errbuf *eb)
{
	*out = NULL;
	struct run_config c = *cfg;
	struct sandbox_end end;
	int rc = sandbox_run(child_work, &c, decide_timeout_s, cfg->stop, &end, eb);
	if (rc < 0)
		return rc;
	int prc = 0, whole = 0;
	char msg[ERRBUF_LEN] = "";
	struct run_output *o = NULL;
	if (sandbox_exited_ok(&end))
		whole = contain_decode(end.bytes, end.len, &prc, msg, sizeof msg, &o);
	if (whole < 0)
		rc = err_set(eb, whole, "out of memory");
	else if (!whole)
		rc = err_set(eb, ERR_CHILD, "%s", end.why);
	else if (prc < 0)
		rc = err_set(eb, prc, "%s", msg);
	else
		*out = o;
	free(end.bytes);
	return rc;
}
