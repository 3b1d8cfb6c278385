/*
 * test_layout.c: the floors of the tree hold. The Makefile's FLOORS line lists the source
 * folders lowest first; a file may include a header of its own folder or of a lower floor,
 * never one of a higher floor or of another folder on its own floor (each floor is one
 * folder, so "lower" is "earlier in the list"). Modules (name.c + name.h + nameint.h) form no
 * cycle, neither through their includes nor through the functions their objects call (nm on
 * the built objects). Not for style: only the direction of dependencies.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MAX_FLOORS 32
#define MAX_MODS 1024
#define MAX_FILES 2048

static char floors[MAX_FLOORS][64];
static int n_floors;

/* The FLOORS := ... line of the Makefile (continuation lines joined). */
static void read_floors(void)
{
	FILE *f = fopen("Makefile", "r");
	cr_assert(f, "Makefile: cannot open (the suite runs from the repository root)");
	char line[1024], all[4096] = "";
	int in = 0;
	while (fgets(line, sizeof line, f)) {
		if (!in && strncmp(line, "FLOORS", 6) != 0)
			continue;
		in = 1;
		strncat(all, line, sizeof all - strlen(all) - 1);
		size_t n = strlen(line);
		while (n && isspace((unsigned char)line[n - 1]))
			n--;
		if (!n || line[n - 1] != '\\')
			break;
	}
	fclose(f);
	char *p = strstr(all, ":=");
	cr_assert(p, "Makefile: no FLOORS := line");
	n_floors = 0;
	for (char *save, *t = strtok_r(p + 2, " \t\r\n\\", &save); t;
	     t = strtok_r(NULL, " \t\r\n\\", &save)) {
		cr_assert(n_floors < MAX_FLOORS);
		snprintf(floors[n_floors++], sizeof floors[0], "%s", t);
	}
	cr_assert(n_floors > 3, "Makefile: FLOORS lists %d folders", n_floors);
}

static int floor_of(const char *dir)
{
	for (int i = 0; i < n_floors; i++)
		if (strcmp(floors[i], dir) == 0)
			return i;
	return -1;
}

/* module names: "sim/run" for sim/run.c, sim/run.h; "models/evolve" for evolveint.h too */
static char mods[MAX_MODS][256];
static int n_mods;

static int module_id(const char *dir, const char *file)
{
	char stem[128];
	snprintf(stem, sizeof stem, "%.127s", file);
	char *dot = strrchr(stem, '.');
	if (dot)
		*dot = '\0';
	size_t n = strlen(stem);
	if (dot && strcmp(dot + 1, "h") == 0 && n > 3 && strcmp(stem + n - 3, "int") == 0)
		stem[n - 3] = '\0';
	char name[256];
	snprintf(name, sizeof name, "%.120s/%.127s", dir, stem);
	for (int i = 0; i < n_mods; i++)
		if (strcmp(mods[i], name) == 0)
			return i;
	cr_assert(n_mods < MAX_MODS);
	snprintf(mods[n_mods], sizeof mods[0], "%s", name);
	return n_mods++;
}

static unsigned char edge[MAX_MODS][MAX_MODS];

/* The folder (a floor) that holds header name, searched from the includer's own folder. */
static int header_floor(const char *own, const char *name, char *dir_out, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", own, name);
	FILE *f = fopen(path, "r");
	if (f) {
		fclose(f);
		snprintf(dir_out, n, "%s", own);
		return floor_of(own);
	}
	for (int i = 0; i < n_floors; i++) {
		snprintf(path, sizeof path, "%s/%s", floors[i], name);
		if ((f = fopen(path, "r")) != NULL) {
			fclose(f);
			snprintf(dir_out, n, "%s", floors[i]);
			return i;
		}
	}
	return -1;
}

static int is_source(const char *name)
{
	size_t n = strlen(name);
	return n > 2 && name[n - 2] == '.' && (name[n - 1] == 'c' || name[n - 1] == 'h');
}

/* Walks every floor's .c and .h; for each include, checks its floor and records the edge. */
static int scan_includes(char *problems, size_t len)
{
	int bad = 0;
	problems[0] = '\0';
	for (int fl = 0; fl < n_floors; fl++) {
		DIR *d = opendir(floors[fl]);
		cr_assert(d, "%s: cannot open", floors[fl]);
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (!is_source(e->d_name))
				continue;
			char path[4096], line[1024];
			snprintf(path, sizeof path, "%s/%s", floors[fl], e->d_name);
			FILE *f = fopen(path, "r");
			cr_assert(f, "%s: cannot open", path);
			int from = module_id(floors[fl], e->d_name);
			for (long ln = 1; fgets(line, sizeof line, f); ln++) {
				char inc[256];
				if (sscanf(line, " #include \"%255[^\"]\"", inc) != 1)
					continue;
				char dir[4096];
				const char *base = strrchr(inc, '/') ? strrchr(inc, '/') + 1 : inc;
				int hf = header_floor(floors[fl], inc, dir, sizeof dir);
				if (hf < 0)
					continue; /* a system-style header of the project's tests */
				if (strchr(inc, '/')) { /* "examples/hysteresis.c": a subfolder */
					snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/%.*s",
						 (int)(base - inc - 1), inc);
				}
				if (hf > fl || (hf == fl && strcmp(dir, floors[fl]) != 0 &&
						strncmp(dir, floors[fl], strlen(floors[fl])) != 0)) {
					bad++;
					size_t k = strlen(problems);
					snprintf(problems + k, len - k,
						 "%s:%ld: includes %s/%s, a higher floor\n", path, ln,
						 dir, base);
					continue;
				}
				int to = module_id(dir, base);
				if (to != from)
					edge[from][to] = 1;
			}
			fclose(f);
		}
		closedir(d);
	}
	return bad;
}

/* 0: white, 1: on the stack, 2: done. Writes the first cycle found into out. */
static int dfs(int v, int *color, int *stack, int depth, char *out, size_t len)
{
	color[v] = 1;
	stack[depth] = v;
	for (int w = 0; w < n_mods; w++) {
		if (!edge[v][w])
			continue;
		if (color[w] == 1) {
			int k = depth;
			while (k > 0 && stack[k] != w)
				k--;
			out[0] = '\0';
			for (int i = k; i <= depth; i++) {
				size_t n = strlen(out);
				snprintf(out + n, len - n, "%s -> ", mods[stack[i]]);
			}
			size_t n = strlen(out);
			snprintf(out + n, len - n, "%s", mods[w]);
			return 1;
		}
		if (color[w] == 0 && dfs(w, color, stack, depth + 1, out, len))
			return 1;
	}
	color[v] = 2;
	return 0;
}

static int find_cycle(char *out, size_t len)
{
	static int color[MAX_MODS], stack[MAX_MODS];
	memset(color, 0, sizeof color);
	for (int v = 0; v < n_mods; v++)
		if (color[v] == 0 && dfs(v, color, stack, 0, out, len))
			return 1;
	return 0;
}

static void reset(void)
{
	n_mods = 0;
	memset(edge, 0, sizeof edge);
	read_floors();
}

Test(layout, no_file_includes_a_higher_floor)
{
	reset();
	static char problems[65536];
	int bad = scan_includes(problems, sizeof problems);
	cr_assert_eq(bad, 0, "%d includes run up the floors (Makefile FLOORS):\n%s", bad, problems);
}

Test(layout, no_two_modules_include_each_other)
{
	reset();
	static char problems[65536];
	scan_includes(problems, sizeof problems);
	char cycle[4096];
	cr_assert_not(find_cycle(cycle, sizeof cycle), "an include cycle: %s", cycle);
}

/* ---- calls: which object defines each symbol another object uses ---- */

struct sym {
	char name[128];
	int mod;
};

static int cmp_sym(const void *a, const void *b)
{
	return strcmp(((const struct sym *)a)->name, ((const struct sym *)b)->name);
}

Test(layout, no_two_modules_call_each_other, .timeout = 120 * TU_SLOW)
{
	reset();
	static struct sym defs[65536];
	static struct {
		int mod;
		char name[128];
	} uses[65536];
	int n_defs = 0, n_uses = 0, n_objs = 0;
	for (int fl = 0; fl < n_floors; fl++) {
		DIR *d = opendir(floors[fl]);
		cr_assert(d);
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			size_t n = strlen(e->d_name);
			if (n < 3 || strcmp(e->d_name + n - 2, ".c") != 0 ||
			    strcmp(e->d_name, "main.c") == 0)
				continue;
			char cmd[4096], line[512];
			snprintf(cmd, sizeof cmd, "nm -g '%s/obj/%s/%.*s.o' 2>/dev/null", tu_bin(),
				 floors[fl], (int)(n - 2), e->d_name);
			FILE *p = popen(cmd, "r");
			cr_assert(p);
			int mod = module_id(floors[fl], e->d_name), any = 0;
			while (fgets(line, sizeof line, p)) {
				char a[128], b[128], c[128];
				int k = sscanf(line, "%127s %127s %127s", a, b, c);
				any = 1;
				if (k == 3 && strchr("TDBRCV", b[0]) && n_defs < 65536) {
					snprintf(defs[n_defs].name, sizeof defs[0].name, "%s", c);
					defs[n_defs++].mod = mod;
				} else if (k == 2 && strcmp(a, "U") == 0 && n_uses < 65536) {
					snprintf(uses[n_uses].name, sizeof uses[0].name, "%s", b);
					uses[n_uses++].mod = mod;
				}
			}
			pclose(p);
			n_objs += any;
		}
		closedir(d);
	}
	cr_assert_gt(n_objs, 50, "only %d objects read from %s/obj: build first", n_objs, tu_bin());
	qsort(defs, (size_t)n_defs, sizeof defs[0], cmp_sym);
	for (int i = 0; i < n_uses; i++) {
		struct sym key;
		snprintf(key.name, sizeof key.name, "%s", uses[i].name);
		struct sym *s = bsearch(&key, defs, (size_t)n_defs, sizeof defs[0], cmp_sym);
		if (s && s->mod != uses[i].mod)
			edge[uses[i].mod][s->mod] = 1;
	}
	char cycle[4096];
	cr_assert_not(find_cycle(cycle, sizeof cycle), "modules that call each other: %s", cycle);
}
