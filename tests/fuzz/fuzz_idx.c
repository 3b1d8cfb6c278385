/*
 * fuzz_idx.c: libFuzzer target for the IDX dataset reader (models/evolve_data.c,
 * evolve_data_load, gzip through zlib or plain): the input is split into an image file and
 * a label file (fuzz_split: a 4-byte little-endian length, the image file, the label file).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evolve.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *img, *lab;
	size_t img_len, lab_len;
	fuzz_split(data, size, &img, &img_len, &lab, &lab_len);
	char ipath[PATH_MAX], lpath[PATH_MAX];
	if (fuzz_file("images.idx", img, img_len, ipath, sizeof ipath) < 0 ||
	    fuzz_file("labels.idx", lab, lab_len, lpath, sizeof lpath) < 0)
		abort();
	struct errbuf eb = {0};
	struct evolve_data *d = NULL;
	int rc = evolve_data_load(ipath, lpath, &d, &eb);
	if (rc < 0 && !strstr(eb.msg, ipath) && !strstr(eb.msg, lpath)) {
		fprintf(stderr, "fuzz_idx: error does not name a file: %s\n", eb.msg);
		abort();
	}
	if (rc == 0)
		for (int i = 0; i < d->n; i++)
			if (d->labels[i] > 9) {
				fprintf(stderr, "fuzz_idx: label %d accepted\n", d->labels[i]);
				abort();
			}
	evolve_data_destroy(d);
	fuzz_check_fds();
	return 0;
}
