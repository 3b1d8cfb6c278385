/*
 * fuzz_switchcost.c: libFuzzer target for the switch-cost reader (devices/switchcost.c):
 * loads the input as a switch-cost CSV and, when it is accepted, finds every row's variant
 * at thread counts below, at and above its own, and asks whether each pair of its variants
 * shares weights, as the simulator does.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "switchcost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	if (fuzz_file("switch.csv", data, size, path, sizeof path) < 0)
		abort();
	struct errbuf eb = {0};
	struct switchcost *s = NULL;
	int rc = switchcost_load(path, &s, &eb);
	fuzz_check_names_file("fuzz_switchcost", rc, eb.msg, path);
	if (rc == 0)
		for (int i = 0; i < s->n && i < 64; i++) {
			const struct switchcost_row *r = &s->r[i];
			for (int t = r->threads - 1; t <= r->threads + 1; t++) {
				const struct switchcost_row *f = switchcost_find(s, r->variant, t);
				if (!f || strcmp(f->variant, r->variant) != 0 ||
				    !(f->read_cold_ms >= 0) || !(f->build_ms >= 0) ||
				    !isfinite(f->weight_bytes)) {
					fprintf(stderr, "fuzz_switchcost: row %d not found at %d threads\n",
						i, t);
					abort();
				}
			}
			for (int j = 0; j < s->n && j < 64; j++)
				if (switchcost_shares_weights(r->variant, s->r[j].variant, "width res exit") !=
				    switchcost_shares_weights(s->r[j].variant, r->variant, "width res exit")) {
					fprintf(stderr, "fuzz_switchcost: sharing is not symmetric\n");
					abort();
				}
		}
	switchcost_destroy(s);
	fuzz_check_fds();
	return 0;
}
