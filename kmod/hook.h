/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TOA_HOOK_H
#define TOA_HOOK_H

#include <linux/ftrace.h>

/* One hooked kernel function, found by name at load time. */
struct toa_hook {
	const char *name;
	ftrace_func_t func;
	unsigned long flags;
	const char *needs; /* what a kernel without it lacks */
	struct ftrace_ops ops;
	bool registered;
};

#define TOA_HOOK(fn, cb, fl, why)                                                           \
	{ .name = fn, .func = (ftrace_func_t)(cb), .flags = (fl), .needs = why }

/* One hook; a failure says which function and why in the kernel log. */
int toa_hook_register(struct toa_hook *h);
/* After it the hook's callback does not run any more (callers wait for the rest). */
void toa_hook_unregister(struct toa_hook *h);

int toa_hook_init(void);
void toa_hook_exit(void);

#endif
