/*
 * afile.c: outputs that appear whole or not at all (see afile.h). A file target gets a
 * mkstemp temporary in its own folder, so the final rename stays on one file system and
 * is atomic; standard output is staged in tmpfile(). Not for formats: callers write text.
 */
#include "afile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct afile {
	FILE *f;
	char *path; /* NULL for standard output */
	char *tmp;  /* temporary file beside path; NULL once renamed */
	int committed;
};

struct afile *afile_create(const char *path, struct errbuf *eb)
{
	struct afile *o = calloc(1, sizeof *o);
	if (!o) {
		err_set(eb, ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (!path || strcmp(path, "-") == 0) {
		o->f = tmpfile();
		if (!o->f) {
			err_set(eb, ERR_IO, "cannot create a temporary file: %s", strerror(errno));
			goto fail;
		}
		return o;
	}
	size_t n = strlen(path);
	o->path = strdup(path);
	o->tmp = malloc(n + 16);
	if (!o->path || !o->tmp) {
		err_set(eb, ERR_NOMEM, "%s: out of memory", path);
		goto fail;
	}
	snprintf(o->tmp, n + 16, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		err_set(eb, ERR_IO, "%s: cannot create: %s", path, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		goto fail;
	}
	/* mkstemp makes the file 0600; outputs are ordinary data, and a file replaced keeps
	   the permissions it had. */
	mode_t mask = umask(0);
	umask(mask);
	struct stat st;
	mode_t mode = stat(path, &st) == 0 && S_ISREG(st.st_mode) ? st.st_mode & 07777
								 : 0666 & ~mask;
	int chmod_rc = fchmod(fd, mode); /* a failure only leaves it more private */
	(void)chmod_rc;
	o->f = fdopen(fd, "w");
	if (!o->f) {
		err_set(eb, ERR_IO, "%s: cannot open: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	return o;
fail:
	afile_destroy(o);
	return NULL;
}

FILE *afile_stream(struct afile *o) { return o->f; }

const char *afile_name(const struct afile *o) { return o->path ? o->path : "stdout"; }

const char *afile_temp_path(const struct afile *o) { return o->path ? o->tmp : NULL; }

static int copy_to_stdout(struct afile *o, struct errbuf *eb)
{
	if (fflush(o->f) != 0 || ferror(o->f) || fseek(o->f, 0, SEEK_SET) != 0)
		return err_set(eb, ERR_IO, "stdout: cannot stage the output: %s", strerror(errno));
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, o->f)) > 0)
		if (fwrite(buf, 1, n, stdout) != n)
			return err_set(eb, ERR_IO, "stdout: write error: %s", strerror(errno));
	if (ferror(o->f))
		return err_set(eb, ERR_IO, "stdout: cannot read the staged output");
	if (fflush(stdout) != 0)
		return err_set(eb, ERR_IO, "stdout: write error: %s", strerror(errno));
	return 0;
}

int afile_commit(struct afile *o, struct errbuf *eb)
{
	if (o->committed)
		return err_set(eb, ERR_USAGE, "%s: output already committed", afile_name(o));
	o->committed = 1;
	if (!o->path)
		return copy_to_stdout(o, eb);
	int bad = ferror(o->f);
	int rc = fclose(o->f);
	o->f = NULL;
	if (bad || rc != 0)
		return err_set(eb, ERR_IO, "%s: write error: %s", o->path,
			       strerror(errno ? errno : EIO));
	if (rename(o->tmp, o->path) != 0)
		return err_set(eb, ERR_IO, "%s: cannot rename %s into place: %s", o->path, o->tmp,
			       strerror(errno));
	free(o->tmp);
	o->tmp = NULL;
	return 0;
}

void afile_destroy(struct afile *o)
{
	if (!o)
		return;
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		remove(o->tmp);
	free(o->tmp);
	free(o->path);
	free(o);
}

int afile_write(const char *path, int (*write)(void *ctx, FILE *f), void *ctx,
		struct errbuf *eb)
{
	struct afile *af = afile_create(path, eb);
	if (!af)
		return eb ? eb->code : ERR_IO;
	errno = 0;
	int rc = write(ctx, afile_stream(af)) < 0
			 ? err_set(eb, ERR_IO, "%s: write failed: %s", afile_name(af),
				   strerror(errno ? errno : EIO))
			 : afile_commit(af, eb);
	afile_destroy(af);
	return rc;
}
