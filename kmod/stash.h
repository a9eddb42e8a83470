/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_STASH_H
#define TOA_STASH_H

#include <net/request_sock.h>
#include "parse.h"

/*
 * An option seen on a SYN, kept until the handshake completes for the request sock it
 * created (and, rarely, one seen on the ACK, kept from the child's creation to its
 * first moment: see hook.c). Validated by the SYN's sequence number and the peer port,
 * since request socks are reused. A fixed array (stash.c): entries of requests that
 * never complete go after 120 s (a sweep every 5 s while there are any), or earlier
 * when their slot is needed; taken entries go 2 s after they were taken.
 */
/* Entries in the stash: when 0, no one needs to look. */
extern atomic_t toa_stash_count;

/* @packet: enum toa_packet, the packet that carried the option. */
void toa_stash_add(const struct request_sock *req, const struct toa_parsed *p, u8 packet);
bool toa_stash_take(const struct request_sock *req, struct toa_parsed *p, u8 *packet);

int toa_stash_init(void);
void toa_stash_exit(void);

#endif
