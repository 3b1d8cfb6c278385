/*
 * fuzz.c: the temporary files and the input splitter of the fuzz targets (fuzz.h). Not a
 * fuzz target itself; linked into each one.
 */
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILES 4

static char dir[PATH_MAX];
static char names[MAX_FILES][64];
static int n_names;

static void cleanup(void)
{
	char p[PATH_MAX + 80];
	for (int i = 0; i < n_names; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	if (dir[0])
		rmdir(dir);
}

/*
 * A descriptor left open on one of the input files. Only those count: the sanitizers' and
 * libFuzzer's own threads open files (/proc/self/...) now and then.
 */
void fuzz_check_names_file(const char *target, int rc, const char *msg, const char *path)
{
	if (rc < 0 && !strstr(msg, path)) {
		fprintf(stderr, "%s: error does not name the file: %s\n", target, msg);
		abort();
	}
}

void fuzz_check_fds(void)
{
	if (!dir[0])
		return;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	size_t n = strlen(dir);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char link[64], target[PATH_MAX];
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(link, target, sizeof target - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (strncmp(target, dir, n) == 0 && target[n] == '/') {
			fprintf(stderr, "fuzz: descriptor %s left open on %s\n", e->d_name, target);
			abort();
		}
	}
	closedir(d);
}

static int make_dir(void)
{
	const char *base = getenv("FUZZ_TMPDIR");
	if (!base || !*base)
		base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	if (snprintf(dir, sizeof dir, "%s/adascale-fuzz.XXXXXX", base) >= (int)sizeof dir ||
	    !mkdtemp(dir)) {
		perror("fuzz: temporary folder");
		dir[0] = '\0';
		return -1;
	}
	atexit(cleanup);
	/* absolute, as /proc/self/fd shows it (fuzz_check_fds) */
	char abs[PATH_MAX];
	if (realpath(dir, abs))
		memcpy(dir, abs, sizeof dir);
	return 0;
}

int fuzz_file(const char *name, const uint8_t *data, size_t size, char *path, size_t len)
{
	if (!dir[0] && make_dir() < 0)
		return -1;
	int known = 0;
	for (int i = 0; i < n_names && !known; i++)
		known = strcmp(names[i], name) == 0;
	if (!known) {
		if (n_names == MAX_FILES || strlen(name) >= sizeof names[0])
			return -1;
		strcpy(names[n_names++], name);
	}
	if (snprintf(path, len, "%s/%s", dir, name) >= (int)len)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	size_t done = 0;
	while (done < size) {
		ssize_t w = write(fd, data + done, size - done);
		if (w <= 0) {
			perror(path);
			close(fd);
			return -1;
		}
		done += (size_t)w;
	}
	return close(fd);
}

void fuzz_split(const uint8_t *data, size_t size, const uint8_t **a, size_t *a_len,
		const uint8_t **b, size_t *b_len)
{
	size_t n = 0;
	if (size >= 4)
		n = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 |
		    (size_t)data[3] << 24;
	size_t head = size < 4 ? size : 4;
	if (n > size - head)
		n = size - head;
	*a = data + head;
	*a_len = n;
	*b = data + head + n;
	*b_len = size - head - n;
}
