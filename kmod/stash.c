// SPDX-License-Identifier: GPL-2.0
/*
 * The stash: a fixed, open-addressed array of slots, no allocation per entry. A request
 * hashes to a window of TOA_STASH_PROBE slots. A slot's req field is its lock and its
 * key: NULL (free) -> BUSY with cmpxchg by the one writer or reader that owns it for a
 * moment -> the request (a release store, after the rest is written) or NULL.
 * Nothing waits for a BUSY slot; it is skipped.
 *
 * Entries of requests that never complete (the client gave up, reset, or timed out)
 * go after the longest SYN-RECV life (a sweep every few seconds while there are any,
 * so that the hooks' "stash empty" fast path comes back), or earlier when a window is
 * full: then the oldest entry in it goes (counted as full unless it had expired).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/inet_sock.h>
#include <net/tcp.h>
#include "stash.h"
#include "stats.h"

#define TOA_STASH_BITS 11 /* 2048 slots of 48 bytes */
#define TOA_STASH_SLOTS (1U << TOA_STASH_BITS)
#define TOA_STASH_PROBE 8
#define TOA_STASH_TTL (120 * HZ)
#define TOA_STASH_TAKEN_TTL (2 * HZ) /* a taken entry, for a second CPU on the same handshake */
#define TOA_STASH_GC_PERIOD (5 * HZ)
#define TOA_STASH_BUSY ((const struct request_sock *)1UL)

struct toa_stash_slot {
	const struct request_sock *req; /* NULL: free; TOA_STASH_BUSY: owned for a moment */
	unsigned long born;
	u32 isn;
	__be16 rport;
	u8 packet;
	bool taken;
	struct toa_parsed p;
};

atomic_t toa_stash_count = ATOMIC_INIT(0);
static struct toa_stash_slot *toa_stash;
static struct delayed_work toa_stash_gc_work;

static struct toa_stash_slot *toa_stash_slot(const struct request_sock *req, unsigned int i)
{
	return &toa_stash[(hash_ptr(req, TOA_STASH_BITS) + i) & (TOA_STASH_SLOTS - 1)];
}

/*
 * Older than the longest SYN-RECV life: its handshake will not complete. A taken entry
 * is kept a moment longer only for a CPU that completes the same handshake at once.
 */
static bool toa_stash_expired(const struct toa_stash_slot *s)
{
	return time_after(jiffies, READ_ONCE(s->born) +
				   (READ_ONCE(s->taken) ? TOA_STASH_TAKEN_TTL : TOA_STASH_TTL));
}

/* A slot of @req's window, owned (BUSY); *fresh when it was free. NULL: none to have. */
static struct toa_stash_slot *toa_stash_claim(const struct request_sock *req, bool *fresh)
{
	struct toa_stash_slot *s, *oldest = NULL;
	const struct request_sock *cur, *oldest_req = NULL;
	unsigned int i;

	for (i = 0; i < TOA_STASH_PROBE; i++) {
		s = toa_stash_slot(req, i);
		cur = READ_ONCE(s->req);
		if (!cur) {
			if (!cmpxchg(&s->req, NULL, TOA_STASH_BUSY)) {
				*fresh = true;
				return s;
			}
		} else if (cur != TOA_STASH_BUSY &&
			   (!oldest || time_before(READ_ONCE(s->born), READ_ONCE(oldest->born)))) {
			oldest = s;
			oldest_req = cur;
		}
	}
	if (!oldest || cmpxchg(&oldest->req, oldest_req, TOA_STASH_BUSY) != oldest_req)
		return NULL;
	if (oldest->taken)
		; /* its handshake is done */
	else if (toa_stash_expired(oldest))
		toa_stat_inc(SYN_STASH_EXPIRED);
	else
		toa_stat_inc(SYN_STASH_FULL); /* a request still in its handshake loses it */
	*fresh = false;
	return oldest;
}

void toa_stash_add(const struct request_sock *req, const struct toa_parsed *p, u8 packet)
{
	struct toa_stash_slot *s;
	bool fresh;

	s = toa_stash_claim(req, &fresh);
	if (!s) {
		toa_stat_inc(SYN_STASH_FULL);
		return;
	}
	if (fresh)
		atomic_inc(&toa_stash_count);
	s->born = jiffies;
	s->isn = tcp_rsk(req)->rcv_isn;
	s->rport = inet_rsk(req)->ir_rmt_port;
	s->packet = packet;
	s->taken = false;
	s->p = *p;
	smp_store_release(&s->req, req);
	toa_stat_inc(SYN_STASH_ADD);
	if (!delayed_work_pending(&toa_stash_gc_work))
		mod_delayed_work(system_wq, &toa_stash_gc_work, TOA_STASH_GC_PERIOD);
}

/*
 * Request socks are reused: an entry for @req's address may be an older request's
 * (another SYN sequence number or port). Such an entry goes. A hit stays, marked taken,
 * for TOA_STASH_TAKEN_TTL: when two CPUs complete one handshake (two copies of the ACK),
 * the one whose child survives is not known here, so both get the option.
 */
bool toa_stash_take(const struct request_sock *req, struct toa_parsed *p, u8 *packet)
{
	unsigned int i;

	for (i = 0; i < TOA_STASH_PROBE; i++) {
		struct toa_stash_slot *s = toa_stash_slot(req, i);
		bool hit;

		if (READ_ONCE(s->req) != req || cmpxchg(&s->req, req, TOA_STASH_BUSY) != req)
			continue;
		hit = s->isn == tcp_rsk(req)->rcv_isn && s->rport == inet_rsk(req)->ir_rmt_port;
		if (hit) {
			*p = s->p;
			*packet = s->packet;
			if (!s->taken) {
				s->born = jiffies;
				s->taken = true;
			}
			smp_store_release(&s->req, req);
			toa_stat_inc(SYN_STASH_HIT);
			return true;
		}
		smp_store_release(&s->req, NULL);
		atomic_dec(&toa_stash_count);
	}
	return false;
}

static void toa_stash_gc(struct work_struct *work)
{
	unsigned int i;

	for (i = 0; i < TOA_STASH_SLOTS; i++) {
		struct toa_stash_slot *s = &toa_stash[i];
		const struct request_sock *req = READ_ONCE(s->req);

		if (!req || req == TOA_STASH_BUSY || !toa_stash_expired(s))
			continue;
		local_bh_disable(); /* no hook on this CPU finds the slot BUSY meanwhile */
		if (cmpxchg(&s->req, req, TOA_STASH_BUSY) == req) {
			if (toa_stash_expired(s)) { /* still that one */
				if (!s->taken)
					toa_stat_inc(SYN_STASH_EXPIRED);
				smp_store_release(&s->req, NULL);
				atomic_dec(&toa_stash_count);
			} else {
				smp_store_release(&s->req, req);
			}
		}
		local_bh_enable();
	}
	if (atomic_read(&toa_stash_count))
		mod_delayed_work(system_wq, &toa_stash_gc_work, TOA_STASH_GC_PERIOD);
}

int toa_stash_init(void)
{
	INIT_DELAYED_WORK(&toa_stash_gc_work, toa_stash_gc);
	toa_stash = kvcalloc(TOA_STASH_SLOTS, sizeof(*toa_stash), GFP_KERNEL);
	return toa_stash ? 0 : -ENOMEM;
}

/* After the hooks are gone: nothing adds or takes any more. */
void toa_stash_exit(void)
{
	cancel_delayed_work_sync(&toa_stash_gc_work);
	kvfree(toa_stash);
	toa_stash = NULL;
	atomic_set(&toa_stash_count, 0);
}
