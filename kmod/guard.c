// SPDX-License-Identifier: GPL-2.0
/*
 * The ingress guard (parameter `guard`). Behind kube-proxy's SNAT a pod's peer is the
 * node, so a pod cannot judge a TOA option by its source. The guard judges it where the
 * source is still the real one: in the initial namespace, ahead of conntrack and NAT,
 * the options of every TCP packet from a source outside `trusted` become NOPs (the
 * checksum follows). Packets that still carry one after that, as they leave the
 * namespace (after NAT), are remembered by their translated 4-tuple and sequence
 * number; another namespace then trusts an option only on a packet remembered so. A
 * packet that reached a pod any other way (from another pod over the bridge, a
 * spoofed source) was never seen leaving, so its option is not read.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include "config.h"
#include "guard.h"
#include "parse.h"
#include "stats.h"

/* A record of a packet let through; found by the pod's handshake within a few seconds. */
struct toa_vouch {
	unsigned long expires; /* jiffies; 0: empty */
	__be32 seq;
	__be16 sport, dport;
	u8 family;
	u8 saddr[16], daddr[16];
};

#define TOA_VOUCH_BUCKET_BITS 12
#define TOA_VOUCH_WAYS 8
#define TOA_VOUCH_LOCKS 64
#define TOA_VOUCH_TTL (5 * HZ)

static struct toa_vouch toa_vouch_tab[1 << TOA_VOUCH_BUCKET_BITS][TOA_VOUCH_WAYS];
static spinlock_t toa_vouch_locks[TOA_VOUCH_LOCKS];
static u32 toa_vouch_seed __read_mostly;

struct toa_tcp_pkt {
	u8 family; /* AF_INET or AF_INET6 */
	const void *saddr, *daddr;
	struct tcphdr *th;
	unsigned int thoff;
};

/* The TCP header of an IPv4 or IPv6 packet with options, pulled in; false otherwise. */
static bool toa_guard_tcp(struct sk_buff *skb, u8 pf, struct toa_tcp_pkt *t)
{
	unsigned int doff;

	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		if (iph->protocol != IPPROTO_TCP || ip_is_fragment(iph))
			return false;
		t->thoff = iph->ihl * 4;
		t->family = AF_INET;
	} else {
		__be16 frag_off = 0;
		u8 nexthdr = ipv6_hdr(skb)->nexthdr;
		int off = ipv6_skip_exthdr(skb, sizeof(struct ipv6hdr), &nexthdr, &frag_off);

		if (off < 0 || nexthdr != IPPROTO_TCP || frag_off)
			return false;
		t->thoff = off;
		t->family = AF_INET6;
	}
	if (!pskb_may_pull(skb, t->thoff + sizeof(struct tcphdr)))
		return false;
	doff = ((struct tcphdr *)(skb_network_header(skb) + t->thoff))->doff * 4;
	if (doff <= sizeof(struct tcphdr) || !pskb_may_pull(skb, t->thoff + doff))
		return false;
	t->th = (struct tcphdr *)(skb_network_header(skb) + t->thoff);
	if (t->family == AF_INET) {
		t->saddr = &ip_hdr(skb)->saddr;
		t->daddr = &ip_hdr(skb)->daddr;
	} else {
		t->saddr = &ipv6_hdr(skb)->saddr;
		t->daddr = &ipv6_hdr(skb)->daddr;
	}
	return true;
}

/*
 * Most packets: not TCP, or TCP whose options (none, or only the timestamps, on most)
 * hold no kind a format uses, headers in the linear part. Nothing in them to strip or
 * vouch for, and no pull or extension-header walk spent on them. The rest (the load
 * balancer's packets, IPv6 extension headers, headers not linear) take the full path.
 */
static bool toa_guard_plain(const struct sk_buff *skb, u8 pf)
{
	const struct tcphdr *th;
	unsigned int thoff, len;
	u8 proto;

	if (pf == NFPROTO_IPV4) {
		proto = ip_hdr(skb)->protocol;
		thoff = ip_hdr(skb)->ihl * 4;
	} else {
		proto = ipv6_hdr(skb)->nexthdr; /* extension headers: the full path */
		thoff = sizeof(struct ipv6hdr);
		if (proto != IPPROTO_TCP)
			return proto == IPPROTO_UDP || proto == IPPROTO_ICMPV6;
	}
	if (proto != IPPROTO_TCP)
		return true;
	if (skb_headlen(skb) < skb_network_offset(skb) + thoff + sizeof(*th) + 4)
		return false;
	th = (const struct tcphdr *)(skb_network_header(skb) + thoff);
	if (th->doff == 5)
		return true;
	if (th->doff == 8 && !memcmp(th + 1, "\x01\x01\x08\x0a", 4))
		return true; /* NOP NOP timestamps: an established connection's segments */
	len = th->doff * 4;
	if (len < sizeof(*th) || skb_headlen(skb) < skb_network_offset(skb) + thoff + len)
		return false;
	len -= sizeof(*th);
	return toa_options_skip((const u8 *)(th + 1), len) == len;
}

static inline size_t toa_tcp_optlen(const struct tcphdr *th)
{
	return th->doff * 4 - sizeof(*th);
}

/* NOPs over the options of a format, the TCP checksum updated word by word. */
static void toa_guard_strip(struct sk_buff *skb, struct toa_tcp_pkt *t, u8 pf)
{
	u8 opts[40];
	size_t optlen = toa_tcp_optlen(t->th), i;
	unsigned int flags = t->th->syn ? TOA_PARSE_F_SYN : 0;
	__be16 *old;

	memcpy(opts, t->th + 1, optlen);
	if (!toa_options_strip(opts, optlen, flags))
		return;
	if (skb_ensure_writable(skb, t->thoff + t->th->doff * 4))
		return; /* left as it is: the pods' side does not trust it either */
	t->th = (struct tcphdr *)(skb_network_header(skb) + t->thoff);
	old = (__be16 *)(t->th + 1);
	for (i = 0; i < optlen; i += 2) {
		__be16 from, to;

		memcpy(&from, (u8 *)old + i, 2);
		memcpy(&to, opts + i, 2);
		if (from != to) {
			inet_proto_csum_replace2(&t->th->check, skb, from, to, false);
			memcpy((u8 *)old + i, &to, 2);
		}
	}
	toa_stat_inc(GUARD_STRIPPED);
}

static unsigned int toa_guard_in(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct toa_tcp_pkt t;
	bool trusted;
	size_t optlen;

	if (!READ_ONCE(toa_config_guard) || toa_guard_plain(skb, state->pf) ||
	    !toa_guard_tcp(skb, state->pf, &t))
		return NF_ACCEPT;
	optlen = toa_tcp_optlen(t.th);
	if (toa_options_skip((const u8 *)(t.th + 1), optlen) == optlen)
		return NF_ACCEPT; /* no option of a TOA kind: every packet but the LB's */
	rcu_read_lock();
	trusted = toa_config_trusts(toa_config_get(), t.family, t.saddr);
	rcu_read_unlock();
	if (!trusted)
		toa_guard_strip(skb, &t, state->pf);
	return NF_ACCEPT;
}

static u32 toa_vouch_hash(u8 family, const void *saddr, const void *daddr, __be16 sport,
			  __be16 dport, __be32 seq)
{
	unsigned int alen = family == AF_INET ? 4 : 16;
	u32 h = jhash(saddr, alen, toa_vouch_seed);

	h = jhash(daddr, alen, h);
	return jhash_3words((__force u32)sport << 16 | (__force u32)dport, (__force u32)seq,
			    family, h);
}

static bool toa_vouch_match(const struct toa_vouch *v, u8 family, const void *saddr,
			    const void *daddr, __be16 sport, __be16 dport, __be32 seq)
{
	unsigned int alen = family == AF_INET ? 4 : 16;

	return v->expires && v->family == family && v->seq == seq && v->sport == sport &&
	       v->dport == dport && !memcmp(v->saddr, saddr, alen) &&
	       !memcmp(v->daddr, daddr, alen);
}

static void toa_vouch_add(const struct toa_tcp_pkt *t)
{
	u32 h = toa_vouch_hash(t->family, t->saddr, t->daddr, t->th->source, t->th->dest,
			       t->th->seq);
	struct toa_vouch *b = toa_vouch_tab[h >> (32 - TOA_VOUCH_BUCKET_BITS)], *slot = NULL;
	spinlock_t *lock = &toa_vouch_locks[h % TOA_VOUCH_LOCKS];
	unsigned long now = jiffies;
	unsigned int alen = t->family == AF_INET ? 4 : 16, i;

	spin_lock_bh(lock);
	for (i = 0; i < TOA_VOUCH_WAYS; i++) {
		struct toa_vouch *v = &b[i];

		if (toa_vouch_match(v, t->family, t->saddr, t->daddr, t->th->source,
				    t->th->dest, t->th->seq) ||
		    !v->expires || time_after(now, v->expires)) {
			slot = v;
			break;
		}
		if (!slot || time_before(v->expires, slot->expires))
			slot = v; /* the oldest, if all are live */
	}
	if (i == TOA_VOUCH_WAYS)
		toa_stat_inc(GUARD_VOUCH_FULL);
	slot->family = t->family;
	slot->seq = t->th->seq;
	slot->sport = t->th->source;
	slot->dport = t->th->dest;
	memcpy(slot->saddr, t->saddr, alen);
	memcpy(slot->daddr, t->daddr, alen);
	slot->expires = (now + TOA_VOUCH_TTL) | 1;
	spin_unlock_bh(lock);
	toa_stat_inc(GUARD_VOUCHED);
}

static unsigned int toa_guard_out(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct toa_tcp_pkt t;
	size_t optlen;

	if (!READ_ONCE(toa_config_guard) || toa_guard_plain(skb, state->pf) ||
	    !toa_guard_tcp(skb, state->pf, &t))
		return NF_ACCEPT;
	optlen = toa_tcp_optlen(t.th);
	if (toa_options_skip((const u8 *)(t.th + 1), optlen) != optlen &&
	    toa_options_count_formats((const u8 *)(t.th + 1), optlen,
				      t.th->syn ? TOA_PARSE_F_SYN : 0))
		toa_vouch_add(&t);
	return NF_ACCEPT;
}

bool toa_guard_vouched(const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const void *saddr, *daddr;
	struct toa_vouch *b;
	spinlock_t *lock;
	bool found = false;
	u8 family;
	u32 h;
	int i;

	if (skb->protocol == htons(ETH_P_IP)) {
		family = AF_INET;
		saddr = &ip_hdr(skb)->saddr;
		daddr = &ip_hdr(skb)->daddr;
	} else {
		family = AF_INET6;
		saddr = &ipv6_hdr(skb)->saddr;
		daddr = &ipv6_hdr(skb)->daddr;
	}
	h = toa_vouch_hash(family, saddr, daddr, th->source, th->dest, th->seq);
	b = toa_vouch_tab[h >> (32 - TOA_VOUCH_BUCKET_BITS)];
	lock = &toa_vouch_locks[h % TOA_VOUCH_LOCKS];
	spin_lock_bh(lock);
	for (i = 0; i < TOA_VOUCH_WAYS; i++) {
		if (toa_vouch_match(&b[i], family, saddr, daddr, th->source, th->dest, th->seq) &&
		    time_before(jiffies, b[i].expires)) {
			b[i].expires = 0; /* one packet, one reading */
			found = true;
			break;
		}
	}
	spin_unlock_bh(lock);
	if (!found)
		toa_stat_inc(GUARD_UNVOUCHED);
	return found;
}

/*
 * In before conntrack (NF_IP_PRI_CONNTRACK, which NAT's DNAT follows), from the wire and
 * from the node's own sockets (a hostNetwork pod's raw socket); out after everything
 * (SNAT included): the record has the 4-tuple the pod's socket sees.
 */
static const struct nf_hook_ops toa_guard_ops[] = {
	{ .hook = toa_guard_in, .pf = NFPROTO_IPV4, .hooknum = NF_INET_PRE_ROUTING,
	  .priority = NF_IP_PRI_CONNTRACK - 1 },
	{ .hook = toa_guard_in, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_IP_PRI_CONNTRACK - 1 },
	{ .hook = toa_guard_out, .pf = NFPROTO_IPV4, .hooknum = NF_INET_POST_ROUTING,
	  .priority = NF_IP_PRI_LAST },
#if IS_ENABLED(CONFIG_IPV6)
	{ .hook = toa_guard_in, .pf = NFPROTO_IPV6, .hooknum = NF_INET_PRE_ROUTING,
	  .priority = NF_IP6_PRI_CONNTRACK - 1 },
	{ .hook = toa_guard_in, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_IP6_PRI_CONNTRACK - 1 },
	{ .hook = toa_guard_out, .pf = NFPROTO_IPV6, .hooknum = NF_INET_POST_ROUTING,
	  .priority = NF_IP6_PRI_LAST },
#endif
};

/*
 * The hooks are registered only while the guard is on: a netfilter hook costs every
 * packet of the namespace, most of all where it is the only one (measured: 1,500
 * instructions per loopback connection, of 88,000). Both under config.c's lock; before
 * init (parameters given at load) there is nothing to do yet: init registers them.
 */
static bool toa_guard_ready, toa_guard_on;

int toa_guard_set(bool on)
{
	int err;

	if (!toa_guard_ready || on == toa_guard_on)
		return 0;
	if (on) {
		/* The node's namespace only: that is where the sources are still the real ones. */
		err = nf_register_net_hooks(&init_net, toa_guard_ops, ARRAY_SIZE(toa_guard_ops));
		if (err) {
			pr_err("cannot turn the guard on: its netfilter hooks were refused (%d)\n",
			       err);
			return err;
		}
	} else {
		nf_unregister_net_hooks(&init_net, toa_guard_ops, ARRAY_SIZE(toa_guard_ops));
	}
	toa_guard_on = on;
	return 0;
}

static int toa_guard_start(const struct toa_config *cfg)
{
	int err;

	toa_guard_ready = true;
	err = toa_guard_set(cfg->guard);
	if (err)
		toa_guard_ready = false;
	return err;
}

static int toa_guard_stop(const struct toa_config *cfg)
{
	toa_guard_set(false);
	toa_guard_ready = false;
	return 0;
}

int toa_guard_init(void)
{
	int i;

	for (i = 0; i < TOA_VOUCH_LOCKS; i++)
		spin_lock_init(&toa_vouch_locks[i]);
	get_random_bytes(&toa_vouch_seed, sizeof(toa_vouch_seed));
	return toa_config_locked(toa_guard_start);
}

void toa_guard_exit(void)
{
	toa_config_locked(toa_guard_stop);
}
