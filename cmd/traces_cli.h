/*
 * traces_cli.h: the `adascale trace` verb: `check`, `gen`, `import` and `plot`, each a thin
 * layer of argument parsing over tcheck.h, tgen.h, timport.h and tplot.h. Errors print
 * `adascale: <detail>` on stderr; the exit status comes from err_exit_status (0 ok, 2 bad
 * input or usage, 1 anything else). Not for the logic of any sub-verb.
 */
#ifndef ADASCALE_TRACES_CLI_H
#define ADASCALE_TRACES_CLI_H

/* argv[0] is "trace", argv[1] the sub-verb; returns the process exit status. */
int traces_cmd(int argc, char **argv);

#endif
