/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_SOCKOPT_H
#define TOA_SOCKOPT_H

int toa_sockopt_init(void);
void toa_sockopt_exit(void);

#endif
