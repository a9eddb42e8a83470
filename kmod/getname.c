// SPDX-License-Identifier: GPL-2.0
/*
 * Transparent mode: getpeername() and accept() of a TOA socket return the client.
 *
 * A hook at the entry of the kernel's inet_getname()/inet6_getname(), whatever
 * proto_ops table called it (the socket's own, kTLS's or sockmap's copies of it, a
 * listener's on accept): for a TOA socket in transparent mode, when the client fits
 * the socket's family, the hook writes the client into the caller's buffer and the call
 * goes on in a function of ours that only returns its length (IPMODIFY, as livepatch
 * does): one table lookup in all. Every other call goes on into the kernel's function
 * untouched. No socket or table is ever pointed at the module.
 *
 * Lifetime: the toa_getname_*() functions run in the calling task with preemption on;
 * the hooks' teardown waits for such tasks with RCU Tasks (hook.c) before the module
 * goes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in6.h>
#include <linux/net.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/tcp_states.h>
#include "getname.h"
#include "stats.h"
#include "table.h"

/* The client fits a socket of @sk_family: IPv4 anywhere, IPv6 only on IPv6 sockets. */
static __always_inline bool toa_fits(const struct toa_sock *ts, unsigned short family_of_sk)
{
	return family_of_sk == AF_INET6 || ts->family == AF_INET;
}

static int toa_fill_peer(struct sockaddr *uaddr, unsigned short sock_family, const u8 *addr,
			 u8 family, __be16 port)
{
	if (sock_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)uaddr;

		sin->sin_family = AF_INET;
		sin->sin_port = port;
		memcpy(&sin->sin_addr, addr, 4);
		memset(sin->sin_zero, 0, sizeof(sin->sin_zero));
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)uaddr;

		sin6->sin6_family = AF_INET6;
		if (family == AF_INET)
			ipv6_addr_set_v4mapped(*(const __be32 *)addr, &sin6->sin6_addr);
		else
			memcpy(&sin6->sin6_addr, addr, 16);
		sin6->sin6_port = port;
		sin6->sin6_flowinfo = 0;
		sin6->sin6_scope_id = 0;
		return sizeof(*sin6);
	}
}

/*
 * Where a call the hook answered goes on, in place of inet_getname()/inet6_getname():
 * the hook wrote the client into the caller's buffer already (so the cgroup BPF
 * getpeername hook does not run: the address given is the client's).
 */
static int notrace toa_getname_in(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	return sizeof(struct sockaddr_in);
}

static int notrace toa_getname_in6(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	return sizeof(struct sockaddr_in6);
}

static int notrace toa_getname_notconn(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	return -ENOTCONN;
}

TOA_FTRACE_CALLBACK(toa_getname_hook)
{
	const struct socket *sock = (const struct socket *)toa_ftrace_arg(fregs, 0);
	struct sockaddr *uaddr = (struct sockaddr *)toa_ftrace_arg(fregs, 1);
	int peer = (int)toa_ftrace_arg(fregs, 2);
	const struct toa_sock *ts;
	const struct sock *sk;
	int (*answer)(struct socket *, struct sockaddr *, int);

	if (!peer || !atomic_read(&toa_table.nelems))
		return;
	sk = READ_ONCE(sock->sk);
	if (!sk || sk->sk_protocol != IPPROTO_TCP)
		return;
	rcu_read_lock();
	ts = toa_table_lookup(sk);
	if (!ts || !toa_sock_live(ts, sk))
		goto out;
	if (!(READ_ONCE(ts->flags) & TOA_SOCK_F_TRANSPARENT)) {
		toa_stat_inc(GETNAME_TOA_BYPASS);
		goto out;
	}
	if (!toa_fits(ts, sk->sk_family)) {
		toa_stat_inc(GETNAME_TOA_MISMATCH);
		goto out;
	}
	/* inet_getname()'s own check for a peer */
	if (!READ_ONCE(inet_sk(sk)->inet_dport) ||
	    (((1 << READ_ONCE(sk->sk_state)) & (TCPF_CLOSE | TCPF_SYN_SENT)) && peer == 1)) {
		answer = toa_getname_notconn;
	} else {
		toa_fill_peer(uaddr, sk->sk_family, ts->addr, ts->family, ts->port);
		toa_stat_inc(GETNAME_TOA_OK);
		answer = sk->sk_family == AF_INET ? toa_getname_in : toa_getname_in6;
	}
	toa_ftrace_set_ip(fregs, (unsigned long)answer);
out:
	rcu_read_unlock();
}
