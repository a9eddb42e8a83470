/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_TABLE_H
#define TOA_TABLE_H

#include <linux/hash.h>
#include <linux/rhashtable.h>
#include <net/sock.h>

/*
 * Per-connection state, one per TOA socket, in the "toa_sock" slab cache (48 bytes and
 * SLUB's free pointer, checked at build time).
 *
 * Lifetime: inserted when the child socket is created (its sk_destruct then points at
 * toa_sk_destruct), removed and freed by that destructor before the socket's memory is
 * freed, so an entry never outlives its socket and is never seen by a later socket at
 * the same address. The cache is SLAB_TYPESAFE_BY_RCU, like the sockets themselves: an
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
	u8 family;  /* 4 or 6 */
	u8 packet;  /* enum toa_packet */
	u8 format;  /* enum toa_format */
	u8 flags;   /* TOA_SOCK_F_* | destructor slot << TOA_SOCK_DESTRUCT_SHIFT */
	u32 born;   /* jiffies, low 32 bits */
};

static_assert(sizeof(struct toa_sock) + sizeof(void *) <= 64,
	      "toa_sock and the free pointer must stay within 64 bytes");

#define TOA_SOCK_F_TRANSPARENT 0x01
#define TOA_SOCK_DESTRUCT_SHIFT 4

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

/*
 * Under rcu_read_lock(). rhashtable_lookup() itself, with the key in a register and the
 * entry at a constant offset: getpeername() of every TOA socket comes here, and the
 * kernel's out-of-line copy costs a third of it more. Same walk: the bucket, again if
 * the chain ended in another bucket's marker (an entry moved), then a table being
 * resized into.
 */
static __always_inline struct toa_sock *toa_table_lookup(const struct sock *sk)
{
	struct bucket_table *tbl = rht_dereference_rcu(toa_table.tbl, &toa_table);
	struct rhash_lock_head __rcu *const *bkt;
	struct rhash_head *he;
	unsigned int hash;

	do {
		hash = rht_bucket_index(tbl, toa_table_hash_sk(sk, tbl->hash_rnd));
		bkt = rht_bucket(tbl, hash);
		do {
			rht_for_each_rcu_from(he, rht_ptr_rcu(bkt), tbl, hash) {
				struct toa_sock *ts = container_of(he, struct toa_sock, node);

				if (ts->sk == sk)
					return ts;
			}
		} while (he != RHT_NULLS_MARKER(bkt));
		smp_rmb(); /* as rhashtable: the chain before the next table */
		tbl = rht_dereference_rcu(tbl->future_tbl, &toa_table);
	} while (tbl);
	return NULL;
}

/* Pins the socket of @ts while it is still that entry's; caller holds RCU. */
struct sock *toa_sock_pin(struct toa_sock *ts);

/*
 * Calls @fn for each entry whose socket is still alive, pinned, in RCU context (no
 * sleeping); stops at the first non-zero return, which it returns.
 */
int toa_table_walk(int (*fn)(struct sock *sk, struct toa_sock *ts, void *arg), void *arg);

int toa_table_init(void);
void toa_table_exit(void);

#endif
