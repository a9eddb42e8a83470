/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_TABLE_H
#define TOA_TABLE_H

#include <linux/hash.h>
#include <linux/rhashtable.h>
#include <net/sock.h>
#include "compat.h"

/*
 * Per-connection state, one per TOA socket, in the "toa_sock" slab cache (48 bytes and
 * SLUB's free pointer, checked at build time).
 *
 * Lifetime: inserted when the child socket is created, removed and freed when the
 * socket's memory is (the security_sk_free hook, in sk_prot_free), so an entry never
 * outlives its socket and is never seen by a later socket at the same address. The
 * socket itself keeps no pointer to the module: nothing to give back at unload, nothing
 * that kTLS, sockmap or a child socket could copy. A socket that gives up its peer
 * (tcp_disconnect: to connect or listen again) keeps its entry, marked gone. The cache is SLAB_TYPESAFE_BY_RCU, like the sockets themselves: an
 * entry a reader found under RCU stays a toa_sock, but may be freed and reused at once.
 * A socket's own entry cannot go while the socket is in a system call (getpeername,
 * getsockopt); anyone else pins the socket and checks the entry is still its own
 * (toa_sock_pin()).
 */
struct toa_sock {
	struct rhash_head node;
	struct sock *sk; /* key */
	u8 addr[16];
	__be16 port;
	u8 kind;
	u8 len;
	u8 family;  /* AF_INET or AF_INET6 */
	u8 packet;  /* enum toa_packet */
	u8 format;  /* enum toa_format */
	u8 flags;   /* TOA_SOCK_F_* */
	u32 born;   /* jiffies, low 32 bits */
};

static_assert(sizeof(struct toa_sock) + sizeof(void *) <= 64,
	      "toa_sock and the free pointer must stay within 64 bytes");

#define TOA_SOCK_F_TRANSPARENT 0x01
#define TOA_SOCK_F_GONE 0x02 /* the socket disconnected: the client is not its peer */

struct toa_sock *toa_sock_alloc(gfp_t gfp);
void toa_sock_free(struct toa_sock *ts);
void toa_sock_discard(struct toa_sock *ts);

extern struct rhashtable toa_table;

static inline u32 toa_table_hash_sk(const struct sock *sk, u32 seed)
{
	return hash_64((u64)(unsigned long)sk ^ seed, 32);
}

static inline u32 toa_table_hash(const void *data, u32 len, u32 seed)
{
	return toa_table_hash_sk(*(const struct sock *const *)data, seed);
}

static inline int toa_table_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	return ((const struct toa_sock *)obj)->sk != *(const struct sock *const *)arg->key;
}

/* Constant, so that lookups compile to a hash, a bucket load and a compare. */
static const struct rhashtable_params toa_table_params = {
	.head_offset = offsetof(struct toa_sock, node),
	.key_offset = offsetof(struct toa_sock, sk),
	.key_len = sizeof(struct sock *),
	.hashfn = toa_table_hash,
	.obj_cmpfn = toa_table_cmp,
	.automatic_shrinking = true,
};

int toa_table_insert(struct toa_sock *ts);
struct toa_sock *toa_table_remove(const struct sock *sk);

/* Under rcu_read_lock() (or with preemption off, as in ftrace callbacks). */
static __always_inline struct toa_sock *toa_table_lookup(const struct sock *sk)
{
	return rhashtable_lookup(&toa_table, &sk, toa_table_params);
}

/* @ts, found for @sk, still tells @sk's client. */
static __always_inline bool toa_sock_live(const struct toa_sock *ts, const struct sock *sk)
{
	return READ_ONCE(ts->sk) == sk && !(READ_ONCE(ts->flags) & TOA_SOCK_F_GONE);
}

/* Pins the socket of @ts while it is still that entry's; caller holds RCU. */
struct sock *toa_sock_pin(struct toa_sock *ts);

/* The hooks on socket free and disconnect (hook.c registers them). */
TOA_FTRACE_CALLBACK(toa_sk_free_hook);
TOA_FTRACE_CALLBACK(toa_disconnect_hook);

int toa_table_init(void);
void toa_table_exit(void);

#endif
