// SPDX-License-Identifier: GPL-2.0
/*
 * Per-socket overrides, for TOA sockets only, the way kTLS and sockmap point the sockets
 * they own at their own tables. No table shared by other sockets is ever written.
 *
 *   sk->sk_destruct  -> toa_sk_destruct: drops the state, then calls the original. Set
 *                       when the child is created; the state dies with the socket.
 *   sk->sk_prot      -> a copy of the socket's proto whose release_cb notices accept()
 *                       (inet_accept grafts the socket, then release_sock() calls
 *                       release_cb); from then on the socket has its own proto back.
 *                       Only where the listener's accept() may not hand on our
 *                       proto_ops (see toa_ops_slot).
 *   sock->ops        -> a copy of the socket's proto_ops with getname (transparent mode)
 *                       and getsockopt (our options, without a netfilter round trip)
 *                       wrapped. Handed on by the listener's accept(), or installed
 *                       by release_cb at accept, before the accepting task sees it.
 *
 * Listening TCP sockets get the same proto_ops copy (at listen(), or at their first TOA
 * connection), because accept() asks the listener's proto_ops for the new socket's
 * address on newer kernels, and hands the listener's proto_ops to the new socket. A
 * socket accepted that way without TOA gets its own proto_ops back when accept()
 * asks for its address; if accept() did not ask, it keeps ours, which only pass
 * through (counted as getname_toa_empty).
 *
 * Unload (toa_override_exit): with the hooks gone, stop installing, give every TOA
 * socket its own pointers back (cmpxchg: only where ours are still there), point the
 * proto_ops copies' entries back at the kernel's own functions (listeners and the
 * sockets they handed our copy to are not tracked: they keep a copy that is now the
 * kernel's table), then wait until no CPU can still be in a wrapper: RCU Tasks for
 * tasks that loaded a pointer and were preempted, SRCU for wrappers that sleep
 * (getsockopt), RCU for softirq. Copies still in use by listeners are left allocated.
 */
#include <linux/in6.h>
#include <linux/kmemleak.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/rcupdate_wait.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include "override.h"
#include "sockopt.h"
#include "stats.h"
#include "toa/uapi.h"

#define TOA_SLOTS 4

struct toa_proto_slot {
	struct proto *orig;
	struct proto copy;
};

/*
 * Two identical copies per table: copy[TOA_OPS_LISTEN] for listeners given ours at
 * listen(), so that every accept() on them hands the new socket ours;
 * copy[TOA_OPS_LATE] for listeners given ours later, while an accept() may already be
 * waiting with the kernel's table: their TOA sockets get ours at accept (release_cb).
 */
enum { TOA_OPS_LISTEN, TOA_OPS_LATE, TOA_OPS_COPIES };

struct toa_ops_slot {
	const struct proto_ops *orig;
	struct proto_ops *copy; /* [TOA_OPS_COPIES], on the heap: may outlive the module */
};

static bool toa_ops_is_copy(const struct toa_ops_slot *os, const struct proto_ops *ops)
{
	return ops == &os->copy[TOA_OPS_LISTEN] || ops == &os->copy[TOA_OPS_LATE];
}

static struct toa_proto_slot toa_protos[TOA_SLOTS];
static struct toa_ops_slot toa_ops[TOA_SLOTS];
static void (*toa_destructs[TOA_SLOTS])(struct sock *sk);
static bool toa_destruct_used[TOA_SLOTS];
static DEFINE_SPINLOCK(toa_slot_lock);
static bool toa_unloading;
static bool toa_listeners_pointed; /* some untracked socket may hold an ops copy */
DEFINE_SRCU(toa_srcu);

static void toa_sk_destruct(struct sock *sk);
static void toa_release_cb(struct sock *sk);
static int (*const toa_getname_fns[])(struct socket *, struct sockaddr *, int);
static int (*const toa_getsockopt_fns[])(struct socket *, int, int, char __user *,
					  int __user *);

/* Slot of @p, given either the original or our copy; NULL if none. */
static struct toa_proto_slot *toa_proto_slot_find(const struct proto *p)
{
	int i;

	for (i = 0; i < TOA_SLOTS; i++) {
		const struct proto *orig = smp_load_acquire(&toa_protos[i].orig);

		if (!orig)
			break;
		if (p == orig || p == &toa_protos[i].copy)
			return &toa_protos[i];
	}
	return NULL;
}

static struct toa_ops_slot *toa_ops_slot_find(const struct proto_ops *ops)
{
	int i;

	for (i = 0; i < TOA_SLOTS; i++) {
		const struct proto_ops *orig = smp_load_acquire(&toa_ops[i].orig);

		if (!orig)
			break;
		if (ops == orig || toa_ops_is_copy(&toa_ops[i], ops))
			return &toa_ops[i];
	}
	return NULL;
}

/* Slots are filled once, under the lock, and published with a release store. */
static struct toa_proto_slot *toa_proto_slot_get(struct proto *orig)
{
	struct toa_proto_slot *s = toa_proto_slot_find(orig);
	unsigned long flags;
	int i;

	if (s)
		return s;
	spin_lock_irqsave(&toa_slot_lock, flags);
	s = toa_proto_slot_find(orig);
	for (i = 0; !s && i < TOA_SLOTS; i++) {
		if (toa_protos[i].orig)
			continue;
		s = &toa_protos[i];
		s->copy = *orig;
		s->copy.release_cb = toa_release_cb;
		smp_store_release(&s->orig, orig);
	}
	spin_unlock_irqrestore(&toa_slot_lock, flags);
	return s;
}

/*
 * A listener that outlived an earlier load of the module holds that load's copy, now
 * the same as the kernel's table: the slot of the table with the same contents serves.
 */
static struct toa_ops_slot *toa_ops_slot_of_clone(const struct proto_ops *ops)
{
	int i;

	for (i = 0; i < TOA_SLOTS; i++) {
		const struct proto_ops *orig = smp_load_acquire(&toa_ops[i].orig);

		if (!orig)
			break;
		if (!memcmp(ops, orig, sizeof(*ops)))
			return &toa_ops[i];
	}
	return NULL;
}

static struct toa_ops_slot *toa_ops_slot_get(const struct proto_ops *orig)
{
	struct toa_ops_slot *s = toa_ops_slot_find(orig);
	unsigned long flags;
	int i;

	if (s)
		return s;
	spin_lock_irqsave(&toa_slot_lock, flags);
	s = toa_ops_slot_find(orig) ?: toa_ops_slot_of_clone(orig);
	for (i = 0; !s && i < TOA_SLOTS; i++) {
		struct proto_ops *copy;
		int c;

		if (toa_ops[i].orig)
			continue;
		copy = kmalloc_array(TOA_OPS_COPIES, sizeof(*copy), GFP_ATOMIC);
		if (!copy)
			break;
		for (c = 0; c < TOA_OPS_COPIES; c++) {
			copy[c] = *orig;
			copy[c].getname = toa_getname_fns[i];
			copy[c].getsockopt = toa_getsockopt_fns[i];
		}
		s = &toa_ops[i];
		s->copy = copy;
		smp_store_release(&s->orig, orig);
	}
	spin_unlock_irqrestore(&toa_slot_lock, flags);
	return s;
}

static int toa_destruct_slot_get(void (*orig)(struct sock *sk))
{
	unsigned long flags;
	int i, slot = -1;

	for (i = 0; i < TOA_SLOTS; i++)
		if (smp_load_acquire(&toa_destruct_used[i]) && toa_destructs[i] == orig)
			return i;
	spin_lock_irqsave(&toa_slot_lock, flags);
	for (i = 0; i < TOA_SLOTS && slot < 0; i++) {
		if (!toa_destruct_used[i]) {
			toa_destructs[i] = orig;
			smp_store_release(&toa_destruct_used[i], true);
			slot = i;
		} else if (toa_destructs[i] == orig) {
			slot = i;
		}
	}
	spin_unlock_irqrestore(&toa_slot_lock, flags);
	return slot;
}

int toa_attach(struct sock *sk, struct toa_sock *ts, bool at_accept)
{
	struct toa_proto_slot *ps = at_accept ? toa_proto_slot_get(sk->sk_prot) : NULL;
	int d = toa_destruct_slot_get(sk->sk_destruct);
	int err = -ENOSPC;

	if ((ps || !at_accept) && d >= 0) {
		ts->flags |= d << TOA_SOCK_DESTRUCT_SHIFT;
		err = toa_table_insert(ts);
	}
	if (err) {
		toa_sock_discard(ts);
		toa_stat_inc(ALLOC_FAIL);
		return err;
	}
	WRITE_ONCE(sk->sk_destruct, toa_sk_destruct);
	if (at_accept)
		WRITE_ONCE(sk->sk_prot, &ps->copy);
	return 0;
}

static void toa_sk_destruct(struct sock *sk)
{
	struct toa_sock *ts = toa_table_remove(sk);
	void (*orig)(struct sock *sk);

	/* Entries leave the table only here, or at unload after this pointer is gone. */
	if (WARN_ON_ONCE(!ts))
		return;
	orig = toa_destructs[ts->flags >> TOA_SOCK_DESTRUCT_SHIFT];
	toa_sock_free(ts);
	if (orig)
		orig(sk);
}

/* Runs under the socket lock; the first time with a struct socket is accept(). */
static void toa_release_cb(struct sock *sk)
{
	struct proto *prot = READ_ONCE(sk->sk_prot);
	struct toa_proto_slot *ps = toa_proto_slot_find(prot);
	struct socket *sock = sk->sk_socket;

	toa_stat_inc(HOOK_RELEASE_CB);
	if (!ps) /* our table was copied by someone else: any slot has the same release_cb */
		ps = &toa_protos[0];
	if (sock && prot == &ps->copy) {
		rcu_read_lock();
		if (!READ_ONCE(toa_unloading)) {
			const struct proto_ops *ops = READ_ONCE(sock->ops);
			struct toa_ops_slot *os = toa_ops_slot_get(ops);

			if (os && !toa_ops_is_copy(os, ops))
				cmpxchg(&sock->ops, ops, &os->copy[TOA_OPS_LATE]);
			cmpxchg(&sk->sk_prot, prot, ps->orig);
		}
		rcu_read_unlock();
	}
	if (ps->orig->release_cb)
		ps->orig->release_cb(sk);
}

/* The client as a peer address of @sk's family; 0 when it does not fit (NAT64). */
static __always_inline int toa_fill_peer(struct sockaddr *uaddr, const struct sock *sk,
					 const struct toa_sock *ts)
{
	if (sk->sk_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)uaddr;

		if (ts->family != 4)
			return 0;
		sin->sin_family = AF_INET;
		sin->sin_port = ts->port;
		memcpy(&sin->sin_addr, ts->addr, 4);
		memset(sin->sin_zero, 0, sizeof(sin->sin_zero));
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)uaddr;

		sin6->sin6_family = AF_INET6;
		if (ts->family == 4)
			ipv6_addr_set_v4mapped(*(const __be32 *)ts->addr, &sin6->sin6_addr);
		else
			memcpy(&sin6->sin6_addr, ts->addr, 16);
		sin6->sin6_port = ts->port;
		sin6->sin6_flowinfo = 0;
		sin6->sin6_scope_id = 0;
		return sizeof(*sin6);
	}
}

static void toa_getname_no_toa(const struct toa_ops_slot *os, struct socket *sock, int peer)
{
	const struct proto_ops *ops = READ_ONCE(sock->ops);

	toa_stat_inc(GETNAME_TOA_EMPTY);
	/* accept() (peer 2) of a socket without TOA from a listener with our copy: the
	 * new socket is not visible to anyone yet, give it its own. */
	if (peer == 2 && toa_ops_is_copy(os, ops))
		cmpxchg(&sock->ops, ops, os->orig);
}

/*
 * getpeername()/accept() of a TOA socket in transparent mode is answered here, with the
 * checks inet_getname() makes, without calling it (so without the cgroup BPF
 * getpeername hook: the address given is the client's). Everything else goes to the
 * kernel's own getname.
 */
static __always_inline int toa_getname(const struct toa_ops_slot *os, struct socket *sock,
				       struct sockaddr *uaddr, int peer)
{
	struct sock *sk = sock->sk;
	const struct toa_sock *ts;
	int len;

	if (!peer) {
		toa_stat_inc(GETNAME_TOA_BYPASS);
		return os->orig->getname(sock, uaddr, peer);
	}
	/* A TOA socket has our destructor from its creation: no lookup for the others. */
	if (READ_ONCE(sk->sk_destruct) != toa_sk_destruct) {
		toa_getname_no_toa(os, sock, peer);
		return os->orig->getname(sock, uaddr, peer);
	}
	rcu_read_lock();
	ts = toa_table_lookup(sk);
	if (ts && (ts->flags & TOA_SOCK_F_TRANSPARENT)) {
		if (!READ_ONCE(inet_sk(sk)->inet_dport) ||
		    (((1 << READ_ONCE(sk->sk_state)) & (TCPF_CLOSE | TCPF_SYN_SENT)) && peer == 1)) {
			rcu_read_unlock();
			return -ENOTCONN;
		}
		len = toa_fill_peer(uaddr, sk, ts);
		rcu_read_unlock();
		if (len) {
			toa_stat_inc(GETNAME_TOA_OK);
			return len;
		}
		toa_stat_inc(GETNAME_TOA_MISMATCH);
		return os->orig->getname(sock, uaddr, peer);
	}
	rcu_read_unlock();
	if (ts)
		toa_stat_inc(GETNAME_TOA_BYPASS);
	else
		toa_getname_no_toa(os, sock, peer);
	return os->orig->getname(sock, uaddr, peer);
}

static int toa_getsockopt(const struct toa_ops_slot *os, struct socket *sock, int level,
			  int optname, char __user *optval, int __user *optlen)
{
	int idx, len, ret;

	idx = srcu_read_lock(&toa_srcu);
	if (level == SOL_IP && (optname == TOA_SO_GET_LOOKUP || optname == TOA_SO_GET_CLIENT)) {
		ret = get_user(len, optlen);
		if (!ret)
			ret = toa_sockopt_get(sock->sk, optname, optval, &len);
		if (!ret)
			ret = put_user(len, optlen);
	} else {
		ret = os->orig->getsockopt(sock, level, optname, optval, optlen);
	}
	srcu_read_unlock(&toa_srcu, idx);
	return ret;
}

/* One pair of entry points per slot: the slot is known without looking at sock->ops. */
#define TOA_SLOT_WRAPPERS(n)                                                                \
	static int toa_getname_##n(struct socket *sock, struct sockaddr *uaddr, int peer)   \
	{                                                                                    \
		return toa_getname(&toa_ops[n], sock, uaddr, peer);                          \
	}                                                                                    \
	static int toa_getsockopt_##n(struct socket *sock, int level, int optname,          \
				      char __user *optval, int __user *optlen)               \
	{                                                                                    \
		return toa_getsockopt(&toa_ops[n], sock, level, optname, optval, optlen);    \
	}
TOA_SLOT_WRAPPERS(0)
TOA_SLOT_WRAPPERS(1)
TOA_SLOT_WRAPPERS(2)
TOA_SLOT_WRAPPERS(3)

static int (*const toa_getname_fns[TOA_SLOTS])(struct socket *, struct sockaddr *, int) = {
	toa_getname_0, toa_getname_1, toa_getname_2, toa_getname_3,
};
static int (*const toa_getsockopt_fns[TOA_SLOTS])(struct socket *, int, int, char __user *,
						   int __user *) = {
	toa_getsockopt_0, toa_getsockopt_1, toa_getsockopt_2, toa_getsockopt_3,
};

bool toa_point_listener(struct socket *sock, bool at_listen)
{
	const struct proto_ops *ops = READ_ONCE(sock->ops);
	struct toa_ops_slot *os;
	int i;

	/* Every TOA connection asks: most listeners were given ours at listen(). */
	for (i = 0; i < TOA_SLOTS; i++) {
		const struct proto_ops *copy = READ_ONCE(toa_ops[i].copy);

		if (!copy)
			break;
		if (ops == &copy[TOA_OPS_LISTEN])
			return !READ_ONCE(toa_unloading);
	}
	if (!ops || READ_ONCE(toa_unloading))
		return false;
	os = toa_ops_slot_get(ops);
	if (!os)
		return false;
	if (toa_ops_is_copy(os, ops))
		return ops == &os->copy[TOA_OPS_LISTEN];
	WRITE_ONCE(toa_listeners_pointed, true);
	cmpxchg(&sock->ops, ops, &os->copy[at_listen ? TOA_OPS_LISTEN : TOA_OPS_LATE]);
	return at_listen;
}

/* Gives @sk its own pointers back where ours are still set. */
static int toa_restore(struct sock *sk, struct toa_sock *ts, void *arg)
{
	struct toa_proto_slot *ps = toa_proto_slot_find(READ_ONCE(sk->sk_prot));
	struct socket *sock = READ_ONCE(sk->sk_socket);

	if (ps)
		cmpxchg(&sk->sk_prot, &ps->copy, ps->orig);
	if (sock) {
		const struct proto_ops *ops = READ_ONCE(sock->ops);
		struct toa_ops_slot *os = toa_ops_slot_find(ops);

		if (os && toa_ops_is_copy(os, ops))
			cmpxchg(&sock->ops, ops, os->orig);
	}
	cmpxchg(&sk->sk_destruct, toa_sk_destruct,
		toa_destructs[ts->flags >> TOA_SOCK_DESTRUCT_SHIFT]);
	return 0;
}

int toa_override_init(void)
{
	WRITE_ONCE(toa_unloading, false);
	return 0;
}

void toa_override_exit(void)
{
	int i;

	WRITE_ONCE(toa_unloading, true);
	synchronize_rcu(); /* release_cb wrappers that saw !toa_unloading are done */

	/* A socket whose last reference is gone is in toa_sk_destruct already. */
	toa_table_walk(toa_restore, NULL);

	/* Untracked holders of a copy now call the kernel's own functions. */
	for (i = 0; i < TOA_SLOTS && toa_ops[i].orig; i++) {
		int c;

		for (c = 0; c < TOA_OPS_COPIES; c++) {
			WRITE_ONCE(toa_ops[i].copy[c].getname, toa_ops[i].orig->getname);
			WRITE_ONCE(toa_ops[i].copy[c].getsockopt, toa_ops[i].orig->getsockopt);
		}
	}

	rcu_barrier();		/* sockets freed from RCU callbacks */
	synchronize_rcu_tasks(); /* tasks between loading our pointer and entering */
	synchronize_srcu(&toa_srcu);
	synchronize_rcu_tasks(); /* and between leaving SRCU and returning */
	synchronize_rcu();

	for (i = 0; i < TOA_SLOTS && toa_ops[i].orig; i++) {
		if (READ_ONCE(toa_listeners_pointed))
			kmemleak_not_leak(toa_ops[i].copy); /* still a socket's proto_ops */
		else
			kfree(toa_ops[i].copy);
		toa_ops[i].copy = NULL;
		toa_ops[i].orig = NULL;
	}
}
