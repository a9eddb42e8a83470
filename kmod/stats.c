// SPDX-License-Identifier: GPL-2.0
/* Per-CPU counters and /proc/net/toa_stats. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include "compat.h"
#include "stats.h"

struct toa_stats __percpu *toa_stats;

#define TOA_STAT_NAME_(id, name) [TOA_STAT_##id] = #name,
const char *const toa_stat_names[__TOA_STAT_MAX] = { TOA_STATS(TOA_STAT_NAME_) };
#undef TOA_STAT_NAME_

void toa_stats_sum(u64 out[__TOA_STAT_MAX])
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * __TOA_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct toa_stats *s = per_cpu_ptr(toa_stats, cpu);

		for (i = 0; i < __TOA_STAT_MAX; i++)
			out[i] += READ_ONCE(s->v[i]);
	}
}

/* One row per counter, a column per CPU, then the total, as the public modules print. */
static int toa_stats_show(struct seq_file *seq, void *v)
{
	u64 total[__TOA_STAT_MAX];
	int cpu, i;

	seq_printf(seq, "%-24s", "");
	for_each_online_cpu(cpu)
		seq_printf(seq, " %14s%-4d", "CPU", cpu);
	seq_printf(seq, " %18s\n", "total");
	toa_stats_sum(total);
	for (i = 0; i < __TOA_STAT_MAX; i++) {
		seq_printf(seq, "%-24s", toa_stat_names[i]);
		for_each_online_cpu(cpu)
			seq_printf(seq, " %18llu", READ_ONCE(per_cpu_ptr(toa_stats, cpu)->v[i]));
		seq_printf(seq, " %18llu\n", total[i]);
	}
	return 0;
}

int toa_stats_init(void)
{
	toa_stats = alloc_percpu(struct toa_stats);
	if (!toa_stats)
		return -ENOMEM;
	if (!proc_create_single("toa_stats", 0444, init_net.proc_net, toa_stats_show)) {
		free_percpu(toa_stats);
		return -ENOMEM;
	}
	return 0;
}

void toa_stats_exit(void)
{
	remove_proc_entry("toa_stats", init_net.proc_net);
	free_percpu(toa_stats);
}
