// SPDX-License-Identifier: GPL-2.0
/*
 * UDP mappings across namespaces and NAT. The hooks take a UOA carrier off in the first
 * namespace a datagram enters (on a Kubernetes node, the node's), ahead of conntrack:
 * kube-proxy's rules match UDP only, so a protocol-248 datagram would never be
 * translated, and behind MASQUERADE a pod could not tell the load balancer from anyone.
 * The mapping is kept there under the tuple the datagram arrived with. A socket that got
 * the datagram elsewhere (a pod) asks with its own tuple; this translates it back:
 *  - routed into the socket's namespace untranslated: the node's mapping of that tuple;
 *  - translated: the conntrack entry whose reply direction is the socket's tuple (in the
 *    socket's namespace, then the node's) gives the tuple as it arrived.
 * Either way only for a destination that is an address of the asking namespace: a pod
 * learns the clients of datagrams sent to it, not those of other pods.
 *
 * nf_conntrack is looked up by name (symbol_get) so that the module neither needs nor
 * pins it; without it only the first way applies.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <net/addrconf.h>
#include <net/if_inet6.h>
#include <net/route.h>
#include "compat.h"
#include "uoa_nat.h"
#ifdef COMPAT_HAVE_CONNTRACK
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_tuple.h>
#include <net/netfilter/nf_conntrack_zones.h>
#endif

#define TOA_UOA_NAT_ADDRS 16 /* addresses of a namespace tried for a wildcard */

static bool toa_uoa_local(struct net *net, u16 af, const u8 *addr)
{
	if (af == AF_INET) {
		__be32 a;

		memcpy(&a, addr, 4);
		return inet_addr_type(net, a) == RTN_LOCAL;
	}
#if IS_ENABLED(CONFIG_IPV6)
	return ipv6_chk_addr(net, (const struct in6_addr *)addr, NULL, 0);
#else
	return false;
#endif
}

#ifdef COMPAT_HAVE_CONNTRACK
/* The addresses of @net's devices but loopback, at most @max (16 bytes each). */
static int toa_uoa_addrs(struct net *net, u16 af, u8 (*out)[16], int max)
{
	struct net_device *dev;
	int n = 0;

	for_each_netdev_rcu(net, dev) {
		if (dev->flags & IFF_LOOPBACK)
			continue;
		if (af == AF_INET) {
			struct in_device *in_dev = __in_dev_get_rcu(dev);
			const struct in_ifaddr *ifa;

			if (!in_dev)
				continue;
			in_dev_for_each_ifa_rcu(ifa, in_dev) {
				if (n == max)
					return n;
				memset(out[n], 0, 16);
				memcpy(out[n++], &ifa->ifa_local, 4);
			}
		}
#if IS_ENABLED(CONFIG_IPV6)
		else {
			struct inet6_dev *idev = __in6_dev_get(dev);
			const struct inet6_ifaddr *ifp;

			if (!idev)
				continue;
			read_lock_bh(&idev->lock);
			list_for_each_entry(ifp, &idev->addr_list, if_list) {
				if (n == max)
					break;
				memcpy(out[n++], &ifp->addr, 16);
			}
			read_unlock_bh(&idev->lock);
			if (n == max)
				return n;
		}
#endif
	}
	return n;
}

typedef struct nf_conntrack_tuple_hash *(*toa_ct_find_t)(struct net *,
							 const struct nf_conntrack_zone *,
							 const struct nf_conntrack_tuple *);

/* The tuple the datagrams to @local from @saddr:@sport arrived with in @net, if NATed. */
static struct toa_uoa_map *toa_uoa_via_ct(toa_ct_find_t find, struct net *net, u16 af,
					  const u8 *saddr, const u8 *local, __be16 sport,
					  __be16 dport)
{
	const struct nf_conntrack_zone zone = {
		.id = NF_CT_DEFAULT_ZONE_ID,
		.dir = NF_CT_DEFAULT_ZONE_DIR,
	};
	struct nf_conntrack_tuple t = {};
	const struct nf_conntrack_tuple *o;
	struct nf_conntrack_tuple_hash *h;
	struct toa_uoa_map *m = NULL;
	unsigned int alen = af == AF_INET ? 4 : 16;
	struct nf_conn *ct;

	/* The reply direction: from the socket to the datagrams' source. */
	t.src.l3num = af;
	memcpy(&t.src.u3, local, alen);
	t.src.u.udp.port = dport;
	memcpy(&t.dst.u3, saddr, alen);
	t.dst.u.udp.port = sport;
	t.dst.protonum = IPPROTO_UDP;
	t.dst.dir = IP_CT_DIR_REPLY;
	h = find(net, &zone, &t);
	if (!h)
		return NULL;
	ct = nf_ct_tuplehash_to_ctrack(h);
	if (NF_CT_DIRECTION(h) == IP_CT_DIR_REPLY) {
		o = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
		m = toa_uoa_lookup(net, af, (const u8 *)&o->src.u3, (const u8 *)&o->dst.u3,
				   o->src.u.udp.port, o->dst.u.udp.port);
	}
	nf_conntrack_put(&ct->ct_general); /* not nf_ct_put(): no hard dependency */
	return m;
}

/* Through conntrack: for @daddr, or for each address of @net when it is the wildcard. */
static struct toa_uoa_map *toa_uoa_translated(struct net *net, u16 af, const u8 *saddr,
					      const u8 *daddr, __be16 sport, __be16 dport)
{
	static const u8 any[16];
	u8 addrs[TOA_UOA_NAT_ADDRS][16];
	struct toa_uoa_map *m = NULL;
	toa_ct_find_t find;
	bool wildcard = !memcmp(daddr, any, 16);
	int n = 1, i;

	if (!wildcard && !toa_uoa_local(net, af, daddr))
		return NULL;
	find = symbol_get(nf_conntrack_find_get);
	if (!find)
		return NULL; /* nf_conntrack not loaded: nothing was translated */
	if (wildcard)
		n = toa_uoa_addrs(net, af, addrs, TOA_UOA_NAT_ADDRS);
	else
		memcpy(addrs[0], daddr, 16);
	for (i = 0; i < n && !m; i++) {
		m = toa_uoa_via_ct(find, net, af, saddr, addrs[i], sport, dport);
		if (!m && !net_eq(net, &init_net))
			m = toa_uoa_via_ct(find, &init_net, af, saddr, addrs[i], sport, dport);
	}
	symbol_put(nf_conntrack_find_get);
	return m;
}
#else
static struct toa_uoa_map *toa_uoa_translated(struct net *net, u16 af, const u8 *saddr,
					      const u8 *daddr, __be16 sport, __be16 dport)
{
	return NULL;
}
#endif

struct toa_uoa_map *toa_uoa_lookup_nat(struct net *net, u16 af, const u8 *saddr,
				       const u8 *daddr, __be16 sport, __be16 dport)
{
	if (!net_eq(net, &init_net)) {
		struct toa_uoa_map *m = toa_uoa_lookup(&init_net, af, saddr, daddr, sport, dport);

		if (m && toa_uoa_local(net, af, m->daddr))
			return m;
	}
	return toa_uoa_translated(net, af, saddr, daddr, sport, dport);
}
