// SPDX-License-Identifier: GPL-2.0
/*
 * getsockopt(IPPROTO_IP, TOA_SO_GET_LOOKUP / TOA_SO_GET_CLIENT / VTOA_SO_GET_CLIENT),
 * through netfilter's sockopt registry: the DPVS ABI as those modules register it, and
 * Alibaba's vtoa number beside it.
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
#include "sockopt.h"
#include "stats.h"
#include "table.h"
#include "toa/uapi.h"

DEFINE_STATIC_SRCU(toa_sockopt_srcu);

static void toa_fill_lb(struct toa_client_info *ci, const struct sock *sk)
{
	ci->lb_port = sk->sk_dport;
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6 && !ipv6_addr_v4mapped(&sk->sk_v6_daddr)) {
		ci->lb_family = AF_INET6;
		memcpy(ci->lb_addr, &sk->sk_v6_daddr, 16);
		return;
	}
#endif
	ci->lb_family = AF_INET;
	memcpy(ci->lb_addr, &sk->sk_daddr, 4);
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
		if (ts->family != 6)
			return 0;
		memcpy(&u->np.saddr, ts->addr, 16);
		u->np.sport = ts->port;
		return sizeof(u->np);
	case VTOA_SO_GET_CLIENT:
		if (ts->family == 4) {
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
		u->ci.family = ts->family == 4 ? AF_INET : AF_INET6;
		u->ci.kind = ts->kind;
		u->ci.len = ts->len;
		u->ci.packet = ts->packet;
		u->ci.format = ts->format;
		u->ci.port = ts->port;
		u->ci.age_ms = jiffies_to_msecs((u32)jiffies - ts->born);
		memcpy(u->ci.addr, ts->addr, ts->family == 4 ? 4 : 16);
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
		return -ENOENT;
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
			while (--i >= 0)
				nf_unregister_sockopt(&toa_nf_sockopt[i]);
			return err;
		}
	}
	return 0;
}

void toa_sockopt_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(toa_nf_sockopt); i++)
		nf_unregister_sockopt(&toa_nf_sockopt[i]);
	synchronize_rcu_tasks(); /* tasks between netfilter's lookup and our SRCU section */
	synchronize_srcu(&toa_sockopt_srcu);
	synchronize_rcu_tasks(); /* and between leaving it and returning */
}
