/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_UOA_H
#define TOA_UOA_H

#include <linux/rhashtable.h>
#include <linux/types.h>
#include <net/net_namespace.h>

/* The lookup key: what a server's socket sees, less the destination address. */
struct toa_uoa_key {
	unsigned long net; /* struct net *, entries go with their namespace */
	u16 af;            /* AF_INET or AF_INET6 */
	__be16 sport;      /* the load balancer's port */
	__be16 dport;      /* the server's port */
	u16 pad;           /* 0 */
	u8 saddr[16];      /* the load balancer's address (IPv4 in the first 4 bytes) */
};

/* One UDP mapping, (namespace, 4-tuple) -> client. Replaced whole when the client changes. */
struct toa_uoa_map {
	struct rhlist_head node;
	struct toa_uoa_key key;
	u8 daddr[16];
	u8 family;   /* the client's: AF_INET or AF_INET6 */
	u8 carrier;  /* enum toa_uoa_carrier */
	bool dead;   /* out of the table (under toa_uoa_lock) */
	__be16 port;
	u8 addr[16];
	u32 netns;   /* inode number, for listings */
	u32 packets; /* UOA datagrams seen */
	unsigned long born, last; /* jiffies */
	struct rcu_head rcu;
};

extern struct rhltable toa_uoa_table;
/* The UDP part is loaded (uoa=Y at load and getsockopt 2048 was free). */
extern bool toa_uoa_loaded;

/* Caller holds rcu_read_lock(): the live mapping for the 4-tuple (daddr may be zero). */
struct toa_uoa_map *toa_uoa_lookup(const struct net *net, u16 af, const u8 *saddr,
				   const u8 *daddr, __be16 sport, __be16 dport);
bool toa_uoa_live(const struct toa_uoa_map *m);
/* The same, and else through the node's namespace and conntrack (kmod/uoa_nat.c). */
struct toa_uoa_map *toa_uoa_find(struct net *net, u16 af, const u8 *saddr, const u8 *daddr,
				 __be16 sport, __be16 dport);

int toa_uoa_init(void);
void toa_uoa_exit(void);

#endif
