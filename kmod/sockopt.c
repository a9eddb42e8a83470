// SPDX-License-Identifier: GPL-2.0
/*
 * getsockopt(IPPROTO_IP, TOA_SO_GET_LOOKUP / TOA_SO_GET_CLIENT / VTOA_SO_GET_CLIENT),
 * the DPVS ABI as those modules register it in netfilter's sockopt registry, and
 * Alibaba's vtoa number beside it. The registry holds the numbers (a second TOA module
 * cannot take them); the calls themselves come by a hook at the entry of ip_getsockopt(),
 * where every IPPROTO_IP getsockopt of TCP, IPv4 and IPv6 alike, arrives: for these
 * numbers it goes on in toa_ip_getsockopt() below (IPMODIFY), before the kernel's
 * do_ip_getsockopt() locks the socket only to answer ENOPROTOOPT and netfilter looks the
 * number up under its mutex. Every other getsockopt goes on untouched.
 *
 * Lifetime: a call may sleep on the user's buffer, so all of it runs in an SRCU section;
 * toa_sockopt_exit() removes the hook, then waits for tasks between the hook and the
 * section (RCU Tasks), for the section (SRCU), and for tasks after it (RCU Tasks).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/netfilter.h>
#include <linux/rcupdate_wait.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/tcp_states.h>
#include "compat.h"
#include "hook.h"
#include "sockopt.h"
#include "stats.h"
#include "table.h"
#include "toa/uapi.h"

DEFINE_STATIC_SRCU(toa_sockopt_srcu);

/* The socket's peer, IPv4-mapped as IPv4; false where getpeername() would add a scope id. */
static bool toa_sk_peer(const struct sock *sk, u8 *family, u8 *addr, __be16 *port)
{
	*port = sk->sk_dport;
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6 && !ipv6_addr_v4mapped(&sk->sk_v6_daddr)) {
		*family = AF_INET6;
		memcpy(addr, &sk->sk_v6_daddr, 16);
		return !ipv6_iface_scope_id(&sk->sk_v6_daddr, sk->sk_bound_dev_if);
	}
#endif
	*family = AF_INET;
	memcpy(addr, &sk->sk_daddr, 4);
	return true;
}

static void toa_fill_lb(struct toa_client_info *ci, const struct sock *sk)
{
	toa_sk_peer(sk, &ci->lb_family, ci->lb_addr, &ci->lb_port);
}

/*
 * TOA_CI_WANT_PEER: a connection without TOA answered with its peer, where getpeername()
 * would answer (a peer port, not closed or connecting) with nothing more than this holds.
 */
static int toa_sockopt_peer(struct toa_client_info *ci, const struct sock *sk,
			    const void __user *buf)
{
	u16 flags;

	if (get_user(flags, (const u16 __user *)(buf + offsetof(struct toa_client_info, flags))) ||
	    !(flags & TOA_CI_WANT_PEER))
		return 0;
	if (!sk->sk_dport || ((1 << READ_ONCE(sk->sk_state)) & (TCPF_CLOSE | TCPF_SYN_SENT)))
		return 0;
	if (!toa_sk_peer(sk, &ci->family, ci->addr, &ci->port))
		return 0;
	ci->format = 0xff; /* TOA_FORMAT_NONE */
	ci->flags = TOA_CI_PEER;
	return sizeof(*ci);
}

union toa_sockopt_answer {
	struct toa_client_info ci;
	struct toa_nat64_peer np;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/* The answer to @optname from @ts, and its size; 0 when @ts has none for it. */
static int toa_sockopt_fill(union toa_sockopt_answer *u, int optname, const struct sock *sk,
			    const struct toa_sock *ts)
{
	switch (optname) {
	case TOA_SO_GET_LOOKUP:
		if (ts->family != AF_INET6)
			return 0;
		memcpy(&u->np.saddr, ts->addr, 16);
		u->np.sport = ts->port;
		return sizeof(u->np);
	case VTOA_SO_GET_CLIENT:
		if (ts->family == AF_INET) {
			u->sin.sin_family = AF_INET;
			u->sin.sin_port = ts->port;
			memcpy(&u->sin.sin_addr, ts->addr, 4);
			return sizeof(u->sin);
		}
		u->sin6.sin6_family = AF_INET6;
		u->sin6.sin6_port = ts->port;
		memcpy(&u->sin6.sin6_addr, ts->addr, 16);
		return sizeof(u->sin6);
	default:
		u->ci.family = ts->family;
		u->ci.kind = ts->kind;
		u->ci.len = ts->len;
		u->ci.packet = ts->packet;
		u->ci.format = ts->format;
		u->ci.port = ts->port;
		u->ci.age_ms = jiffies_to_msecs((u32)jiffies - ts->born);
		memcpy(u->ci.addr, ts->addr, ts->family == AF_INET ? 4 : 16);
		toa_fill_lb(&u->ci, sk);
		return sizeof(u->ci);
	}
}

/* The smallest buffer @optname may answer in. */
static int toa_sockopt_min(int optname)
{
	switch (optname) {
	case TOA_SO_GET_LOOKUP:
		return sizeof(struct toa_nat64_peer);
	case VTOA_SO_GET_CLIENT:
		return sizeof(struct sockaddr_in);
	default:
		return sizeof(struct toa_client_info);
	}
}

static int toa_sockopt_get(struct sock *sk, int optname, void __user *buf, int *len)
{
	union toa_sockopt_answer u;
	const struct toa_sock *ts;
	int size = 0;

	if (sk->sk_type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP)
		return -EOPNOTSUPP;
	if (*len < toa_sockopt_min(optname))
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	rcu_read_lock();
	ts = toa_table_lookup(sk);
	if (ts && toa_sock_live(ts, sk))
		size = toa_sockopt_fill(&u, optname, sk, ts);
	rcu_read_unlock();
	if (!size) {
		toa_stat_inc(SOCKOPT_NO_TOA);
		if (optname == TOA_SO_GET_CLIENT)
			size = toa_sockopt_peer(&u.ci, sk, buf);
		if (!size)
			return -ENOENT;
		if (copy_to_user(buf, &u, size))
			return -EFAULT;
		*len = size;
		return 0;
	}
	if (*len < size)
		return -EINVAL;
	if (copy_to_user(buf, &u, size))
		return -EFAULT;
	*len = size;
	toa_stat_inc(SOCKOPT_OK);
	return 0;
}

static int toa_nf_get(struct sock *sk, int optval, void __user *user, int *len)
{
	int idx = srcu_read_lock(&toa_sockopt_srcu);
	int ret = toa_sockopt_get(sk, optval, user, len);

	srcu_read_unlock(&toa_sockopt_srcu, idx);
	return ret;
}

/* In place of ip_getsockopt() for our numbers, with its handling of @optlen. */
static int notrace toa_ip_getsockopt(struct sock *sk, int level, int optname,
				     char __user *optval, int __user *optlen)
{
	int idx = srcu_read_lock(&toa_sockopt_srcu);
	int len, ret;

	if (get_user(len, optlen)) {
		ret = -EFAULT;
	} else {
		ret = toa_sockopt_get(sk, optname, optval, &len);
		if (ret >= 0)
			ret = put_user(len, optlen);
	}
	srcu_read_unlock(&toa_sockopt_srcu, idx);
	return ret;
}

static TOA_FTRACE_CALLBACK(toa_getsockopt_hook)
{
	int level = (int)toa_ftrace_arg(fregs, 1);
	int optname = (int)toa_ftrace_arg(fregs, 2);

	if (level == SOL_IP && (optname == TOA_SO_GET_LOOKUP || optname == TOA_SO_GET_CLIENT ||
				optname == VTOA_SO_GET_CLIENT))
		toa_ftrace_set_ip(fregs, (unsigned long)toa_ip_getsockopt);
}

static struct toa_hook toa_getsockopt = TOA_HOOK("ip_getsockopt", toa_getsockopt_hook,
						 TOA_FTRACE_REDIRECT_FLAGS, NULL);

/*
 * No .owner: a module reference would make rmmod fail while any task is inside
 * getsockopt. toa_sockopt_exit() waits out callers with RCU Tasks and SRCU instead.
 */
static struct nf_sockopt_ops toa_nf_sockopt[] = {
	{
		.pf = PF_INET,
		.set_optmin = TOA_BASE_CTL,
		.set_optmax = TOA_BASE_CTL, /* no set options */
		.get_optmin = TOA_BASE_CTL,
		.get_optmax = TOA_SO_GET_MAX + 1,
		.get = toa_nf_get,
	},
	{
		.pf = PF_INET,
		.set_optmin = VTOA_SO_GET_CLIENT,
		.set_optmax = VTOA_SO_GET_CLIENT,
		.get_optmin = VTOA_SO_GET_CLIENT,
		.get_optmax = VTOA_SO_GET_CLIENT + 1,
		.get = toa_nf_get,
	},
};

int toa_sockopt_init(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(toa_nf_sockopt); i++) {
		err = nf_register_sockopt(&toa_nf_sockopt[i]);
		if (err) {
			pr_err("cannot load: getsockopt %d..%d is taken (another TOA module loaded?): %d\n",
			       toa_nf_sockopt[i].get_optmin, toa_nf_sockopt[i].get_optmax - 1, err);
			goto err;
		}
	}
	err = toa_hook_register(&toa_getsockopt);
	if (!err)
		return 0;
err:
	while (--i >= 0)
		nf_unregister_sockopt(&toa_nf_sockopt[i]);
	return err;
}

void toa_sockopt_exit(void)
{
	int i;

	toa_hook_unregister(&toa_getsockopt);
	for (i = 0; i < ARRAY_SIZE(toa_nf_sockopt); i++)
		nf_unregister_sockopt(&toa_nf_sockopt[i]);
	synchronize_rcu_tasks(); /* tasks between the hook or netfilter and our SRCU section */
	synchronize_srcu(&toa_sockopt_srcu);
	synchronize_rcu_tasks(); /* and between leaving it and returning */
}
