/*
 * main.c: the `adascale` command: the top-level help, made from the table of verbs
 * (cmd/verbs.c), and the dispatch. Not for any verb's options or logic (each verb has its
 * own file).
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

static void help(FILE *f)
{
	fprintf(f, "adascale %s: simulate and compare on-device DNN adaptation policies\n\n",
		ADASCALE_VERSION);
	for (const struct cmd_verb *v = cmd_verbs; v->name; v++)
		fprintf(f, "  adascale %s\n      %s\n", v->synopsis, v->summary);
	fputs("\n`adascale VERB --help` for a verb's options. Kernel timings come from "
	      "adascale-agent.\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		help(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv + 1);
	for (const struct cmd_verb *v = cmd_verbs; v->name; v++)
		if (strcmp(argv[1], v->name) == 0)
			return v->fn(argc - 1, argv + 1);
	fprintf(stderr, "adascale: unknown verb '%s'\n\n", argv[1]);
	help(stderr);
	return 2;
}
