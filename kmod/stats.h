/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_STATS_H
#define TOA_STATS_H

#include <linux/percpu.h>
#include "toa/uapi.h"

struct toa_stats {
	u64 v[__TOA_STAT_MAX];
};

extern struct toa_stats __percpu *toa_stats;
extern const char *const toa_stat_names[__TOA_STAT_MAX];

#define toa_stat_inc(id) this_cpu_inc(toa_stats->v[TOA_STAT_##id])

void toa_stats_sum(u64 out[__TOA_STAT_MAX]);
int toa_stats_init(void);
void toa_stats_exit(void);

#endif
