/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_TABLE_H
#define TOA_TABLE_H

#include <linux/hash.h>
#include <linux/rhashtable.h>
#include <net/sock.h>

/*
 * Per-connection state, one per TOA socket, in the "toa_sock" slab cache (64 bytes,
 * checked at build time).
 *
 * Lifetime: inserted when the child socket is created (its sk_destruct then points at
 * toa_sk_destruct), removed by that destructor before the socket's memory is freed, so
 * an entry never outlives its socket and is never seen by a later socket at the same
 * address. Readers use RCU; the entry is freed after a grace period.
 */
struct toa_sock {
	struct rhash_head node;
	struct sock *sk; /* key */
	struct rcu_head rcu;
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

static_assert(sizeof(struct toa_sock) <= 64, "toa_sock must stay within 64 bytes");

#define TOA_SOCK_F_TRANSPARENT 0x01
#define TOA_SOCK_DESTRUCT_SHIFT 4

struct toa_sock *toa_sock_alloc(gfp_t gfp);
void toa_sock_free(struct toa_sock *ts);
void toa_sock_discard(struct toa_sock *ts);

extern struct rhashtable toa_table;

static inline u32 toa_table_hash(const void *data, u32 len, u32 seed)
{
	return hash_64((u64)(unsigned long)*(const struct sock *const *)data ^ seed, 32);
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

/* Under rcu_read_lock(). */
static inline struct toa_sock *toa_table_lookup(const struct sock *sk)
{
	return rhashtable_lookup(&toa_table, &sk, toa_table_params);
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
