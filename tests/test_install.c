/*
 * test_install.c: `make install` gives a tree that runs wherever it is moved to. The tree is
 * installed into a scratch DESTDIR with PREFIX=/opt/x, moved to another folder, and used as
 * a user would: `adascale variants`, a short `adascale run` on the installed example trace
 * and device, and the example plugin built out of the source tree against the installed
 * header through `pkg-config --cflags adascale-policy`, then loaded by a run. `make
 * uninstall` then leaves nothing behind. Not for the data lookup's order in the source tree:
 * the other tests run from build/ and use it.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

static char out[1 << 16];

/* Runs the shell command made from fmt (output into out); returns its exit status. */
__attribute__((format(printf, 1, 2))) static int run(const char *fmt, ...)
{
	char cmd[16384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return tu_run(cmd, out, sizeof out);
}

Test(install, moved_tree_runs_and_builds_a_plugin_with_pkg_config, .timeout = 240)
{
	const char *dest = tu_scratch("install-dest");
	const char *moved = tu_scratch("install-moved");
	const char *work = tu_scratch("install-work");
	cr_assert_eq(run("rm -rf %s %s %s", dest, moved, work), 0);
	cr_assert_eq(run("make -s --no-print-directory BUILD=%s DESTDIR=%s PREFIX=/opt/x install"
			 " >/dev/null", tu_bin(), dest), 0, "%s", out);
	cr_assert_eq(run("mv %s/opt/x %s && mkdir %s", dest, moved, work), 0, "%s", out);

	/* the model zoo is found beside the moved binary, not at /opt/x nor in the source tree */
	cr_assert_eq(run("cd %s && env -u ADASCALE_HOME %s/bin/adascale variants mobilenet_v1",
			 work, moved), 0, "%s", out);
	cr_assert(tu_has(out, "mobilenet_v1:width=1,res=224,quant=fp32"), "%s", out);

	char share[4096];
	snprintf(share, sizeof share, "%s/share/adascale", moved);
	char cmd[16384];
	snprintf(cmd, sizeof cmd,
		 "cd %s && env -u ADASCALE_HOME %s/bin/adascale run --trace %s/tests/data/slowdown.csv"
		 " --device %s/tests/data/dvfs2.ini --model mobilenet_v1 --deadline-ms 33"
		 " --duration-s 5 --db run.db --policy greedy",
		 work, moved, share, share);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	cr_assert(tu_has(out, "150 requests"), "%s", out);

	/* what the install must carry besides the programs */
	const char *want[] = { "share/doc/adascale/README.md", "share/doc/adascale/policies.md",
			       "share/adascale/data/sweeps/example.ini",
			       "share/adascale/data/tolerances.ini",
			       "share/adascale/policies/examples/hysteresis.c",
			       "include/adascale/adascale_policy.h",
			       "lib/pkgconfig/adascale-policy.pc" };
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		char p[4096];
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", moved, want[i]);
		cr_expect_eq(stat(p, &st), 0, "%s not installed", want[i]);
	}

	/* a plugin out of tree: the installed example source, the installed header, pkg-config */
	snprintf(cmd, sizeof cmd,
		 "cd %s && cp %s/policies/examples/hysteresis.c mine.c &&"
		 " PKG_CONFIG_PATH=%s/lib/pkgconfig cc -std=c11 -shared -fPIC"
		 " $(PKG_CONFIG_PATH=%s/lib/pkgconfig pkg-config --cflags adascale-policy)"
		 " -o mine.so mine.c",
		 work, share, moved, moved);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	snprintf(cmd, sizeof cmd,
		 "cd %s && env -u ADASCALE_HOME %s/bin/adascale run --trace %s/tests/data/slowdown.csv"
		 " --device %s/tests/data/dvfs2.ini --model mobilenet_v1 --deadline-ms 33"
		 " --duration-s 5 --db run.db --policy ./mine.so",
		 work, moved, share, share);
	cr_assert_eq(tu_run(cmd, out, sizeof out), 0, "%s", out);
	cr_assert(tu_has(out, "hysteresis on"), "%s", out);

	/* uninstall removes what install put (the tree moved back where it was installed) */
	cr_assert_eq(run("mv %s %s/opt/x && make -s --no-print-directory DESTDIR=%s PREFIX=/opt/x"
			 " uninstall >/dev/null", moved, dest, dest), 0, "%s", out);
	cr_assert_eq(run("test -z \"$(find %s/opt/x -type f)\"", dest), 0,
		     "left after uninstall: %s", out);
}
