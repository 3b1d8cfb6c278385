/*
 * cmd.c: what every verb shares: the one way a failure is printed, and `adascale version`.
 * Not for the table of verbs (cmd/main.c) nor for options (common/opt.h).
 */
#include "cmd.h"

#include <stdio.h>

#include "opt.h"

int cmd_fail(const struct errbuf *eb, int code)
{
	fprintf(stderr, "adascale: %s\n", eb && eb->msg[0] ? eb->msg : err_msg(code));
	return err_exit_status(code);
}

int cmd_version(int argc, char **argv)
{
	static const struct opt_verb v = {
		"adascale", "version",
		"usage: adascale version\nPrints the version and the git revision it was built "
		"from.\n"};
	static const struct opt opts[] = {{0}};
	int n_pos, rc = opt_parse(&v, opts, argc, argv, NULL, 0, &n_pos);
	if (rc != OPT_OK)
		return opt_status(rc);
	printf("adascale %s (%s)\n", ADASCALE_VERSION, ADASCALE_GIT_REV);
	return 0;
}
