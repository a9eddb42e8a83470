/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_NETLINK_H
#define TOA_NETLINK_H

int toa_netlink_init(void);
void toa_netlink_exit(void);

#endif
