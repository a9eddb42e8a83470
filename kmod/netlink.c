// SPDX-License-Identifier: GPL-2.0
/* The generic netlink family "toa": stats, config, connections. See toa/uapi.h. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include "compat.h"
#include "config.h"
#include "netlink.h"
#include "stats.h"
#include "table.h"
#include "uoa.h"
#include "toa/uapi.h"

static struct genl_family toa_genl_family;

static const struct nla_policy toa_ep_policy[TOA_EP_MAX + 1] = {
	[TOA_EP_FAMILY] = { .type = NLA_U8 },
	[TOA_EP_ADDR] = { .type = NLA_BINARY, .len = 16 },
	[TOA_EP_PORT] = { .type = NLA_U16 },
};

static const struct nla_policy toa_cidr_policy[TOA_CIDR_MAX + 1] = {
	[TOA_CIDR_FAMILY] = { .type = NLA_U8 },
	[TOA_CIDR_ADDR] = { .type = NLA_BINARY, .len = 16 },
	[TOA_CIDR_PREFIX] = { .type = NLA_U8 },
};

static const struct nla_policy toa_trusted_policy[TOA_TRUSTED_MAX + 1] = {
	[TOA_CIDR] = NLA_POLICY_NESTED(toa_cidr_policy),
};

static const struct nla_policy toa_cfg_policy[TOA_CFG_MAX + 1] = {
	[TOA_CFG_FORMATS] = { .type = NLA_U32 },
	[TOA_CFG_TRANSPARENT] = NLA_POLICY_MAX(NLA_U8, 1),
	[TOA_CFG_TRUSTED] = NLA_POLICY_NESTED(toa_trusted_policy),
	[TOA_CFG_SYN] = NLA_POLICY_MAX(NLA_U8, 1),
	[TOA_CFG_GUARD] = NLA_POLICY_MAX(NLA_U8, 1),
	[TOA_CFG_UOA] = NLA_POLICY_MAX(NLA_U8, 1),
	[TOA_CFG_UOA_TIMEOUT] = { .type = NLA_U32 },
	[TOA_CFG_UOA_MAX] = { .type = NLA_U32 },
};

static const struct nla_policy toa_conn_policy[TOA_CONN_MAX + 1] = {
	[TOA_CONN_LOCAL] = NLA_POLICY_NESTED(toa_ep_policy),
	[TOA_CONN_PEER] = NLA_POLICY_NESTED(toa_ep_policy),
};

static const struct nla_policy toa_uoa_policy[TOA_UOA_MAX + 1] = {
	[TOA_UOA_LOCAL] = NLA_POLICY_NESTED(toa_ep_policy),
	[TOA_UOA_PEER] = NLA_POLICY_NESTED(toa_ep_policy),
};

static const struct nla_policy toa_policy[TOA_A_MAX + 1] = {
	[TOA_A_VERSION] = { .type = NLA_NUL_STRING },
	[TOA_A_CONFIG] = NLA_POLICY_NESTED(toa_cfg_policy),
	[TOA_A_CONN] = NLA_POLICY_NESTED(toa_conn_policy),
	[TOA_A_UOA] = NLA_POLICY_NESTED(toa_uoa_policy),
};

/* A reply to a doit request, with the family header and version. */
static struct sk_buff *toa_nl_reply(struct genl_info *info, u8 cmd, void **hdr)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (!msg)
		return NULL;
	*hdr = genlmsg_put_reply(msg, info, &toa_genl_family, 0, cmd);
	if (!*hdr || nla_put_string(msg, TOA_A_VERSION, TOA_VERSION_STRING)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int toa_nl_send(struct sk_buff *msg, void *hdr, struct genl_info *info)
{
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int toa_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	u64 v[__TOA_STAT_MAX];
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	int i;

	msg = toa_nl_reply(info, TOA_CMD_GET_STATS, &hdr);
	if (!msg)
		return -ENOMEM;
	toa_stats_sum(v);
	nest = nla_nest_start(msg, TOA_A_STATS);
	if (!nest)
		goto nospace;
	for (i = 0; i < __TOA_STAT_MAX; i++)
		if (nla_put_u64_64bit(msg, i + 1, v[i], 0))
			goto nospace;
	nla_nest_end(msg, nest);
	return toa_nl_send(msg, hdr, info);
nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int toa_nl_put_config(struct sk_buff *msg)
{
	const struct toa_config *cfg;
	struct nlattr *nest, *list, *c;
	unsigned int i;
	int err = -EMSGSIZE;

	nest = nla_nest_start(msg, TOA_A_CONFIG);
	if (!nest)
		return err;
	rcu_read_lock();
	cfg = toa_config_get();
	if (nla_put_u32(msg, TOA_CFG_FORMATS, cfg->formats) ||
	    nla_put_u8(msg, TOA_CFG_TRANSPARENT, cfg->transparent) ||
	    nla_put_u8(msg, TOA_CFG_SYN, cfg->syn) ||
	    nla_put_u8(msg, TOA_CFG_GUARD, cfg->guard) ||
	    nla_put_u8(msg, TOA_CFG_UOA, cfg->uoa) ||
	    nla_put_u32(msg, TOA_CFG_UOA_TIMEOUT, cfg->uoa_timeout) ||
	    nla_put_u32(msg, TOA_CFG_UOA_MAX, cfg->uoa_max))
		goto out;
	list = nla_nest_start(msg, TOA_CFG_TRUSTED);
	if (!list)
		goto out;
	for (i = 0; i < cfg->n_trusted; i++) {
		const struct toa_cidr *t = &cfg->trusted[i];

		c = nla_nest_start(msg, TOA_CIDR);
		if (!c || nla_put_u8(msg, TOA_CIDR_FAMILY, t->family) ||
		    nla_put(msg, TOA_CIDR_ADDR, t->family == AF_INET ? 4 : 16, t->addr) ||
		    nla_put_u8(msg, TOA_CIDR_PREFIX, t->prefix))
			goto out;
		nla_nest_end(msg, c);
	}
	nla_nest_end(msg, list);
	nla_nest_end(msg, nest);
	err = 0;
out:
	rcu_read_unlock();
	return err;
}

static int toa_nl_get_config(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = toa_nl_reply(info, TOA_CMD_GET_CONFIG, &hdr);
	if (!msg)
		return -ENOMEM;
	if (toa_nl_put_config(msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return toa_nl_send(msg, hdr, info);
}

struct toa_nl_cfg_edit {
	struct nlattr **tb;
	struct toa_cidr cidrs[TOA_TRUSTED_MAX_CIDRS];
	unsigned int n;
};

static int toa_nl_cidr_parse(const struct nlattr *attr, struct toa_cidr *c,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[TOA_CIDR_MAX + 1];
	unsigned int max;
	int err;
	u8 af;

	err = nla_parse_nested(tb, TOA_CIDR_MAX, attr, toa_cidr_policy, extack);
	if (err)
		return err;
	if (!tb[TOA_CIDR_FAMILY] || !tb[TOA_CIDR_ADDR] || !tb[TOA_CIDR_PREFIX]) {
		NL_SET_ERR_MSG(extack, "a trusted CIDR needs family, address and prefix");
		return -EINVAL;
	}
	af = nla_get_u8(tb[TOA_CIDR_FAMILY]);
	if (af != AF_INET && af != AF_INET6) {
		NL_SET_ERR_MSG(extack, "trusted CIDR family must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	memset(c, 0, sizeof(*c));
	c->family = af;
	max = af == AF_INET ? 32 : 128;
	c->prefix = nla_get_u8(tb[TOA_CIDR_PREFIX]);
	if (nla_len(tb[TOA_CIDR_ADDR]) != max / 8 || c->prefix > max) {
		NL_SET_ERR_MSG(extack, "trusted CIDR address length or prefix does not fit its family");
		return -EINVAL;
	}
	nla_memcpy(c->addr, tb[TOA_CIDR_ADDR], max / 8);
	if (toa_cidr_check(c)) {
		NL_SET_ERR_MSG(extack, "trusted CIDR has host bits set");
		return -EINVAL;
	}
	return 0;
}

static int toa_nl_cfg_apply(struct toa_config **cfgp, void *arg)
{
	struct toa_nl_cfg_edit *e = arg;
	struct toa_config *cfg = *cfgp;

	if (e->tb[TOA_CFG_FORMATS])
		cfg->formats = nla_get_u32(e->tb[TOA_CFG_FORMATS]);
	if (e->tb[TOA_CFG_TRANSPARENT])
		cfg->transparent = nla_get_u8(e->tb[TOA_CFG_TRANSPARENT]);
	if (e->tb[TOA_CFG_SYN])
		cfg->syn = nla_get_u8(e->tb[TOA_CFG_SYN]);
	if (e->tb[TOA_CFG_GUARD])
		cfg->guard = nla_get_u8(e->tb[TOA_CFG_GUARD]);
	if (e->tb[TOA_CFG_UOA])
		cfg->uoa = nla_get_u8(e->tb[TOA_CFG_UOA]);
	if (e->tb[TOA_CFG_UOA_TIMEOUT])
		cfg->uoa_timeout = nla_get_u32(e->tb[TOA_CFG_UOA_TIMEOUT]);
	if (e->tb[TOA_CFG_UOA_MAX])
		cfg->uoa_max = nla_get_u32(e->tb[TOA_CFG_UOA_MAX]);
	if (e->tb[TOA_CFG_TRUSTED])
		return toa_config_set_trusted(cfgp, e->cidrs, e->n);
	return 0;
}

static int toa_nl_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[TOA_CFG_MAX + 1];
	struct toa_nl_cfg_edit *e;
	struct sk_buff *msg;
	struct nlattr *attr;
	void *hdr;
	int err, rem;

	if (!net_eq(genl_info_net(info), &init_net)) {
		NL_SET_ERR_MSG(info->extack,
			       "the configuration belongs to the node: change it from the initial network namespace");
		return -EPERM;
	}
	if (!info->attrs[TOA_A_CONFIG]) {
		NL_SET_ERR_MSG(info->extack, "missing TOA_A_CONFIG");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, TOA_CFG_MAX, info->attrs[TOA_A_CONFIG], toa_cfg_policy,
			       info->extack);
	if (err)
		return err;
	if (tb[TOA_CFG_FORMATS] && (nla_get_u32(tb[TOA_CFG_FORMATS]) & ~TOA_FMT_ALL)) {
		NL_SET_ERR_MSG(info->extack, "unknown format bits");
		return -EINVAL;
	}
	if (tb[TOA_CFG_UOA_TIMEOUT] && (!nla_get_u32(tb[TOA_CFG_UOA_TIMEOUT]) ||
					nla_get_u32(tb[TOA_CFG_UOA_TIMEOUT]) > TOA_UOA_TIMEOUT_MAX)) {
		NL_SET_ERR_MSG(info->extack, "uoa_timeout must be 1..86400 seconds");
		return -EINVAL;
	}
	if (tb[TOA_CFG_UOA_MAX] && nla_get_u32(tb[TOA_CFG_UOA_MAX]) > TOA_UOA_MAX_MAX) {
		NL_SET_ERR_MSG(info->extack, "uoa_max must be 0..16777216");
		return -EINVAL;
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->tb = tb;
	if (tb[TOA_CFG_TRUSTED]) {
		nla_for_each_nested(attr, tb[TOA_CFG_TRUSTED], rem) {
			if (nla_type(attr) != TOA_CIDR)
				continue;
			if (e->n == TOA_TRUSTED_MAX_CIDRS) {
				NL_SET_ERR_MSG(info->extack, "too many trusted CIDRs");
				err = -E2BIG;
				goto out;
			}
			err = toa_nl_cidr_parse(attr, &e->cidrs[e->n++], info->extack);
			if (err)
				goto out;
		}
	}
	err = toa_config_update(toa_nl_cfg_apply, e);
	if (err)
		goto out;
	toa_config_log("config changed");
	err = -ENOMEM;
	msg = toa_nl_reply(info, TOA_CMD_SET_CONFIG, &hdr);
	if (!msg)
		goto out;
	if (toa_nl_put_config(msg)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto out;
	}
	err = toa_nl_send(msg, hdr, info);
out:
	kfree(e);
	return err;
}

/* Endpoints of the socket as the server sees them; IPv4-mapped shown as IPv4. */
struct toa_nl_ep {
	u8 family;
	u8 addr[16];
	u16 port;
};

static void toa_nl_sock_eps(const struct sock *sk, struct toa_nl_ep *local, struct toa_nl_ep *peer)
{
	memset(local, 0, sizeof(*local));
	memset(peer, 0, sizeof(*peer));
	local->port = sk->sk_num;
	peer->port = ntohs(sk->sk_dport);
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6 && !ipv6_addr_v4mapped(&sk->sk_v6_daddr)) {
		local->family = peer->family = AF_INET6;
		memcpy(local->addr, &sk->sk_v6_rcv_saddr, 16);
		memcpy(peer->addr, &sk->sk_v6_daddr, 16);
		return;
	}
#endif
	local->family = peer->family = AF_INET;
	memcpy(local->addr, &sk->sk_rcv_saddr, 4);
	memcpy(peer->addr, &sk->sk_daddr, 4);
}

static int toa_nl_put_ep(struct sk_buff *msg, int type, const struct toa_nl_ep *ep)
{
	struct nlattr *nest = nla_nest_start(msg, type);

	if (!nest || nla_put_u8(msg, TOA_EP_FAMILY, ep->family) ||
	    nla_put(msg, TOA_EP_ADDR, ep->family == AF_INET ? 4 : 16, ep->addr) ||
	    nla_put_u16(msg, TOA_EP_PORT, ep->port))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int toa_nl_fill_conn(struct sk_buff *msg, u32 portid, u32 seq, int flags,
			    const struct sock *sk, const struct toa_sock *ts)
{
	struct toa_nl_ep local, peer, client;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &toa_genl_family, flags, TOA_CMD_GET_CONN);
	if (!hdr)
		return -EMSGSIZE;
	toa_nl_sock_eps(sk, &local, &peer);
	memset(&client, 0, sizeof(client));
	client.family = ts->family;
	memcpy(client.addr, ts->addr, 16);
	client.port = ntohs(ts->port);
	nest = nla_nest_start(msg, TOA_A_CONN);
	if (!nest || toa_nl_put_ep(msg, TOA_CONN_LOCAL, &local) ||
	    toa_nl_put_ep(msg, TOA_CONN_PEER, &peer) ||
	    toa_nl_put_ep(msg, TOA_CONN_CLIENT, &client) ||
	    nla_put_u8(msg, TOA_CONN_KIND, ts->kind) || nla_put_u8(msg, TOA_CONN_LEN, ts->len) ||
	    nla_put_u8(msg, TOA_CONN_PACKET, ts->packet) ||
	    nla_put_u64_64bit(msg, TOA_CONN_AGE_MS, jiffies_to_msecs((u32)jiffies - ts->born),
			      TOA_CONN_PAD) ||
	    nla_put_u32(msg, TOA_CONN_NETNS, sock_net(sk)->ns.inum)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return 0;
}

/* The caller sees connections of its own network namespace; init_net sees all. */
static bool toa_nl_visible(const struct net *caller, const struct sock *sk)
{
	return net_eq(caller, &init_net) || net_eq(caller, sock_net(sk));
}

/* A dump over an rhashtable, resumable across messages: the iterator in cb->args[0]. */
static int toa_nl_walk_start(struct netlink_callback *cb, struct rhashtable *ht)
{
	struct rhashtable_iter *iter = kmalloc(sizeof(*iter), GFP_KERNEL);

	if (!iter)
		return -ENOMEM;
	rhashtable_walk_enter(ht, iter);
	cb->args[0] = (long)iter;
	return 0;
}

static int toa_nl_walk_done(struct netlink_callback *cb)
{
	struct rhashtable_iter *iter = (struct rhashtable_iter *)cb->args[0];

	if (iter) {
		rhashtable_walk_exit(iter);
		kfree(iter);
	}
	return 0;
}

/* @fill puts one object in (0: done or not shown; -EMSGSIZE: the message is full). */
static int toa_nl_walk_dump(struct sk_buff *skb, struct netlink_callback *cb,
			    int (*fill)(struct sk_buff *skb, struct netlink_callback *cb, void *obj))
{
	struct rhashtable_iter *iter = (struct rhashtable_iter *)cb->args[0];
	void *obj;
	int err = 0;

	rhashtable_walk_start(iter);
	while ((obj = rhashtable_walk_peek(iter))) {
		if (IS_ERR(obj)) {
			if (PTR_ERR(obj) == -EAGAIN) {
				rhashtable_walk_next(iter);
				continue;
			}
			err = PTR_ERR(obj);
			break;
		}
		err = fill(skb, cb, obj);
		if (err)
			break;
		rhashtable_walk_next(iter);
	}
	rhashtable_walk_stop(iter);
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static int toa_nl_conn_start(struct netlink_callback *cb)
{
	return toa_nl_walk_start(cb, &toa_table);
}

static int toa_nl_conn_one(struct sk_buff *skb, struct netlink_callback *cb, void *obj)
{
	struct toa_sock *ts = obj;
	struct sock *sk = toa_sock_pin(ts);
	int err = 0;

	if (!sk)
		return 0;
	if (toa_nl_visible(sock_net(skb->sk), sk))
		err = toa_nl_fill_conn(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				       NLM_F_MULTI, sk, ts);
	sock_gen_put(sk);
	return err;
}

static int toa_nl_conn_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return toa_nl_walk_dump(skb, cb, toa_nl_conn_one);
}

static int toa_nl_ep_parse(const struct nlattr *attr, struct toa_nl_ep *ep,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[TOA_EP_MAX + 1];
	int err;

	if (!attr) {
		NL_SET_ERR_MSG(extack, "lookup needs TOA_CONN_LOCAL and TOA_CONN_PEER");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, TOA_EP_MAX, attr, toa_ep_policy, extack);
	if (err)
		return err;
	if (!tb[TOA_EP_FAMILY] || !tb[TOA_EP_ADDR] || !tb[TOA_EP_PORT]) {
		NL_SET_ERR_MSG(extack, "an endpoint needs family, address and port");
		return -EINVAL;
	}
	memset(ep, 0, sizeof(*ep));
	ep->family = nla_get_u8(tb[TOA_EP_FAMILY]);
	ep->port = nla_get_u16(tb[TOA_EP_PORT]);
	if ((ep->family != AF_INET || nla_len(tb[TOA_EP_ADDR]) != 4) &&
	    (ep->family != AF_INET6 || nla_len(tb[TOA_EP_ADDR]) != 16)) {
		NL_SET_ERR_MSG(extack, "endpoint family and address length disagree");
		return -EINVAL;
	}
	nla_memcpy(ep->addr, tb[TOA_EP_ADDR], 16);
	return 0;
}

/*
 * The kernel's established-socket lookup, in @net, pinned. A socket bound to a device
 * (SO_BINDTODEVICE, an IPv6 link-local peer) matches only its device: tried on each.
 */
static struct sock *toa_nl_find_in(struct net *net, const struct toa_nl_ep *local,
				   const struct toa_nl_ep *peer, int dif)
{
	__be16 sport = htons(peer->port);
	__be32 s4, d4;

	if (local->family == AF_INET) {
		memcpy(&s4, peer->addr, 4);
		memcpy(&d4, local->addr, 4);
		return toa_inet_lookup_established(net, s4, sport, d4, local->port, dif);
	}
#if IS_ENABLED(CONFIG_IPV6)
	return toa_inet6_lookup_established(net, (const struct in6_addr *)peer->addr, sport,
					    (const struct in6_addr *)local->addr, local->port,
					    dif);
#else
	return NULL;
#endif
}

/* Under RCU. */
static struct sock *toa_nl_find(struct net *net, const struct toa_nl_ep *local,
				const struct toa_nl_ep *peer)
{
	struct net_device *dev;
	struct sock *sk;

	sk = toa_nl_find_in(net, local, peer, 0);
	if (sk)
		return sk;
	for_each_netdev_rcu(net, dev) {
		sk = toa_nl_find_in(net, local, peer, dev->ifindex);
		if (sk)
			return sk;
	}
	return NULL;
}

/*
 * The TOA connection with that 4-tuple (as the server sees it: IPv4-mapped as IPv4),
 * filled into @msg: 0, -ENOENT, or -EMSGSIZE. The caller's namespace; init_net's sees
 * every namespace, its own first.
 */
static int toa_nl_lookup_fill(struct net *caller, const struct toa_nl_ep *local,
			      const struct toa_nl_ep *peer, struct sk_buff *msg,
			      struct genl_info *info)
{
	struct toa_nl_ep l, p;
	struct toa_sock *ts;
	struct sock *sk = NULL;
	struct net *net;
	int err = -ENOENT;

	if (local->family != peer->family)
		return -ENOENT;
	rcu_read_lock();
	sk = toa_nl_find(caller, local, peer);
	if (!sk && net_eq(caller, &init_net)) {
		for_each_net_rcu(net) {
			if (net_eq(net, caller))
				continue;
			sk = toa_nl_find(net, local, peer);
			if (sk)
				break;
		}
	}
	if (!sk)
		goto out;
	/* A request or TIME_WAIT socket has no TOA state; the lookup takes an IPv6 socket's
	 * IPv4-mapped peer for IPv4, as the dump shows it. */
	if (!sk_fullsock(sk))
		goto put;
	toa_nl_sock_eps(sk, &l, &p);
	if (memcmp(&l, local, sizeof(l)) || memcmp(&p, peer, sizeof(p)))
		goto put;
	ts = toa_table_lookup(sk);
	if (ts && toa_sock_live(ts, sk))
		err = toa_nl_fill_conn(msg, info->snd_portid, info->snd_seq, 0, sk, ts);
put:
	sock_gen_put(sk);
out:
	rcu_read_unlock();
	return err;
}

static int toa_nl_lookup(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[TOA_CONN_MAX + 1];
	struct toa_nl_ep local, peer;
	struct sk_buff *msg;
	int err;

	if (!info->attrs[TOA_A_CONN]) {
		NL_SET_ERR_MSG(info->extack, "lookup needs TOA_A_CONN");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, TOA_CONN_MAX, info->attrs[TOA_A_CONN], toa_conn_policy,
			       info->extack);
	if (err)
		return err;
	err = toa_nl_ep_parse(tb[TOA_CONN_LOCAL], &local, info->extack) ?:
	      toa_nl_ep_parse(tb[TOA_CONN_PEER], &peer, info->extack);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = toa_nl_lookup_fill(genl_info_net(info), &local, &peer, msg, info);
	if (err) {
		nlmsg_free(msg);
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "no TOA connection with that 4-tuple");
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* UDP mappings (TOA_CMD_GET_UOA). */

static void toa_nl_uoa_ep(struct toa_nl_ep *ep, u16 af, const u8 *addr, __be16 port)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = af;
	memcpy(ep->addr, addr, af == AF_INET ? 4 : 16);
	ep->port = ntohs(port);
}

static int toa_nl_fill_uoa(struct sk_buff *msg, u32 portid, u32 seq, int flags,
			   const struct toa_uoa_map *m)
{
	struct toa_nl_ep local, peer, client;
	unsigned long now = jiffies;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &toa_genl_family, flags, TOA_CMD_GET_UOA);
	if (!hdr)
		return -EMSGSIZE;
	toa_nl_uoa_ep(&local, m->key.af, m->daddr, m->key.dport);
	toa_nl_uoa_ep(&peer, m->key.af, m->key.saddr, m->key.sport);
	toa_nl_uoa_ep(&client, m->family, m->addr, m->port);
	nest = nla_nest_start(msg, TOA_A_UOA);
	if (!nest || toa_nl_put_ep(msg, TOA_UOA_LOCAL, &local) ||
	    toa_nl_put_ep(msg, TOA_UOA_PEER, &peer) ||
	    toa_nl_put_ep(msg, TOA_UOA_CLIENT, &client) ||
	    nla_put_u8(msg, TOA_UOA_CARRIER, READ_ONCE(m->carrier)) ||
	    nla_put_u64_64bit(msg, TOA_UOA_AGE_MS, jiffies_to_msecs(now - m->born), TOA_UOA_PAD) ||
	    nla_put_u64_64bit(msg, TOA_UOA_IDLE_MS, jiffies_to_msecs(now - READ_ONCE(m->last)),
			      TOA_UOA_PAD) ||
	    nla_put_u32(msg, TOA_UOA_PACKETS, READ_ONCE(m->packets)) ||
	    nla_put_u32(msg, TOA_UOA_NETNS, m->netns)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return 0;
}

static int toa_nl_uoa_start(struct netlink_callback *cb)
{
	if (!toa_uoa_loaded) {
		NL_SET_ERR_MSG(cb->extack, "the module's UDP part (uoa) is not loaded");
		return -EOPNOTSUPP;
	}
	return toa_nl_walk_start(cb, &toa_uoa_table.ht);
}

static int toa_nl_uoa_one(struct sk_buff *skb, struct netlink_callback *cb, void *obj)
{
	const struct net *caller = sock_net(skb->sk);
	const struct toa_uoa_map *m = obj;

	if (!toa_uoa_live(m) ||
	    (!net_eq(caller, &init_net) && m->key.net != (unsigned long)caller))
		return 0;
	return toa_nl_fill_uoa(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq, NLM_F_MULTI, m);
}

static int toa_nl_uoa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return toa_nl_walk_dump(skb, cb, toa_nl_uoa_one);
}

static int toa_nl_uoa_lookup(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[TOA_UOA_MAX + 1];
	struct toa_nl_ep local, peer;
	const struct toa_uoa_map *m;
	struct sk_buff *msg;
	int err;

	if (!toa_uoa_loaded) {
		NL_SET_ERR_MSG(info->extack, "the module's UDP part (uoa) is not loaded");
		return -EOPNOTSUPP;
	}
	if (!info->attrs[TOA_A_UOA]) {
		NL_SET_ERR_MSG(info->extack, "lookup needs TOA_A_UOA");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, TOA_UOA_MAX, info->attrs[TOA_A_UOA], toa_uoa_policy,
			       info->extack);
	if (err)
		return err;
	err = toa_nl_ep_parse(tb[TOA_UOA_LOCAL], &local, info->extack) ?:
	      toa_nl_ep_parse(tb[TOA_UOA_PEER], &peer, info->extack);
	if (err)
		return err;
	if (local.family != peer.family) {
		NL_SET_ERR_MSG(info->extack, "local and peer families differ");
		return -EINVAL;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rcu_read_lock();
	m = toa_uoa_find(genl_info_net(info), peer.family, peer.addr, local.addr,
			 htons(peer.port), htons(local.port));
	err = m ? toa_nl_fill_uoa(msg, info->snd_portid, info->snd_seq, 0, m) : -ENOENT;
	rcu_read_unlock();
	if (err) {
		nlmsg_free(msg);
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "no UDP mapping with that 4-tuple");
		return err;
	}
	return genlmsg_reply(msg, info);
}

static const struct genl_ops toa_genl_ops[] = {
	{
		.cmd = TOA_CMD_GET_STATS,
		.doit = toa_nl_get_stats,
		.policy = toa_policy,
		.maxattr = TOA_A_MAX,
	},
	{
		.cmd = TOA_CMD_GET_CONFIG,
		.doit = toa_nl_get_config,
		.policy = toa_policy,
		.maxattr = TOA_A_MAX,
	},
	{
		.cmd = TOA_CMD_SET_CONFIG,
		.doit = toa_nl_set_config,
		.policy = toa_policy,
		.maxattr = TOA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TOA_CMD_GET_CONN,
		.doit = toa_nl_lookup,
		.start = toa_nl_conn_start,
		.dumpit = toa_nl_conn_dump,
		.done = toa_nl_walk_done,
		.policy = toa_policy,
		.maxattr = TOA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TOA_CMD_GET_UOA,
		.doit = toa_nl_uoa_lookup,
		.start = toa_nl_uoa_start,
		.dumpit = toa_nl_uoa_dump,
		.done = toa_nl_walk_done,
		.policy = toa_policy,
		.maxattr = TOA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family toa_genl_family __ro_after_init = {
	.name = TOA_GENL_NAME,
	.version = TOA_GENL_VERSION,
	.maxattr = TOA_A_MAX,
	.policy = toa_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = toa_genl_ops,
	.n_ops = ARRAY_SIZE(toa_genl_ops),
#ifdef COMPAT_HAVE_GENL_RESV_START_OP
	.resv_start_op = TOA_CMD_MAX + 1,
#endif
};

int toa_netlink_init(void)
{
	return genl_register_family(&toa_genl_family);
}

void toa_netlink_exit(void)
{
	genl_unregister_family(&toa_genl_family);
}

/*
 * No MODULE_ALIAS_GENL_FAMILY: a family lookup (toa-inspect status, by anyone) would
 * load the module, and loading it changes what getpeername() returns on the node.
 */
