/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_UOA_NAT_H
#define TOA_UOA_NAT_H

#include "uoa.h"

/*
 * Caller holds rcu_read_lock(). The mapping of datagrams that reached a socket of @net
 * through a translation (kube-proxy's DNAT and MASQUERADE into a pod, a node's REDIRECT)
 * or routed into it from the node's namespace: the carrier was taken off where the
 * datagrams arrived, before conntrack, and the mapping kept there under the tuple they
 * arrived with. @daddr (the socket's own address) may be zero: then every address of
 * @net is tried.
 */
struct toa_uoa_map *toa_uoa_lookup_nat(struct net *net, u16 af, const u8 *saddr,
				       const u8 *daddr, __be16 sport, __be16 dport);

#endif
