/*
 * merge.c: merging results databases (see merge.h). Each input is attached to a connection
 * on a temporary copy of the output and merged run by run in one transaction; the copy is
 * renamed over the output only when every input went in. Table and column lists are read
 * from the schemas (PRAGMA table_info), so detail tables added later (any table with a
 * run_id column) are copied and compared without changes here. Identifiers come from the
 * databases' own schemas and are quoted; values are bound.
 * Not for writing runs (store.c) or planning sweeps (sweep_plan.c).
 */
#include "merge.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "metrics.h"
#include "paths.h"
#include "store.h"

#define MAX_COLS 256
#define MAX_TABLES 32

struct cols {
	int n;
	char name[MAX_COLS][64];
};

struct m {
	sqlite3 *db;
	const char *in;          /* the input being merged (for messages) */
	struct errbuf *eb;
	struct cols run_cols;    /* runs columns in both, without id */
	int n_tab;
	char tab[MAX_TABLES][64];          /* detail tables in both */
	struct cols tab_cols[MAX_TABLES];  /* their columns in both, without run_id */
	sqlite3_stmt *find, *copy_run, *del_failed, *cmp_runs;
	sqlite3_stmt *copy_tab[MAX_TABLES], *cmp_tab[MAX_TABLES];
};

static int db_err(struct m *x, const char *what)
{
	return err_set(x->eb, ERR_DB, "%s: %s: %s", x->in, what, sqlite3_errmsg(x->db));
}

static int exec(struct m *x, const char *sql, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(x->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(x->eb, ERR_DB, "%s: %s: %s", x->in, what, msg ? msg : sqlite3_errmsg(x->db));
		sqlite3_free(msg);
		return ERR_DB;
	}
	return 0;
}

/* Appends "name" quoted as an SQL identifier. */
static void cat_ident(char *buf, size_t len, const char *prefix, const char *name)
{
	size_t k = strlen(buf);
	k += (size_t)snprintf(buf + k, k < len ? len - k : 0, "%s\"", prefix);
	for (const char *p = name; *p && k + 3 < len; p++) {
		if (*p == '"')
			buf[k++] = '"';
		buf[k++] = *p;
	}
	if (k + 1 < len) {
		buf[k++] = '"';
		buf[k] = '\0';
	}
}

/* The columns of schema.table, leaving out `skip`. */
static int table_cols(struct m *x, const char *schema, const char *table, const char *skip,
		      struct cols *c)
{
	sqlite3_stmt *st;
	c->n = 0;
	if (sqlite3_prepare_v2(x->db, "SELECT name FROM pragma_table_info(?1, ?2)", -1, &st,
			       NULL) != SQLITE_OK)
		return db_err(x, "reading a schema");
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(st, 0);
		if (!n || (skip && strcmp(n, skip) == 0) || c->n == MAX_COLS ||
		    strlen(n) >= sizeof c->name[0])
			continue;
		snprintf(c->name[c->n++], sizeof c->name[0], "%s", n);
	}
	sqlite3_finalize(st);
	return 0;
}

static void intersect(struct cols *a, const struct cols *b)
{
	int k = 0;
	for (int i = 0; i < a->n; i++)
		for (int j = 0; j < b->n; j++)
			if (strcmp(a->name[i], b->name[j]) == 0) {
				memmove(a->name[k++], a->name[i], sizeof a->name[0]);
				break;
			}
	a->n = k;
}

/* "a", "b", ... into buf (emptied first). */
static void col_list(const struct cols *c, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int i = 0; i < c->n; i++)
		cat_ident(buf, len, i ? ", " : "", c->name[i]);
}

static void finalize_all(struct m *x)
{
	sqlite3_finalize(x->find);
	sqlite3_finalize(x->copy_run);
	sqlite3_finalize(x->del_failed);
	sqlite3_finalize(x->cmp_runs);
	for (int i = 0; i < x->n_tab; i++) {
		sqlite3_finalize(x->copy_tab[i]);
		sqlite3_finalize(x->cmp_tab[i]);
	}
	x->find = x->copy_run = x->del_failed = x->cmp_runs = NULL;
	memset(x->copy_tab, 0, sizeof x->copy_tab);
	memset(x->cmp_tab, 0, sizeof x->cmp_tab);
}

static int prepare(struct m *x, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(x->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_err(x, "preparing the merge");
	return 0;
}

static int too_wide(struct m *x)
{
	return err_set(x->eb, ERR_RANGE, "%s: too many columns to merge", x->in);
}

/* Reads the attached input's schema and prepares the statements of its merge. */
static int setup_input(struct m *x)
{
	sqlite3_stmt *st;
	int v = 0, rc;
	if (sqlite3_prepare_v2(x->db, "PRAGMA src.user_version", -1, &st, NULL) != SQLITE_OK)
		return db_err(x, "reading the schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	struct cols mine, theirs;
	if ((rc = table_cols(x, "src", "runs", "id", &theirs)) < 0)
		return rc;
	if (v < 1 || theirs.n == 0)
		return err_set(x->eb, ERR_PARSE, "%s: not an adascale results database", x->in);
	if (v > STORE_SCHEMA_VERSION)
		return err_set(x->eb, ERR_PARSE,
			       "%s: schema version %d is newer than this adascale's (%d)", x->in, v,
			       STORE_SCHEMA_VERSION);
	if ((rc = table_cols(x, "main", "runs", "id", &mine)) < 0)
		return rc;
	intersect(&mine, &theirs);
	x->run_cols = mine;
	static const char *const needed[] = {"config_key", "seed", "tag", "status", "error"};
	for (int i = 0; i < 5; i++) {
		int found = 0;
		for (int j = 0; j < mine.n; j++)
			found |= strcmp(mine.name[j], needed[i]) == 0;
		if (!found)
			return err_set(x->eb, ERR_PARSE, "%s: runs has no column %s", x->in,
				       needed[i]);
	}

	/* detail tables: those of main with a run_id column that the input has too */
	x->n_tab = 0;
	if (sqlite3_prepare_v2(x->db,
			       "SELECT name FROM main.sqlite_master WHERE type = 'table' AND "
			       "name <> 'runs' AND name NOT LIKE 'sqlite_%' ORDER BY name",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(x, "listing tables");
	char names[MAX_TABLES][64];
	int n_names = 0;
	while (sqlite3_step(st) == SQLITE_ROW && n_names < MAX_TABLES) {
		const char *n = (const char *)sqlite3_column_text(st, 0);
		if (n && strlen(n) < sizeof names[0])
			snprintf(names[n_names++], sizeof names[0], "%s", n);
	}
	sqlite3_finalize(st);
	for (int i = 0; i < n_names; i++) {
		struct cols a, b, with_id;
		if ((rc = table_cols(x, "main", names[i], NULL, &with_id)) < 0 ||
		    (rc = table_cols(x, "main", names[i], "run_id", &a)) < 0 ||
		    (rc = table_cols(x, "src", names[i], "run_id", &b)) < 0)
			return rc;
		if (with_id.n == a.n || b.n == 0)
			continue; /* no run_id column, or the input lacks the table */
		intersect(&a, &b);
		memcpy(x->tab[x->n_tab], names[i], sizeof x->tab[0]);
		x->tab_cols[x->n_tab++] = a;
	}

	/* statements */
	static char sql[32768], list[16384], cmp[16384];
	if ((rc = prepare(x,
			  "SELECT id, status FROM main.runs WHERE config_key = ?1 AND seed = ?2 "
			  "AND tag = ?3 ORDER BY status = 'ok' DESC, id LIMIT 1",
			  &x->find)) < 0 ||
	    (rc = prepare(x,
			  "DELETE FROM main.runs WHERE config_key = ?1 AND seed = ?2 AND tag = ?3 "
			  "AND status <> 'ok'",
			  &x->del_failed)) < 0)
		return rc;
	col_list(&x->run_cols, list, sizeof list);
	if (snprintf(sql, sizeof sql, "INSERT INTO main.runs(%s) SELECT %s FROM src.runs WHERE "
		     "id = ?1", list, list) >= (int)sizeof sql)
		return too_wide(x);
	if ((rc = prepare(x, sql, &x->copy_run)) < 0)
		return rc;
	/* what must agree between duplicates: status, notes and every metric */
	snprintf(cmp, sizeof cmp, "a.status, b.status, a.error, b.error");
	for (int i = 0; i < metrics_n; i++) {
		int both = 0; /* an input of an older schema lacks the later metrics */
		for (int j = 0; j < x->run_cols.n; j++)
			both |= strcmp(x->run_cols.name[j], metrics_table[i].name) == 0;
		if (!both)
			continue;
		cat_ident(cmp, sizeof cmp, ", a.", metrics_table[i].name);
		cat_ident(cmp, sizeof cmp, ", b.", metrics_table[i].name);
	}
	if (snprintf(sql, sizeof sql, "SELECT %s FROM main.runs a, src.runs b WHERE a.id = ?1 "
		     "AND b.id = ?2", cmp) >= (int)sizeof sql)
		return too_wide(x);
	if ((rc = prepare(x, sql, &x->cmp_runs)) < 0)
		return rc;
	for (int t = 0; t < x->n_tab; t++) {
		col_list(&x->tab_cols[t], list, sizeof list);
		char qt[160] = "";
		cat_ident(qt, sizeof qt, "", x->tab[t]);
		if (snprintf(sql, sizeof sql,
			     "INSERT INTO main.%s(run_id, %s) SELECT ?1, %s FROM src.%s WHERE "
			     "run_id = ?2", qt, list, list, qt) >= (int)sizeof sql)
			return too_wide(x);
		if ((rc = prepare(x, sql, &x->copy_tab[t])) < 0)
			return rc;
		/* rows in one and not the other, both ways, and the counts */
		if (snprintf(sql, sizeof sql,
			 "SELECT (SELECT count(*) FROM (SELECT %s FROM main.%s WHERE run_id = ?1 "
			 "EXCEPT SELECT %s FROM src.%s WHERE run_id = ?2)) + "
			 "(SELECT count(*) FROM (SELECT %s FROM src.%s WHERE run_id = ?2 "
			 "EXCEPT SELECT %s FROM main.%s WHERE run_id = ?1)) + "
			 "abs((SELECT count(*) FROM main.%s WHERE run_id = ?1) - "
			 "(SELECT count(*) FROM src.%s WHERE run_id = ?2))",
			 list, qt, list, qt, list, qt, list, qt, qt, qt) >= (int)sizeof sql)
			return too_wide(x);
		if ((rc = prepare(x, sql, &x->cmp_tab[t])) < 0)
			return rc;
	}
	return 0;
}

static int same_value(sqlite3_stmt *st, int a, int b)
{
	int ta = sqlite3_column_type(st, a), tb = sqlite3_column_type(st, b);
	if (ta != tb)
		return 0;
	switch (ta) {
	case SQLITE_NULL: return 1;
	case SQLITE_INTEGER: return sqlite3_column_int64(st, a) == sqlite3_column_int64(st, b);
	case SQLITE_FLOAT: return sqlite3_column_double(st, a) == sqlite3_column_double(st, b);
	default:
		return strcmp((const char *)sqlite3_column_text(st, a),
			      (const char *)sqlite3_column_text(st, b)) == 0;
	}
}

/*
 * Compares run `mine` of the output with run `theirs` of the input: 0 when they agree,
 * ERR_PARSE naming the first difference otherwise.
 */
static int compare(struct m *x, int64_t mine, int64_t theirs, const char *who)
{
	sqlite3_stmt *st = x->cmp_runs;
	sqlite3_bind_int64(st, 1, mine);
	sqlite3_bind_int64(st, 2, theirs);
	int rc = 0;
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = db_err(x, "comparing runs");
		goto out;
	}
	for (int i = 0; i < sqlite3_column_count(st); i += 2)
		if (!same_value(st, i, i + 1)) {
			const char *name = sqlite3_column_name(st, i);
			const char *va = (const char *)sqlite3_column_text(st, i);
			char a[64], b[64];
			snprintf(a, sizeof a, "%s", va ? va : "NULL");
			const char *vb = (const char *)sqlite3_column_text(st, i + 1);
			snprintf(b, sizeof b, "%s", vb ? vb : "NULL");
			rc = err_set(x->eb, ERR_PARSE,
				     "%s: run %lld (%s) conflicts with the same run already merged: "
				     "%s is %s there and %s here",
				     x->in, (long long)theirs, who, name, a, b);
			goto out;
		}
	for (int t = 0; t < x->n_tab; t++) {
		sqlite3_stmt *c = x->cmp_tab[t];
		sqlite3_bind_int64(c, 1, mine);
		sqlite3_bind_int64(c, 2, theirs);
		int ok = sqlite3_step(c) == SQLITE_ROW;
		int64_t diff = ok ? sqlite3_column_int64(c, 0) : 0;
		sqlite3_reset(c);
		if (!ok) {
			rc = db_err(x, "comparing detail rows");
			goto out;
		}
		if (diff) {
			rc = err_set(x->eb, ERR_PARSE,
				     "%s: run %lld (%s) conflicts with the same run already merged: "
				     "its %s rows differ",
				     x->in, (long long)theirs, who, x->tab[t]);
			goto out;
		}
	}
out:
	sqlite3_reset(st);
	return rc;
}

static int step_done(struct m *x, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_err(x, what);
	sqlite3_reset(st);
	return rc;
}

static int copy_run(struct m *x, int64_t id)
{
	sqlite3_bind_int64(x->copy_run, 1, id);
	int rc = step_done(x, x->copy_run, "copying a run");
	if (rc < 0)
		return rc;
	int64_t new_id = sqlite3_last_insert_rowid(x->db);
	for (int t = 0; t < x->n_tab && rc == 0; t++) {
		sqlite3_bind_int64(x->copy_tab[t], 1, new_id);
		sqlite3_bind_int64(x->copy_tab[t], 2, id);
		rc = step_done(x, x->copy_tab[t], "copying detail rows");
	}
	return rc;
}

/* Merges the attached input "src" into main, in the caller's transaction. */
static int merge_input(struct m *x, struct merge_stats *stats)
{
	sqlite3_stmt *st;
	int rc = 0;
	if (sqlite3_prepare_v2(x->db,
			       "SELECT id, config_key, seed, tag, status FROM src.runs ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(x, "reading runs");
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *key = (const char *)sqlite3_column_text(st, 1);
		int64_t seed = sqlite3_column_int64(st, 2);
		const char *tag = (const char *)sqlite3_column_text(st, 3);
		int ok = sqlite3_column_text(st, 4) &&
			 strcmp((const char *)sqlite3_column_text(st, 4), "ok") == 0;
		char who[200];
		snprintf(who, sizeof who, "config_key %.12s..., seed %lld, tag '%.64s'",
			 key ? key : "", (long long)seed, tag ? tag : "");
		/* key and tag stay valid until st steps again: bound without a copy, so that
		   binding cannot fail for memory */
		sqlite3_bind_text(x->find, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(x->find, 2, seed);
		sqlite3_bind_text(x->find, 3, tag, -1, SQLITE_STATIC);
		int found = sqlite3_step(x->find);
		int64_t there = found == SQLITE_ROW ? sqlite3_column_int64(x->find, 0) : 0;
		int there_ok = found == SQLITE_ROW && sqlite3_column_text(x->find, 1) &&
			       strcmp((const char *)sqlite3_column_text(x->find, 1), "ok") == 0;
		sqlite3_reset(x->find);
		if (found != SQLITE_ROW && found != SQLITE_DONE) {
			rc = db_err(x, "looking up a run");
			break;
		}
		if (found == SQLITE_DONE) {
			if ((rc = copy_run(x, id)) < 0)
				break;
			stats->n_copied++;
		} else if (!ok) {
			stats->n_failed_dropped++;
		} else if (!there_ok) {
			sqlite3_bind_text(x->del_failed, 1, key, -1, SQLITE_STATIC);
			sqlite3_bind_int64(x->del_failed, 2, seed);
			sqlite3_bind_text(x->del_failed, 3, tag, -1, SQLITE_STATIC);
			if ((rc = step_done(x, x->del_failed, "replacing a failed run")) < 0 ||
			    (rc = copy_run(x, id)) < 0)
				break;
			stats->n_replaced++;
		} else {
			if ((rc = compare(x, there, id, who)) < 0)
				break;
			stats->n_identical++;
		}
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_err(x, "reading runs");
	sqlite3_finalize(st);
	return rc;
}

/* What SQLite may leave beside the database path; the file itself is afile's. */
static void remove_db_side_files(const char *path)
{
	static const char *const suffix[] = {"-wal", "-shm", "-journal"};
	char p[PATH_MAX + 16];
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
}

/* Copies the existing output into the empty file tmp (checkpointing its WAL first). */
static int copy_existing(const char *out, const char *tmp, struct errbuf *eb)
{
	struct store *s = store_open(out, eb);
	if (!s)
		return eb && eb->code ? eb->code : ERR_DB;
	sqlite3_stmt *st;
	int rc = 0;
	if (sqlite3_prepare_v2(store_db(s), "VACUUM INTO ?1", -1, &st, NULL) != SQLITE_OK) {
		rc = err_set(eb, ERR_DB, "%s: %s", out, sqlite3_errmsg(store_db(s)));
	} else {
		sqlite3_bind_text(st, 1, tmp, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = err_set(eb, ERR_DB, "%s: copying: %s", out, sqlite3_errmsg(store_db(s)));
		sqlite3_finalize(st);
	}
	store_close(s);
	char wal[PATH_MAX + 8];
	snprintf(wal, sizeof wal, "%s-wal", out);
	if (rc == 0 && paths_is_file(wal))
		rc = err_set(eb, ERR_DB, "%s: in use by another process (its -wal file stays)", out);
	return rc;
}

int merge_databases(const char *out, const char *const *in, int n_in, struct merge_stats *stats,
		    struct errbuf *eb)
{
	memset(stats, 0, sizeof *stats);
	char out_real[PATH_MAX] = "", r[PATH_MAX];
	int have_out = paths_is_file(out);
	if (have_out && !realpath(out, out_real))
		return err_set(eb, ERR_IO, "%s: %s", out, strerror(errno));
	for (int i = 0; i < n_in; i++) {
		if (!paths_is_file(in[i]))
			return err_set(eb, ERR_NOTFOUND, "%s: no such database", in[i]);
		if (have_out && realpath(in[i], r) && strcmp(r, out_real) == 0)
			return err_set(eb, ERR_USAGE, "%s: is the output too", in[i]);
	}
	struct afile *o = afile_create(out, eb);
	if (!o)
		return eb && eb->code ? eb->code : ERR_IO;
	const char *tmp = afile_temp_path(o);
	struct m x;
	memset(&x, 0, sizeof x);
	x.eb = eb;
	x.in = out;
	struct store *s = NULL;
	int rc = 0, attached = 0;
	if (have_out && (rc = copy_existing(out, tmp, eb)) < 0)
		goto fail;
	if (!(s = store_open(tmp, eb))) {
		rc = eb && eb->code ? eb->code : ERR_DB;
		goto fail;
	}
	x.db = store_db(s);
	for (int i = 0; i < n_in; i++) {
		x.in = in[i];
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(x.db, "ATTACH DATABASE ?1 AS src", -1, &st, NULL) != SQLITE_OK) {
			rc = db_err(&x, "attaching");
			goto fail;
		}
		sqlite3_bind_text(st, 1, in[i], -1, SQLITE_STATIC);
		int ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
		if (!ok) {
			rc = db_err(&x, "attaching");
			goto fail;
		}
		attached = 1;
		if ((rc = setup_input(&x)) < 0 || (rc = exec(&x, "BEGIN IMMEDIATE", "merging")) < 0)
			goto fail;
		if ((rc = merge_input(&x, stats)) < 0 || (rc = store_fill_derived(s, eb)) < 0) {
			sqlite3_exec(x.db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
		if ((rc = exec(&x, "COMMIT", "merging")) < 0)
			goto fail;
		finalize_all(&x);
		x.n_tab = 0;
		if ((rc = exec(&x, "DETACH DATABASE src", "detaching")) < 0)
			goto fail;
		attached = 0;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(x.db, "SELECT count(*) FROM runs", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			stats->n_runs = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	store_close(s);
	s = NULL;
	if ((rc = afile_commit(o, eb)) < 0)
		goto fail;
	afile_destroy(o);
	return 0;
fail:
	finalize_all(&x);
	if (attached && s)
		sqlite3_exec(x.db, "DETACH DATABASE src", NULL, NULL, NULL);
	store_close(s);
	remove_db_side_files(tmp);
	afile_destroy(o);
	return rc;
}
