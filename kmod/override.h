/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_OVERRIDE_H
#define TOA_OVERRIDE_H

#include <net/sock.h>
#include "table.h"

/* Takes @ts (frees it on failure); @sk is the new child, still bh-locked. */
int toa_attach(struct sock *sk, struct toa_sock *ts);

/* Gives a listening socket our proto_ops copy (see override.c). */
void toa_point_listener(struct socket *sock);

/* Nested SRCU read sections keep module text alive where a wrapper may sleep. */
extern struct srcu_struct toa_srcu;

int toa_override_init(void);
void toa_override_exit(void);

#endif
