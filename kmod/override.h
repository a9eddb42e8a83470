/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_OVERRIDE_H
#define TOA_OVERRIDE_H

#include <net/sock.h>
#include "table.h"

/*
 * Takes @ts (frees it on failure); @sk is the new child, still bh-locked. @at_accept:
 * also give the socket our proto_ops when accept() takes it (its listener's accept()
 * may not hand them on, see toa_point_listener()).
 */
int toa_attach(struct sock *sk, struct toa_sock *ts, bool at_accept);

/*
 * Gives a listening socket our proto_ops copy (see override.c), @at_listen when called
 * from listen(). True when every accept() on it hands the new socket our copy.
 */
bool toa_point_listener(struct socket *sock, bool at_listen);

/* Nested SRCU read sections keep module text alive where a wrapper may sleep. */
extern struct srcu_struct toa_srcu;

int toa_override_init(void);
void toa_override_exit(void);

#endif
