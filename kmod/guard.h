/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_GUARD_H
#define TOA_GUARD_H

#include <linux/skbuff.h>

/* True, once, when the guard let this TCP packet (its option) out of the node's namespace. */
bool toa_guard_vouched(const struct sk_buff *skb);
/* Registers (on) or removes the guard's netfilter hooks; config.c calls it, under its lock. */
int toa_guard_set(bool on);
int toa_guard_init(void);
void toa_guard_exit(void);

#endif
