// SPDX-License-Identifier: GPL-2.0
/*
 * UDP: DPVS's UOA (UDP Option of Address). Netfilter PRE_ROUTING hooks, IPv4 and IPv6,
 * in every network namespace (pernet_operations), after defragmentation and ahead of
 * conntrack, read the client from the two carriers (ipo: IPv4 option 31; opp: IP
 * protocol 248), strip the carrier so that the rest of the stack (conntrack, NAT,
 * forwarding, the socket) sees a plain UDP datagram, consume the address-only datagrams,
 * and keep (namespace, family, source, destination, ports) -> client, the tuple as the
 * datagram arrived, in a bounded table whose entries expire uoa_timeout seconds after
 * their last UOA datagram or lookup. Sockets behind a translation (a pod behind
 * kube-proxy) are answered through kmod/uoa_nat.c.
 * getsockopt(IPPROTO_IP, UOA_SO_GET_LOOKUP) answers with DPVS's struct uoa_param_map,
 * TOA_UOA_SO_GET_CLIENT with ours; /proc/net/uoa_stats prints DPVS's counters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate_wait.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>
#include <linux/udp.h>
#include <linux/workqueue.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include "compat.h"
#include "config.h"
#include "stats.h"
#include "uoa.h"
#include "uoa_nat.h"
#include "uoa_parse.h"
#include "toa/uapi.h"

static_assert(sizeof(struct uoa_param_map) == 58);
static_assert(sizeof(struct toa_ipopt_uoa) == 4);
static_assert(sizeof(struct toa_opphdr) == 4);
static_assert(sizeof(struct toa_uoa_client_info) == 88);
static_assert(offsetof(struct uoa_param_map, real_af) == 38);
static_assert(offsetof(struct uoa_param_map, real_sport) == 56);
static_assert(sizeof(struct toa_uoa_key) == sizeof(unsigned long) + 24);

struct rhltable toa_uoa_table;
bool toa_uoa_loaded;
static DEFINE_SPINLOCK(toa_uoa_lock); /* writers of the table */
static atomic_t toa_uoa_count = ATOMIC_INIT(0);
static struct delayed_work toa_uoa_gc_work;
DEFINE_STATIC_SRCU(toa_uoa_srcu);

static const struct rhashtable_params toa_uoa_params = {
	.head_offset = offsetof(struct toa_uoa_map, node),
	.key_offset = offsetof(struct toa_uoa_map, key),
	.key_len = sizeof(struct toa_uoa_key),
	.automatic_shrinking = true,
};

static unsigned long toa_uoa_timeout(void)
{
	const struct toa_config *cfg;
	unsigned long t;

	rcu_read_lock();
	cfg = toa_config_get();
	t = (unsigned long)cfg->uoa_timeout * HZ;
	rcu_read_unlock();
	return t;
}

static bool toa_uoa_expired(const struct toa_uoa_map *m, unsigned long timeout)
{
	return time_after(jiffies, READ_ONCE(m->last) + timeout);
}

bool toa_uoa_live(const struct toa_uoa_map *m)
{
	return !READ_ONCE(m->dead) && !toa_uoa_expired(m, toa_uoa_timeout());
}

static void toa_uoa_key_fill(struct toa_uoa_key *k, const struct net *net, u16 af,
			     const u8 *saddr, __be16 sport, __be16 dport)
{
	memset(k, 0, sizeof(*k));
	k->net = (unsigned long)net;
	k->af = af;
	k->sport = sport;
	k->dport = dport;
	memcpy(k->saddr, saddr, af == AF_INET ? 4 : 16);
}

static bool toa_uoa_addr_any(const u8 *a)
{
	static const u8 zero[16];

	return !memcmp(a, zero, 16);
}

struct toa_uoa_map *toa_uoa_lookup(const struct net *net, u16 af, const u8 *saddr,
				   const u8 *daddr, __be16 sport, __be16 dport)
{
	unsigned long timeout = toa_uoa_timeout();
	struct rhlist_head *list, *pos;
	struct toa_uoa_key key;
	struct toa_uoa_map *m;
	u8 d[16] = {};

	toa_uoa_key_fill(&key, net, af, saddr, sport, dport);
	memcpy(d, daddr, af == AF_INET ? 4 : 16);
	list = rhltable_lookup(&toa_uoa_table, &key, toa_uoa_params);
	rhl_for_each_entry_rcu(m, pos, list, node) {
		if (READ_ONCE(m->dead) || toa_uoa_expired(m, timeout))
			continue;
		if (toa_uoa_addr_any(d) || !memcmp(m->daddr, d, 16))
			return m;
	}
	return NULL;
}

struct toa_uoa_map *toa_uoa_find(struct net *net, u16 af, const u8 *saddr, const u8 *daddr,
				 __be16 sport, __be16 dport)
{
	struct toa_uoa_map *m = toa_uoa_lookup(net, af, saddr, daddr, sport, dport);

	if (m || !atomic_read(&toa_uoa_count))
		return m; /* no mappings at all: a server without UOA pays nothing more */
	m = toa_uoa_lookup_nat(net, af, saddr, daddr, sport, dport);
	if (m)
		toa_stat_inc(UOA_LOOKUP_NAT);
	return m;
}

/* Under toa_uoa_lock. */
static void toa_uoa_unlink(struct toa_uoa_map *m)
{
	if (m->dead)
		return;
	m->dead = true;
	rhltable_remove(&toa_uoa_table, &m->node, toa_uoa_params);
	atomic_dec(&toa_uoa_count);
	kfree_rcu(m, rcu);
}

struct toa_uoa_seen {
	u8 af; /* AF_INET or AF_INET6 */
	u8 carrier;
	const u8 *saddr, *daddr;
	__be16 sport, dport;
	const struct toa_uoa_parsed *uoa;
};

static void toa_uoa_save(const struct net *net, const struct toa_uoa_seen *s, u32 max)
{
	struct rhlist_head *list, *pos;
	struct toa_uoa_map *m, *old = NULL;
	struct toa_uoa_key key;
	u8 daddr[16] = {};
	int err;

	toa_uoa_key_fill(&key, net, s->af, s->saddr, s->sport, s->dport);
	memcpy(daddr, s->daddr, s->af == AF_INET ? 4 : 16);
	spin_lock_bh(&toa_uoa_lock);
	list = rhltable_lookup(&toa_uoa_table, &key, toa_uoa_params);
	rhl_for_each_entry_rcu(m, pos, list, node) {
		if (!m->dead && !memcmp(m->daddr, daddr, 16)) {
			old = m;
			break;
		}
	}
	if (old && old->family == s->uoa->family && old->port == *(__be16 *)s->uoa->port &&
	    !memcmp(old->addr, s->uoa->addr, 16)) {
		/* The same client again (the first N datagrams of a flow): refreshed. */
		WRITE_ONCE(old->last, jiffies);
		WRITE_ONCE(old->packets, old->packets + 1);
		WRITE_ONCE(old->carrier, s->carrier);
		spin_unlock_bh(&toa_uoa_lock);
		toa_stat_inc(UOA_SAVED);
		return;
	}
	if (!old && (u32)atomic_read(&toa_uoa_count) >= max) {
		spin_unlock_bh(&toa_uoa_lock);
		toa_stat_inc(UOA_FULL);
		mod_delayed_work(system_wq, &toa_uoa_gc_work, 0); /* expired ones may go */
		return;
	}
	m = kzalloc(sizeof(*m), GFP_ATOMIC);
	if (!m) {
		spin_unlock_bh(&toa_uoa_lock);
		toa_stat_inc(UOA_MISS);
		return;
	}
	m->key = key;
	memcpy(m->daddr, daddr, 16);
	m->family = s->uoa->family;
	m->carrier = s->carrier;
	memcpy(&m->port, s->uoa->port, 2);
	memcpy(m->addr, s->uoa->addr, 16);
	m->netns = net->ns.inum;
	m->packets = 1;
	m->born = m->last = jiffies;
	/* The new one in before the old one out: a reader finds one or the other. */
	err = rhltable_insert(&toa_uoa_table, &m->node, toa_uoa_params);
	if (err) {
		spin_unlock_bh(&toa_uoa_lock);
		kfree(m);
		toa_stat_inc(UOA_MISS);
		return;
	}
	atomic_inc(&toa_uoa_count);
	if (old) {
		toa_uoa_unlink(old);
		toa_stat_inc(UOA_REPLACED);
	}
	spin_unlock_bh(&toa_uoa_lock);
	toa_stat_inc(UOA_SAVED);
}

/* Removes the mappings @match picks (all when it is NULL); in process context. */
static void toa_uoa_sweep(bool (*match)(const struct toa_uoa_map *m, void *arg), void *arg,
			  bool count_expired)
{
	struct rhashtable_iter iter;
	struct toa_uoa_map *m;

	rhashtable_walk_enter(&toa_uoa_table.ht, &iter);
	rhashtable_walk_start(&iter);
	while ((m = rhashtable_walk_next(&iter))) {
		if (IS_ERR(m)) {
			if (PTR_ERR(m) == -EAGAIN)
				continue;
			break;
		}
		if (READ_ONCE(m->dead) || (match && !match(m, arg)))
			continue;
		spin_lock_bh(&toa_uoa_lock);
		if (!m->dead) {
			toa_uoa_unlink(m);
			if (count_expired)
				toa_stat_inc(UOA_EXPIRED);
		}
		spin_unlock_bh(&toa_uoa_lock);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

static bool toa_uoa_match_expired(const struct toa_uoa_map *m, void *arg)
{
	return toa_uoa_expired(m, *(unsigned long *)arg);
}

static bool toa_uoa_match_net(const struct toa_uoa_map *m, void *arg)
{
	return m->key.net == (unsigned long)arg;
}

static void toa_uoa_gc(struct work_struct *work)
{
	unsigned long timeout = toa_uoa_timeout();

	toa_uoa_sweep(toa_uoa_match_expired, &timeout, true);
	/*
	 * Lookups never answer from an expired mapping; the sweep only gives the memory
	 * back: an expired mapping stays at most 5 s (a sweep of 100k takes about a ms).
	 */
	schedule_delayed_work(&toa_uoa_gc_work, clamp(timeout / 8, (unsigned long)HZ, 5UL * HZ));
}

/*
 * Carrier stripping. The hooks see the packet with skb->data at the IP header; the
 * first @hlen bytes of it are moved @gap bytes on (over the carrier), with the link
 * header before them, so that the IP header directly precedes what followed the carrier.
 */
static int toa_uoa_close_gap(struct sk_buff *skb, unsigned int hlen, unsigned int gap)
{
	u8 *nh;

	if (skb_network_offset(skb) != 0 || skb_ensure_writable(skb, hlen + gap))
		return -ENOMEM;
	nh = skb_network_header(skb);
	memmove(nh + gap, nh, hlen);
	if (skb_mac_header_was_set(skb) && skb->mac_len &&
	    skb_mac_header(skb) + skb->mac_len == nh) {
		memmove(skb_mac_header(skb) + gap, skb_mac_header(skb), skb->mac_len);
		skb->mac_header += gap;
	}
	__skb_pull(skb, gap);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, hlen);
	/* The bytes changed under a device's whole-packet sum: the stack sums again. */
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_NONE;
	return 0;
}

/*
 * What was read, to the table if the source is trusted. Returns NF_STOLEN when the
 * datagram was an address-only one (consumed), NF_ACCEPT otherwise.
 */
static unsigned int toa_uoa_found(struct net *net, struct sk_buff *skb,
				  const struct toa_uoa_seen *s, const struct udphdr *uh)
{
	const struct toa_config *cfg = toa_config_get(); /* hooks run under RCU */

	toa_stat_inc(UOA_GOT);
	if (s->uoa->n_uoa > 1)
		toa_stat_inc(UOA_MULTI);
	/*
	 * With the guard on, the node's namespace took every genuine carrier off as the
	 * datagram arrived: one that reaches another namespace came another way (from a
	 * pod over the bridge, from a raw socket) and is nobody's to trust.
	 */
	if ((cfg->guard && !net_eq(net, &init_net)) ||
	    !toa_config_trusts(cfg, s->af, s->saddr)) {
		toa_stat_inc(UOA_UNTRUSTED);
		return NF_ACCEPT;
	}
	toa_uoa_save(net, s, cfg->uoa_max);
	if (ntohs(uh->len) == sizeof(*uh)) {
		toa_stat_inc(UOA_EMPTY);
		consume_skb(skb);
		return NF_STOLEN;
	}
	return NF_ACCEPT;
}

static void toa_uoa_count_bad(const struct toa_uoa_parsed *p, int res)
{
	if (res == TOA_UOA_MALFORMED || p->n_bad)
		toa_stat_inc(UOA_MALFORMED);
}

/*
 * ipo: an IPv4 UDP datagram with options. Of a fragmented one (no defragmentation in
 * this namespace), the first fragment: the option is not copied into the others, the
 * ports are in the first.
 */
static unsigned int toa_uoa_rcv_ipo(struct net *net, struct sk_buff *skb)
{
	unsigned int hlen = ip_hdrlen(skb);
	struct toa_uoa_parsed p;
	struct toa_uoa_seen s;
	struct iphdr *iph;
	struct udphdr *uh;
	int res, nops;

	if (ip_hdr(skb)->frag_off & htons(IP_OFFSET))
		return NF_ACCEPT;
	if (!pskb_may_pull(skb, hlen + sizeof(*uh)))
		return NF_ACCEPT; /* UDP drops it */
	iph = ip_hdr(skb);
	res = toa_uoa_parse_options((const u8 *)(iph + 1), hlen - sizeof(*iph), &p);
	if (!p.n_uoa && !p.n_bad) {
		toa_stat_inc(UOA_NONE);
		return NF_ACCEPT; /* other options: not ours to touch */
	}
	toa_uoa_count_bad(&p, res);
	if (skb_ensure_writable(skb, hlen)) {
		toa_stat_inc(UOA_DROPPED);
		return NF_DROP;
	}
	iph = ip_hdr(skb);
	nops = toa_uoa_nop_options((u8 *)(iph + 1), hlen - sizeof(*iph));
	if (nops < 0) {
		/* The kernel let no such list through; never deliver a carrier unstripped. */
		toa_stat_inc(UOA_DROPPED);
		return NF_DROP;
	}
	if (nops == 1 && !toa_uoa_close_gap(skb, sizeof(*iph), hlen - sizeof(*iph))) {
		/* Nothing but the carrier: the options go whole. */
		iph = ip_hdr(skb);
		iph->ihl = 5;
		iph->tot_len = htons(ntohs(iph->tot_len) - (hlen - sizeof(*iph)));
		memset(&IPCB(skb)->opt, 0, sizeof(IPCB(skb)->opt));
		hlen = sizeof(*iph);
	} else if (skb->ip_summed == CHECKSUM_COMPLETE) {
		skb->ip_summed = CHECKSUM_NONE; /* the option bytes changed in place */
	}
	ip_send_check(iph);
	if (res != TOA_UOA_FOUND)
		return NF_ACCEPT;
	uh = (struct udphdr *)(skb_network_header(skb) + hlen);
	s.af = AF_INET;
	s.carrier = TOA_UOA_CARRIER_IPO;
	s.saddr = (const u8 *)&iph->saddr;
	s.daddr = (const u8 *)&iph->daddr;
	s.sport = uh->source;
	s.dport = uh->dest;
	s.uoa = &p;
	return toa_uoa_found(net, skb, &s, uh);
}

/*
 * opp: @hlen bytes of IP header (IPv4 with its options, or IPv6 without extension
 * headers), then the opp header. Stripped, or the packet dropped: nothing else on the
 * node reads protocol 248.
 */
static unsigned int toa_uoa_rcv_opp(struct net *net, struct sk_buff *skb, u8 af,
				    unsigned int hlen)
{
	struct toa_uoa_opp opp;
	struct toa_uoa_seen s;
	struct udphdr *uh;
	unsigned int olen;
	const u8 *o;

	if (!pskb_may_pull(skb, hlen + sizeof(struct toa_opphdr)))
		goto drop;
	o = skb_network_header(skb) + hlen;
	olen = (unsigned int)o[2] << 8 | o[3];
	if (olen > skb->len - hlen || !pskb_may_pull(skb, hlen + olen + sizeof(*uh)))
		goto drop;
	o = skb_network_header(skb) + hlen;
	if (toa_uoa_parse_opp(o, skb->len - hlen, &opp))
		goto drop;
	toa_uoa_count_bad(&opp.uoa, opp.result);
	if (toa_uoa_close_gap(skb, hlen, opp.hdrlen))
		goto drop_unstripped;
	if (af == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		iph->protocol = opp.protocol;
		iph->tot_len = htons(ntohs(iph->tot_len) - opp.hdrlen);
		ip_send_check(iph);
		s.af = AF_INET;
		s.saddr = (const u8 *)&iph->saddr;
		s.daddr = (const u8 *)&iph->daddr;
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ip6h->nexthdr = opp.protocol;
		ip6h->payload_len = htons(ntohs(ip6h->payload_len) - opp.hdrlen);
		s.af = AF_INET6;
		s.saddr = (const u8 *)&ip6h->saddr;
		s.daddr = (const u8 *)&ip6h->daddr;
	}
	if (opp.result != TOA_UOA_FOUND) {
		if (opp.result == TOA_UOA_NONE && !opp.uoa.n_bad)
			toa_stat_inc(UOA_NONE);
		return NF_ACCEPT;
	}
	uh = udp_hdr(skb);
	s.carrier = TOA_UOA_CARRIER_OPP;
	s.sport = uh->source;
	s.dport = uh->dest;
	s.uoa = &opp.uoa;
	return toa_uoa_found(net, skb, &s, uh);

drop:
	toa_stat_inc(UOA_MALFORMED);
drop_unstripped:
	toa_stat_inc(UOA_DROPPED);
	return NF_DROP;
}

static unsigned int toa_uoa_hook4(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (likely(iph->protocol != TOA_UOA_IPPROTO_OPP)) {
		if (likely(iph->ihl == 5) || iph->protocol != IPPROTO_UDP) {
			if (iph->protocol == IPPROTO_UDP)
				toa_stat_inc(UOA_NONE);
			return NF_ACCEPT;
		}
		if (!READ_ONCE(toa_config_uoa))
			return NF_ACCEPT;
		return toa_uoa_rcv_ipo(state->net, skb);
	}
	if (!READ_ONCE(toa_config_uoa))
		return NF_ACCEPT;
	if (ip_is_fragment(iph)) {
		/*
		 * The opp header is stripped from the whole datagram: reassembled here when
		 * no defragmentation (conntrack's) ran before this hook.
		 */
		int err;

		local_bh_disable();
		err = ip_defrag(state->net, skb, IP_DEFRAG_CONNTRACK_IN);
		local_bh_enable();
		if (err)
			return NF_STOLEN; /* kept for its other fragments, or freed */
		skb->ignore_df = 1;
	}
	return toa_uoa_rcv_opp(state->net, skb, AF_INET, ip_hdrlen(skb));
}

#if IS_ENABLED(CONFIG_IPV6)
static unsigned int toa_uoa_hook6(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);

	if (likely(ip6h->nexthdr != TOA_UOA_IPPROTO_OPP)) {
		if (ip6h->nexthdr == IPPROTO_UDP)
			toa_stat_inc(UOA_NONE);
		return NF_ACCEPT;
	}
	if (!READ_ONCE(toa_config_uoa))
		return NF_ACCEPT;
	/* With a hop-by-hop header the opp one would follow it: not read (as DPVS). */
	if (skb_transport_offset(skb) != sizeof(*ip6h)) {
		toa_stat_inc(UOA_UNSUPPORTED);
		return NF_ACCEPT;
	}
	return toa_uoa_rcv_opp(state->net, skb, AF_INET6, sizeof(*ip6h));
}
#endif

/*
 * Where the datagram enters the namespace, after defragmentation and before conntrack
 * (and so before the raw table, NAT, routing and forwarding). DPVS reads at LOCAL_IN,
 * after NAT; here the carrier must be gone before conntrack and kube-proxy's rules see
 * the datagram (they match UDP, not protocol 248), and the tuple kept is the one the
 * load balancer sent, which kmod/uoa_nat.c translates for the sockets behind NAT.
 */
static const struct nf_hook_ops toa_uoa_nf_ops[] = {
	{
		.hook = toa_uoa_hook4,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_CONNTRACK_DEFRAG + 1,
	},
#if IS_ENABLED(CONFIG_IPV6)
	{
		.hook = toa_uoa_hook6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_CONNTRACK_DEFRAG + 1,
	},
#endif
};

static int __net_init toa_uoa_net_init(struct net *net)
{
	return nf_register_net_hooks(net, toa_uoa_nf_ops, ARRAY_SIZE(toa_uoa_nf_ops));
}

static void __net_exit toa_uoa_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, toa_uoa_nf_ops, ARRAY_SIZE(toa_uoa_nf_ops));
	toa_uoa_sweep(toa_uoa_match_net, net, false); /* the key holds the pointer */
}

static struct pernet_operations toa_uoa_net_ops = {
	.init = toa_uoa_net_init,
	.exit = toa_uoa_net_exit,
};

/* getsockopt */

static int toa_uoa_req(u16 *af, u8 *saddr, u8 *daddr)
{
	if (*af == AF_INET) {
		memset(saddr + 4, 0, 12);
		memset(daddr + 4, 0, 12);
		return 0;
	}
	if (*af != AF_INET6)
		return -ENOENT; /* as DPVS: no mapping has that family */
	/* A dual-stack socket's IPv4 peer: ::ffff:a.b.c.d (an extension of DPVS's ABI). */
	if (ipv6_addr_v4mapped((const struct in6_addr *)saddr)) {
		const struct in6_addr *d = (const struct in6_addr *)daddr;

		if (!ipv6_addr_v4mapped(d) && !ipv6_addr_any(d))
			return -ENOENT;
		*af = AF_INET;
		memmove(saddr, saddr + 12, 4);
		memset(saddr + 4, 0, 12);
		memmove(daddr, daddr + 12, 4);
		memset(daddr + 4, 0, 12);
	}
	return 0;
}

static int toa_uoa_get(struct sock *sk, int optval, void __user *user, int *len)
{
	union {
		struct uoa_param_map pm;
		struct toa_uoa_client_info ci;
	} u;
	int size = optval == UOA_SO_GET_LOOKUP ? sizeof(u.pm) : sizeof(u.ci);
	u8 saddr[16], daddr[16];
	const struct toa_uoa_map *m;
	__be16 sport, dport;
	int err;
	u16 af;

	if (*len < size) {
		toa_stat_inc(UOA_LOOKUP_INVALID);
		return -EINVAL;
	}
	if (copy_from_user(&u, user, size))
		return -EFAULT;
	if (optval == UOA_SO_GET_LOOKUP) {
		af = u.pm.af;
		memcpy(saddr, u.pm.saddr, 16);
		memcpy(daddr, u.pm.daddr, 16);
		sport = u.pm.sport;
		dport = u.pm.dport;
	} else {
		af = u.ci.af;
		memcpy(saddr, u.ci.saddr, 16);
		memcpy(daddr, u.ci.daddr, 16);
		sport = u.ci.sport;
		dport = u.ci.dport;
	}
	err = toa_uoa_req(&af, saddr, daddr);
	if (err) {
		toa_stat_inc(UOA_LOOKUP_MISS);
		return err;
	}
	rcu_read_lock();
	m = toa_uoa_find(sock_net(sk), af, saddr, daddr, sport, dport);
	if (m) {
		unsigned long now = jiffies;

		if (READ_ONCE(m->last) != now)
			WRITE_ONCE(((struct toa_uoa_map *)m)->last, now); /* in use: kept */
		if (optval == UOA_SO_GET_LOOKUP) {
			u.pm.real_af = m->family;
			memset(u.pm.real_saddr, 0, 16);
			memcpy(u.pm.real_saddr, m->addr, m->family == AF_INET ? 4 : 16);
			u.pm.real_sport = m->port;
		} else {
			u.ci.family = m->family;
			u.ci.carrier = READ_ONCE(m->carrier);
			u.ci.port = m->port;
			u.ci.age_ms = jiffies_to_msecs(now - m->born);
			u.ci.idle_ms = 0;
			u.ci.packets = READ_ONCE(m->packets);
			memset(u.ci.addr, 0, 16);
			memcpy(u.ci.addr, m->addr, m->family == AF_INET ? 4 : 16);
			memcpy(u.ci.local_addr, m->daddr, 16);
		}
	}
	rcu_read_unlock();
	if (!m) {
		toa_stat_inc(UOA_LOOKUP_MISS);
		return -ENOENT;
	}
	if (copy_to_user(user, &u, size))
		return -EFAULT;
	*len = size;
	toa_stat_inc(UOA_LOOKUP_OK);
	return 0;
}

static int toa_uoa_nf_get(struct sock *sk, int optval, void __user *user, int *len)
{
	int idx = srcu_read_lock(&toa_uoa_srcu);
	int ret = toa_uoa_get(sk, optval, user, len);

	srcu_read_unlock(&toa_uoa_srcu, idx);
	return ret;
}

/* No .owner, as sockopt.c: toa_uoa_exit() waits callers out instead. */
static struct nf_sockopt_ops toa_uoa_nf_sockopt = {
	.pf = PF_INET,
	.set_optmin = UOA_BASE_CTL,
	.set_optmax = UOA_BASE_CTL, /* no set options */
	.get_optmin = UOA_BASE_CTL,
	.get_optmax = TOA_UOA_SO_GET_MAX + 1,
	.get = toa_uoa_nf_get,
};

/* /proc/net/uoa_stats and uoa_stats_percpu: DPVS's layout, for its monitoring. */

#define TOA_UOA_PROC_COLS(X, v)                                                           \
	X(v[TOA_STAT_UOA_LOOKUP_OK]), X(v[TOA_STAT_UOA_LOOKUP_MISS]),                     \
	X(v[TOA_STAT_UOA_LOOKUP_INVALID]), X(v[TOA_STAT_UOA_GOT]), X(v[TOA_STAT_UOA_NONE]), \
	X(v[TOA_STAT_UOA_SAVED]), X(v[TOA_STAT_UOA_ACK_FAIL])
#define TOA_UOA_COL_(x) (x)

static int toa_uoa_stats_show(struct seq_file *seq, void *v)
{
	u64 t[__TOA_STAT_MAX];

	toa_stats_sum(t);
	seq_puts(seq, " Success     Miss  Invalid|UOA  Got     None    Saved Ack-Fail\n");
	seq_printf(seq, "%8llu %8llu %8llu %8llu %8llu %8llu %8llu\n",
		   TOA_UOA_PROC_COLS(TOA_UOA_COL_, t));
	return 0;
}

static int toa_uoa_stats_percpu_show(struct seq_file *seq, void *v)
{
	int cpu;

	seq_puts(seq, "CPU  Success     Miss  Invalid|UOA  Got     None    Saved Ack-Fail\n");
	for_each_possible_cpu(cpu) {
		const u64 *c = per_cpu_ptr(toa_stats, cpu)->v;

		seq_printf(seq, "%3X  %8llu %8llu %8llu %8llu %8llu %8llu %8llu\n", cpu,
			   TOA_UOA_PROC_COLS(READ_ONCE, c));
	}
	return 0;
}

static int toa_uoa_edit_off(struct toa_config **cfg, void *arg)
{
	(*cfg)->uoa = false;
	return 0;
}

int toa_uoa_init(void)
{
	const struct toa_config *cfg;
	bool on;
	int err;

	rcu_read_lock();
	cfg = toa_config_get();
	on = cfg->uoa;
	rcu_read_unlock();
	if (!on) {
		pr_info("UDP part (UOA) not loaded: uoa=N\n");
		return 0;
	}
	err = rhltable_init(&toa_uoa_table, &toa_uoa_params);
	if (err)
		return err;
	INIT_DELAYED_WORK(&toa_uoa_gc_work, toa_uoa_gc);
	/* The getsockopt range first: it says whether DPVS's uoa.ko is there. */
	err = nf_register_sockopt(&toa_uoa_nf_sockopt);
	if (err) {
		pr_err("UDP part (UOA) not loaded: getsockopt %d..%d is taken (DPVS's uoa.ko loaded?): %d; the TCP part loads without it\n",
		       UOA_BASE_CTL, TOA_UOA_SO_GET_MAX, err);
		rhltable_destroy(&toa_uoa_table);
		toa_config_update(toa_uoa_edit_off, NULL); /* the load line and sysfs say uoa=off */
		return 0;
	}
	if (!proc_create_single("uoa_stats", 0444, init_net.proc_net, toa_uoa_stats_show) ||
	    !proc_create_single("uoa_stats_percpu", 0444, init_net.proc_net,
				toa_uoa_stats_percpu_show)) {
		err = -ENOMEM;
		goto err_proc;
	}
	err = register_pernet_subsys(&toa_uoa_net_ops);
	if (err)
		goto err_proc;
	schedule_delayed_work(&toa_uoa_gc_work, HZ);
	toa_uoa_loaded = true;
	return 0;

err_proc:
	remove_proc_entry("uoa_stats_percpu", init_net.proc_net);
	remove_proc_entry("uoa_stats", init_net.proc_net);
	nf_unregister_sockopt(&toa_uoa_nf_sockopt);
	rhltable_destroy(&toa_uoa_table);
	return err;
}

static void toa_uoa_free(void *ptr, void *arg)
{
	kfree(ptr);
}

void toa_uoa_exit(void)
{
	if (!toa_uoa_loaded)
		return;
	toa_uoa_loaded = false;
	nf_unregister_sockopt(&toa_uoa_nf_sockopt);
	synchronize_rcu_tasks(); /* tasks between netfilter's lookup and our SRCU section */
	synchronize_srcu(&toa_uoa_srcu);
	synchronize_rcu_tasks(); /* and between leaving it and returning */
	unregister_pernet_subsys(&toa_uoa_net_ops); /* every namespace: hooks, mappings */
	cancel_delayed_work_sync(&toa_uoa_gc_work);
	remove_proc_entry("uoa_stats_percpu", init_net.proc_net);
	remove_proc_entry("uoa_stats", init_net.proc_net);
	synchronize_rcu(); /* no reader of the table left */
	rhltable_free_and_destroy(&toa_uoa_table, toa_uoa_free, NULL);
	atomic_set(&toa_uoa_count, 0);
}
