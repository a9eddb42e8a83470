/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference lives here, as named COMPAT_* features; the rest of
 * the module branches on those, never on version numbers.
 */
#ifndef TOA_COMPAT_H
#define TOA_COMPAT_H

#include <linux/version.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <net/genetlink.h>

/* 6.1 validates reserved header fields for ops at or above resv_start_op. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
#define COMPAT_HAVE_GENL_RESV_START_OP 1
#endif

/* Function arguments in a kprobe handler. */
#if defined(CONFIG_X86_64) || defined(CONFIG_ARM64)
#define toa_probe_arg(regs, n) regs_get_kernel_argument((regs), (n))
#else
#error "toa: kprobe argument access is only wired for x86_64 and arm64"
#endif

/* Registering a kprobe by symbol name needs no symbol lookup of ours. */
#ifndef CONFIG_KRETPROBES
#error "toa needs CONFIG_KRETPROBES"
#endif

#endif
