/*
 * ainfo.h: `adascale-agent info`: the machine as a device INI skeleton (the format of
 * devices/device.h), with what /proc and /sys tell: name, soc, memory, one [cluster.N] per
 * CPU cluster with its cores, core type, capacity and operating points (MHz only: voltages
 * and power coefficients are not readable there). What is not known is left out, with a
 * ';' comment saying why, so the file has to be completed before devices/ loads it. Not
 * for reading device files.
 */
#ifndef ADASCALE_AGENT_INFO_H
#define ADASCALE_AGENT_INFO_H

#include <stdio.h>

#include "err.h"
#include "asys.h"

/* Writes the skeleton for s to f; ERR_IO when writing fails. */
int agent_info_write(FILE *f, const struct agent_sys *s);

#endif
