/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_GETNAME_H
#define TOA_GETNAME_H

#include "compat.h"

/* At the entry of inet_getname() and inet6_getname() (hook.c registers it). */
TOA_FTRACE_CALLBACK(toa_getname_hook);

#endif
