/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_HOOK_H
#define TOA_HOOK_H

int toa_hook_init(void);
void toa_hook_exit(void);

#endif
