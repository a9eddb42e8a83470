/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_SOCKOPT_H
#define TOA_SOCKOPT_H

#include <net/sock.h>

/* Answers TOA_SO_GET_LOOKUP / TOA_SO_GET_CLIENT for @sk; *len in: buffer, out: used. */
int toa_sockopt_get(struct sock *sk, int optname, void __user *buf, int *len);

int toa_sockopt_init(void);
void toa_sockopt_exit(void);

#endif
