/*
 * cmd.h: the verbs of the `adascale` command, the top floor of the tree. Each verb lives in
 * its own file (cmd/run.c, cmd/sweep.c, ...), parses its options with common/opt.h and
 * calls the modules below; cmd/verbs.c holds the one table that registers them. A verb
 * takes its own argv (argv[0] is the verb's name) and returns the process exit status:
 * 0 ok, 1 failure, 2 bad input or usage (err_exit_status). Not for any logic a test or
 * another program would want without the command line: that belongs to the floors below.
 */
#ifndef ADASCALE_CMD_H
#define ADASCALE_CMD_H

#include "err.h"

typedef int (*cmd_fn)(int argc, char **argv);

/* One verb: its name, its function and the line `adascale --help` shows for it. */
struct cmd_verb {
	const char *name;
	cmd_fn fn;
	const char *synopsis; /* "run --trace F --device F ..." */
	const char *summary;  /* what it does, in one line */
};

/* The table, ended by an entry whose name is NULL (cmd/verbs.c). */
extern const struct cmd_verb cmd_verbs[];

/* Prints "adascale: <detail>" (or the code's message) on stderr; the exit status for code. */
int cmd_fail(const struct errbuf *eb, int code);

int cmd_variants(int argc, char **argv);
int cmd_kernels(int argc, char **argv);
int cmd_evolve(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_derive(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_import_served(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_study(int argc, char **argv);
int cmd_thermal(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_policies(int argc, char **argv);
int cmd_version(int argc, char **argv);

#endif
