// SPDX-License-Identifier: GPL-2.0
/*
 * getsockopt(IPPROTO_IP, TOA_SO_GET_LOOKUP / TOA_SO_GET_CLIENT). TOA sockets are
 * answered straight from their own proto_ops (override.c); every other socket reaches
 * us through netfilter's sockopt registry, which also keeps the DPVS ABI for them.
 */
#include <linux/jiffies.h>
#include <linux/netfilter.h>
#include <linux/uaccess.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include "override.h"
#include "sockopt.h"
#include "stats.h"
#include "table.h"
#include "toa/uapi.h"

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

int toa_sockopt_get(struct sock *sk, int optname, void __user *buf, int *len)
{
	union {
		struct toa_client_info ci;
		struct toa_nat64_peer np;
	} u;
	const struct toa_sock *ts;
	int size = optname == TOA_SO_GET_LOOKUP ? sizeof(u.np) : sizeof(u.ci);
	bool found = false;

	if (sk->sk_type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP)
		return -EOPNOTSUPP;
	if (*len < size)
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	rcu_read_lock();
	ts = toa_table_lookup(sk);
	if (ts && optname == TOA_SO_GET_LOOKUP) {
		found = ts->family == 6;
		memcpy(&u.np.saddr, ts->addr, 16);
		u.np.sport = ts->port;
	} else if (ts) {
		found = true;
		u.ci.family = ts->family == 4 ? AF_INET : AF_INET6;
		u.ci.kind = ts->kind;
		u.ci.len = ts->len;
		u.ci.packet = ts->packet;
		u.ci.format = ts->format;
		u.ci.port = ts->port;
		u.ci.age_ms = jiffies_to_msecs((u32)jiffies - ts->born);
		memcpy(u.ci.addr, ts->addr, ts->family == 4 ? 4 : 16);
		toa_fill_lb(&u.ci, sk);
	}
	rcu_read_unlock();
	if (!found) {
		toa_stat_inc(SOCKOPT_NO_TOA);
		return -ENOENT;
	}
	if (copy_to_user(buf, &u, size))
		return -EFAULT;
	*len = size;
	toa_stat_inc(SOCKOPT_OK);
	return 0;
}

static int toa_nf_get(struct sock *sk, int optval, void __user *user, int *len)
{
	int idx = srcu_read_lock(&toa_srcu);
	int ret = toa_sockopt_get(sk, optval, user, len);

	srcu_read_unlock(&toa_srcu, idx);
	return ret;
}

/*
 * No .owner: a module reference would make rmmod fail while any task is inside
 * getsockopt. toa_override_exit() waits out callers with RCU Tasks and SRCU instead.
 */
static struct nf_sockopt_ops toa_nf_sockopt = {
	.pf = PF_INET,
	.set_optmin = TOA_BASE_CTL,
	.set_optmax = TOA_BASE_CTL, /* no set options */
	.get_optmin = TOA_BASE_CTL,
	.get_optmax = TOA_SO_GET_MAX + 1,
	.get = toa_nf_get,
};

int toa_sockopt_init(void)
{
	int err = nf_register_sockopt(&toa_nf_sockopt);

	if (err)
		pr_err("toa: getsockopt %d..%d is taken (another TOA module loaded?): %d\n",
		       TOA_BASE_CTL, TOA_SO_GET_MAX, err);
	return err;
}

void toa_sockopt_exit(void)
{
	nf_unregister_sockopt(&toa_nf_sockopt);
}
