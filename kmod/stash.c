// SPDX-License-Identifier: GPL-2.0
#include <linux/jiffies.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/inet_sock.h>
#include <net/tcp.h>
#include "stash.h"
#include "stats.h"

#define TOA_STASH_MAX 16384
#define TOA_STASH_TTL (120 * HZ)
#define TOA_STASH_GC_PERIOD (5 * HZ)

struct toa_stash {
	struct rhash_head node;
	const struct request_sock *req; /* key */
	struct rcu_head rcu;
	u32 isn;
	__be16 rport;
	u8 packet;
	unsigned long born;
	struct toa_parsed p;
};

atomic_t toa_stash_count = ATOMIC_INIT(0);
static struct rhashtable toa_stash_table;
static struct delayed_work toa_stash_gc_work;

static const struct rhashtable_params toa_stash_params = {
	.head_offset = offsetof(struct toa_stash, node),
	.key_offset = offsetof(struct toa_stash, req),
	.key_len = sizeof(void *),
	.automatic_shrinking = true,
};

static void toa_stash_drop(struct toa_stash *st)
{
	if (!rhashtable_remove_fast(&toa_stash_table, &st->node, toa_stash_params)) {
		atomic_dec(&toa_stash_count);
		kfree_rcu(st, rcu);
	}
}

void toa_stash_add(const struct request_sock *req, const struct toa_parsed *p, u8 packet)
{
	struct toa_stash *st, *old;

	if (atomic_inc_return(&toa_stash_count) > TOA_STASH_MAX) {
		atomic_dec(&toa_stash_count);
		toa_stat_inc(SYN_STASH_FULL);
		return;
	}
	st = kmalloc(sizeof(*st), GFP_ATOMIC);
	if (!st) {
		atomic_dec(&toa_stash_count);
		toa_stat_inc(ALLOC_FAIL);
		return;
	}
	st->req = req;
	st->isn = tcp_rsk(req)->rcv_isn;
	st->rport = inet_rsk(req)->ir_rmt_port;
	st->packet = packet;
	st->born = jiffies;
	st->p = *p;
	rcu_read_lock();
	old = rhashtable_lookup_get_insert_fast(&toa_stash_table, &st->node, toa_stash_params);
	if (old) {
		/* A stale entry of an earlier request at this address: replace it. */
		if (!IS_ERR(old))
			toa_stash_drop(old);
		if (IS_ERR(old) || rhashtable_insert_fast(&toa_stash_table, &st->node,
							  toa_stash_params)) {
			atomic_dec(&toa_stash_count);
			kfree(st);
			toa_stat_inc(ALLOC_FAIL);
			rcu_read_unlock();
			return;
		}
	}
	rcu_read_unlock();
	toa_stat_inc(SYN_STASH_ADD);
	if (!delayed_work_pending(&toa_stash_gc_work))
		mod_delayed_work(system_wq, &toa_stash_gc_work, TOA_STASH_GC_PERIOD);
}

bool toa_stash_take(const struct request_sock *req, struct toa_parsed *p, u8 *packet)
{
	struct toa_stash *st;
	bool hit = false;

	rcu_read_lock();
	st = rhashtable_lookup(&toa_stash_table, &req, toa_stash_params);
	if (st) {
		hit = st->isn == tcp_rsk(req)->rcv_isn && st->rport == inet_rsk(req)->ir_rmt_port;
		if (hit) {
			*p = st->p;
			*packet = st->packet;
		}
		toa_stash_drop(st);
	}
	rcu_read_unlock();
	if (hit)
		toa_stat_inc(SYN_STASH_HIT);
	return hit;
}

static void toa_stash_gc(struct work_struct *work)
{
	struct rhashtable_iter iter;
	struct toa_stash *st;

	rhashtable_walk_enter(&toa_stash_table, &iter);
	rhashtable_walk_start(&iter);
	while ((st = rhashtable_walk_next(&iter))) {
		if (IS_ERR(st))
			continue;
		if (time_after(jiffies, st->born + TOA_STASH_TTL)) {
			toa_stash_drop(st);
			toa_stat_inc(SYN_STASH_EXPIRED);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	if (atomic_read(&toa_stash_count))
		mod_delayed_work(system_wq, &toa_stash_gc_work, TOA_STASH_GC_PERIOD);
}

int toa_stash_init(void)
{
	INIT_DELAYED_WORK(&toa_stash_gc_work, toa_stash_gc);
	return rhashtable_init(&toa_stash_table, &toa_stash_params);
}

static void toa_stash_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/* After the hooks are gone: nothing adds any more. */
void toa_stash_exit(void)
{
	cancel_delayed_work_sync(&toa_stash_gc_work);
	rhashtable_free_and_destroy(&toa_stash_table, toa_stash_free, NULL);
	rcu_barrier();
	atomic_set(&toa_stash_count, 0);
}
