/*
 * paths.c: locating bundled data (see paths.h).
 */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

#ifndef ADASCALE_DATADIR
#define ADASCALE_DATADIR "/usr/local/share/adascale"
#endif

int paths_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void paths_dirname(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		snprintf(out, len, ".");
		return;
	}
	size_t n = (size_t)(slash - path);
	if (n == 0)
		n = 1;
	snprintf(out, len, "%.*s", (int)n, path);
}

const char *paths_data_dir(void)
{
	static char dir[PATH_MAX];
	if (dir[0])
		return dir;
	const char *env = getenv("ADASCALE_HOME");
	if (env && *env) {
		snprintf(dir, sizeof dir, "%s", env);
		return dir;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char bin[PATH_MAX], top[PATH_MAX], probe[PATH_MAX + 32];
		paths_dirname(exe, bin, sizeof bin);
		paths_dirname(bin, top, sizeof top);
		/* installed: BIN/../share/adascale, wherever the tree was moved to */
		snprintf(probe, sizeof probe, "%s/share/adascale/models/zoo", top);
		if (is_dir(probe)) {
			snprintf(dir, sizeof dir, "%s/share/adascale", top);
			return dir;
		}
		/* run from the build folder of a source tree */
		snprintf(probe, sizeof probe, "%s/models/zoo", top);
		if (is_dir(probe)) {
			snprintf(dir, sizeof dir, "%s", top);
			return dir;
		}
	}
	snprintf(dir, sizeof dir, "%s", ADASCALE_DATADIR);
	return dir;
}

int paths_data(const char *rel, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", paths_data_dir(), rel);
	return n < 0 || (size_t)n >= len ? ERR_RANGE : 0;
}
