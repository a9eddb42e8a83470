// SPDX-License-Identifier: GPL-2.0
/* The table of TOA sockets: an rhashtable keyed by the socket pointer. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include "stats.h"
#include "table.h"

static struct kmem_cache *toa_sock_cache;
struct rhashtable toa_table;

struct toa_sock *toa_sock_alloc(gfp_t gfp)
{
	return kmem_cache_alloc(toa_sock_cache, gfp);
}

/* For an entry that was never published. */
void toa_sock_discard(struct toa_sock *ts)
{
	kmem_cache_free(toa_sock_cache, ts);
}

/* Out of the table already; readers still on it see a toa_sock (SLAB_TYPESAFE_BY_RCU). */
void toa_sock_free(struct toa_sock *ts)
{
	toa_stat_inc(CONN_FREE);
	if (ts->family == AF_INET6)
		toa_stat_inc(IP6_ADDRESS_FREE);
	kmem_cache_free(toa_sock_cache, ts);
}

int toa_table_insert(struct toa_sock *ts)
{
	/* A new socket: there is no entry for it yet. */
	return rhashtable_insert_fast(&toa_table, &ts->node, toa_table_params);
}

struct toa_sock *toa_table_remove(const struct sock *sk)
{
	struct toa_sock *ts;

	rcu_read_lock();
	ts = toa_table_lookup(sk);
	if (ts && rhashtable_remove_fast(&toa_table, &ts->node, toa_table_params))
		ts = NULL;
	rcu_read_unlock();
	return ts;
}

struct sock *toa_sock_pin(struct toa_sock *ts)
{
	struct sock *sk = READ_ONCE(ts->sk);

	/* TCP sockets are SLAB_TYPESAFE_BY_RCU: the memory is a socket, maybe a new one. */
	if (!refcount_inc_not_zero(&sk->sk_refcnt))
		return NULL;
	if (toa_table_lookup(sk) != ts) {
		sock_gen_put(sk);
		return NULL;
	}
	return sk;
}

/* security_sk_free(sk): the socket's memory is about to be freed. */
TOA_FTRACE_CALLBACK(toa_sk_free_hook)
{
	const struct sock *sk = (const struct sock *)toa_ftrace_arg(fregs, 0);
	struct toa_sock *ts;

	if (!atomic_read(&toa_table.nelems))
		return;
	ts = toa_table_remove(sk);
	if (ts)
		toa_sock_free(ts);
}

/* tcp_disconnect(sk, flags), under the socket lock: the peer is given up. */
TOA_FTRACE_CALLBACK(toa_disconnect_hook)
{
	const struct sock *sk = (const struct sock *)toa_ftrace_arg(fregs, 0);
	struct toa_sock *ts;

	if (!atomic_read(&toa_table.nelems))
		return;
	rcu_read_lock();
	ts = toa_table_lookup(sk);
	if (ts && READ_ONCE(ts->sk) == sk)
		WRITE_ONCE(ts->flags, ts->flags | TOA_SOCK_F_GONE);
	rcu_read_unlock();
}

int toa_table_init(void)
{
	int err;

	/*
	 * The client address is declared as the cache's user-copy region (the getsockopt
	 * answers carry it): that also keeps the cache from being merged into another one,
	 * so it shows in /proc/slabinfo. SLAB_TYPESAFE_BY_RCU: entries are freed at once,
	 * without an RCU callback per connection; SLUB keeps its free pointer after the
	 * object then (48 + 8 bytes).
	 */
	toa_sock_cache = kmem_cache_create_usercopy("toa_sock", sizeof(struct toa_sock), 0,
						    SLAB_TYPESAFE_BY_RCU,
						    offsetof(struct toa_sock, addr),
						    sizeof_field(struct toa_sock, addr), NULL);
	if (!toa_sock_cache)
		return -ENOMEM;
	err = rhashtable_init(&toa_table, &toa_table_params);
	if (err)
		kmem_cache_destroy(toa_sock_cache);
	return err;
}

static void toa_table_free_entry(void *ptr, void *arg)
{
	toa_sock_free(ptr);
}

/* After the hooks are gone: the remaining entries belong to live sockets that no
 * longer need them (they keep working, as plain sockets). */
void toa_table_exit(void)
{
	rhashtable_free_and_destroy(&toa_table, toa_table_free_entry, NULL);
	rcu_barrier();
	kmem_cache_destroy(toa_sock_cache);
}
