/*
 * ahold.h: the agent's load verb: starts the applier (aapply.h), applies a competing load
 * and a memory level given on the command line, says what it applied, and holds them until
 * a time has passed or SIGINT or SIGTERM comes. For researchers who want a machine under a
 * trace's conditions while they run something else, and for testing the applier as a real
 * process. Not for replaying a whole trace (serve does that).
 */
#ifndef ADASCALE_AHOLD_H
#define ADASCALE_AHOLD_H

#include "opt.h"

/* The verb's --help text, and the verb: its exit status (0, 1, or 2 for bad input). */
extern const char agent_load_help[];
int agent_cmd_load(const struct opt_verb *v, int argc, char **argv);

#endif
