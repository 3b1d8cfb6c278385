/*
 * paths.c: locating bundled data (see paths.h).
 */
#include "paths.h"

#include <errno.h>
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
		if (is_dir(probe) && (size_t)snprintf(dir, sizeof dir, "%.*s/share/adascale",
						      (int)(sizeof dir - 16), top) < sizeof dir)
			return dir;
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

/* Appends component c (not "" nor ".") to out, folding "x/.." when x is a real folder. */
static int push_component(char *out, size_t len, const char *c, size_t n)
{
	size_t k = strlen(out);
	if (n == 2 && memcmp(c, "..", 2) == 0 && k > 0) {
		char *slash = strrchr(out, '/');
		const char *last = slash ? slash + 1 : out;
		struct stat st;
		if (strcmp(last, "..") != 0 && *last && lstat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (slash == out)
				out[1] = '\0'; /* "/x" folds to "/" */
			else if (slash)
				*slash = '\0';
			else
				out[0] = '\0';
			return 0;
		}
	}
	int sep = k > 0 && out[k - 1] != '/';
	if (k + (size_t)sep + n + 1 > len)
		return ERR_RANGE;
	if (sep)
		out[k++] = '/';
	memcpy(out + k, c, n);
	out[k + n] = '\0';
	return 0;
}

int paths_beside(const char *file, const char *rel, char *out, size_t len)
{
	char joined[PATH_MAX * 2];
	if (rel[0] == '/' || !strchr(file, '/')) {
		if (snprintf(joined, sizeof joined, "%s", rel) >= (int)sizeof joined)
			return ERR_RANGE;
	} else {
		char dir[PATH_MAX];
		paths_dirname(file, dir, sizeof dir);
		if (snprintf(joined, sizeof joined, "%s/%s", dir, rel) >= (int)sizeof joined)
			return ERR_RANGE;
	}
	if (len < 2)
		return ERR_RANGE;
	out[0] = '\0';
	if (joined[0] == '/')
		snprintf(out, len, "/");
	for (const char *p = joined; *p;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n && !(n == 1 && p[0] == '.') && push_component(out, len, p, n) < 0)
			return ERR_RANGE;
		p += n + (e != NULL);
	}
	if (!out[0])
		snprintf(out, len, ".");
	return 0;
}

int paths_mkdirs(const char *dir, struct errbuf *eb)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
		return err_set(eb, ERR_RANGE, "%s: path too long", dir);
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST)
			return err_set(eb, ERR_IO, "%s: cannot create folder: %s", path,
				       strerror(errno));
		*p = c;
		if (c == '\0')
			break;
	}
	struct stat sb;
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return err_set(eb, ERR_IO, "%s: not a folder", dir);
	return 0;
}
