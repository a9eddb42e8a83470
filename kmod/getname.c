// SPDX-License-Identifier: GPL-2.0
/*
 * Transparent mode: getpeername() and accept() of a TOA socket return the client.
 *
 * A hook at the entry of the kernel's inet_getname()/inet6_getname(), whatever
 * proto_ops table called it (the socket's own, kTLS's or sockmap's copies of it, a
 * listener's on accept): for a TOA socket in transparent mode, when the client fits
 * the socket's family, the call goes on in toa_getname() below instead, with the same
 * arguments (IPMODIFY, as livepatch does); every other call goes on into the kernel's
 * function untouched. No socket or table is ever pointed at the module.
 *
 * Lifetime: toa_getname() runs in the calling task with preemption on; the hooks'
 * teardown waits for such tasks with RCU Tasks (hook.c) before the module goes.
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
	return family_of_sk == AF_INET6 || ts->family == 4;
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
		if (family == 4)
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
 * In place of inet_getname()/inet6_getname(), with their checks for a peer address,
 * for a TOA socket the hook chose (so without the cgroup BPF getpeername hook: the
 * address given is the client's). The caller holds the socket, so its entry cannot go;
 * had it gone all the same, the answer is the socket's own peer, as the kernel's.
 */
static int notrace toa_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sock *sk = sock->sk;
	const struct toa_sock *ts;
	u8 addr[16], family = 0;
	__be16 port = 0;

	if (!READ_ONCE(inet_sk(sk)->inet_dport) ||
	    (((1 << READ_ONCE(sk->sk_state)) & (TCPF_CLOSE | TCPF_SYN_SENT)) && peer == 1))
		return -ENOTCONN;
	rcu_read_lock();
	ts = toa_table_lookup(sk);
	if (ts && toa_sock_live(ts, sk) && toa_fits(ts, sk->sk_family)) {
		family = ts->family;
		port = ts->port;
		memcpy(addr, ts->addr, sizeof(addr));
	}
	rcu_read_unlock();
	if (family) {
		toa_stat_inc(GETNAME_TOA_OK);
		return toa_fill_peer(uaddr, sk->sk_family, addr, family, port);
	}
	toa_stat_inc(GETNAME_TOA_EMPTY);
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6)
		return toa_fill_peer(uaddr, AF_INET6, (const u8 *)&sk->sk_v6_daddr, 6,
				     inet_sk(sk)->inet_dport);
#endif
	return toa_fill_peer(uaddr, AF_INET, (const u8 *)&inet_sk(sk)->inet_daddr, 4,
			     inet_sk(sk)->inet_dport);
}

/* Preemption is off in ftrace callbacks: an RCU read side for the lookup. */
TOA_FTRACE_CALLBACK(toa_getname_hook)
{
	const struct socket *sock = (const struct socket *)toa_ftrace_arg(fregs, 0);
	int peer = (int)toa_ftrace_arg(fregs, 2);
	const struct toa_sock *ts;
	const struct sock *sk;

	if (!peer || !atomic_read(&toa_table.nelems))
		return;
	sk = READ_ONCE(sock->sk);
	if (!sk || sk->sk_protocol != IPPROTO_TCP)
		return;
	ts = toa_table_lookup(sk);
	if (!ts || !toa_sock_live(ts, sk))
		return;
	if (!(READ_ONCE(ts->flags) & TOA_SOCK_F_TRANSPARENT)) {
		toa_stat_inc(GETNAME_TOA_BYPASS);
		return;
	}
	if (!toa_fits(ts, sk->sk_family)) {
		toa_stat_inc(GETNAME_TOA_MISMATCH);
		return;
	}
	toa_ftrace_set_ip(fregs, (unsigned long)toa_getname);
}
