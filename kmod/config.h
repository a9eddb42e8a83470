/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_CONFIG_H
#define TOA_CONFIG_H

#include <linux/rcupdate.h>
#include <linux/types.h>
#include "cfgparse.h"
#include "toa/uapi.h"


/* Immutable once published; replaced whole under RCU, so a change is atomic. */
struct toa_config {
	struct rcu_head rcu;
	u32 formats; /* TOA_FMT_BIT() mask */
	bool transparent;
	bool syn; /* options on the SYN are read too (vendors that write there) */
	bool guard; /* the ingress guard (guard.c) */
	bool uoa; /* the UDP part: UOA carriers read and stripped */
	u32 uoa_timeout; /* seconds a UDP mapping is kept after its last UOA or lookup */
	u32 uoa_max; /* at most this many UDP mappings */
	unsigned int n_trusted;
	struct toa_cidr trusted[];
};

extern struct toa_config __rcu *toa_config;
/* The published config's syn, for the SYN hook's fast path (no RCU there). */
extern bool toa_config_syn;
/* ... and its guard, for the guard's netfilter hooks. */
extern bool toa_config_guard;
/* The published config's uoa, for the netfilter hooks' fast path. */
extern bool toa_config_uoa;

#define TOA_UOA_TIMEOUT_DEFAULT 360
#define TOA_UOA_TIMEOUT_MAX (24 * 3600)
#define TOA_UOA_MAX_DEFAULT 65536
#define TOA_UOA_MAX_MAX (16 * 1024 * 1024)

/* Caller holds rcu_read_lock(). An empty list trusts every source. */
static inline const struct toa_config *toa_config_get(void)
{
	return rcu_dereference(toa_config);
}

bool toa_config_trusts(const struct toa_config *cfg, u8 family, const void *saddr);

/* Configuration belongs to the node: changes only from the initial network namespace. */
bool toa_config_may_change(void);

/* Builds a copy of the current config, lets @edit change it, publishes it. */
int toa_config_update(int (*edit)(struct toa_config **cfg, void *arg), void *arg);

/* Runs @fn with the published config, no change can happen meanwhile. */
int toa_config_locked(int (*fn)(const struct toa_config *cfg));

/* In an edit: the trusted list becomes @cidrs (the config grows when it must). */
int toa_config_set_trusted(struct toa_config **cfg, const struct toa_cidr *cidrs, unsigned int n);

int toa_config_init(void);
void toa_config_exit(void);
void toa_config_log(const char *what);

#endif
