/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference lives here, as named COMPAT_* features; the rest of
 * the module branches on those, never on version numbers.
 */
#ifndef TOA_COMPAT_H
#define TOA_COMPAT_H

#include <linux/version.h>
#include <linux/ftrace.h>
#include <linux/ptrace.h>
#include <net/genetlink.h>
#include <net/inet_hashtables.h>
#include <net/inet6_hashtables.h>

/* 6.1 validates reserved header fields for ops at or above resv_start_op. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
#define COMPAT_HAVE_GENL_RESV_START_OP 1
#endif

/* nf_conntrack can be asked for translations (kmod/uoa_nat.c); looked up by name. */
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
#define COMPAT_HAVE_CONNTRACK 1
#endif

#if !defined(CONFIG_X86_64) && !defined(CONFIG_ARM64)
#error "toa: ftrace argument access is only wired for x86_64 and arm64"
#endif
#if !defined(CONFIG_DYNAMIC_FTRACE_WITH_REGS) && !defined(CONFIG_DYNAMIC_FTRACE_WITH_ARGS)
#error "toa needs CONFIG_DYNAMIC_FTRACE_WITH_REGS or CONFIG_DYNAMIC_FTRACE_WITH_ARGS"
#endif

/*
 * ftrace callbacks, and the hooked function's arguments in them:
 *  - up to 5.10 the callback gets struct pt_regs, filled only with SAVE_REGS, and says
 *    itself that it is recursion safe;
 *  - from 5.11 it gets struct ftrace_regs; with WITH_ARGS (x86_64 from 5.11, arm64 from
 *    6.2) the argument registers are there without SAVE_REGS, read with
 *    ftrace_regs_get_argument() where the kernel has it (arm64; x86_64 from 6.x) or
 *    straight from the pt_regs inside (older x86_64); otherwise SAVE_REGS and
 *    ftrace_get_regs().
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
typedef struct pt_regs toa_fregs_t;
#define TOA_FTRACE_FLAGS (FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_RECURSION_SAFE)
#define toa_ftrace_arg(fregs, n) regs_get_kernel_argument((fregs), (n))
#else
typedef struct ftrace_regs toa_fregs_t;
#if defined(CONFIG_DYNAMIC_FTRACE_WITH_ARGS) && \
	(defined(ftrace_regs_get_argument) || defined(CONFIG_ARM64))
#define TOA_FTRACE_FLAGS 0
#define toa_ftrace_arg(fregs, n) ftrace_regs_get_argument((fregs), (n))
#elif defined(CONFIG_DYNAMIC_FTRACE_WITH_ARGS) && defined(CONFIG_X86_64)
#define TOA_FTRACE_FLAGS 0
#define toa_ftrace_arg(fregs, n) regs_get_kernel_argument(&(fregs)->regs, (n))
#else
#define TOA_FTRACE_FLAGS FTRACE_OPS_FL_SAVE_REGS
#define toa_ftrace_arg(fregs, n) regs_get_kernel_argument(ftrace_get_regs(fregs), (n))
#endif
#endif

/*
 * Redirecting a hooked call to a function of ours with the same arguments (as livepatch
 * does): the ops asks for IPMODIFY, and the callback sets the instruction pointer the
 * trampoline returns to. Without WITH_ARGS the generic ftrace_regs helpers do nothing,
 * so those kernels save the registers and the pt_regs inside are written.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
#define TOA_FTRACE_REDIRECT_FLAGS                                                           \
	(FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_RECURSION_SAFE | FTRACE_OPS_FL_IPMODIFY)
#define toa_ftrace_set_ip(fregs, ip) instruction_pointer_set((fregs), (ip))
#elif defined(CONFIG_DYNAMIC_FTRACE_WITH_ARGS)
#define TOA_FTRACE_REDIRECT_FLAGS FTRACE_OPS_FL_IPMODIFY
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0) || defined(ftrace_regs_set_instruction_pointer)
#define toa_ftrace_set_ip(fregs, ip) ftrace_regs_set_instruction_pointer((fregs), (ip))
#else
#define toa_ftrace_set_ip(fregs, ip) ftrace_instruction_pointer_set((fregs), (ip))
#endif
#else
#define TOA_FTRACE_REDIRECT_FLAGS (FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY)
#define toa_ftrace_set_ip(fregs, ip) instruction_pointer_set(ftrace_get_regs(fregs), (ip))
#endif

/*
 * PERMANENT (5.8): while the hooks are registered kernel.ftrace_enabled cannot be
 * switched off (which would silently stop every callback), and with it off they cannot
 * be registered.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 8, 0)
#define COMPAT_FTRACE_PERMANENT FTRACE_OPS_FL_PERMANENT
#else
#define COMPAT_FTRACE_PERMANENT 0
#endif

/* An ftrace callback; @fregs gives the hooked function's arguments by toa_ftrace_arg(). */
#define TOA_FTRACE_CALLBACK(name)                                                          \
	void notrace name(unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op, \
			  toa_fregs_t *fregs)

/*
 * The established-socket lookups: __inet_lookup_established() and
 * __inet6_lookup_established() lost their inet_hashinfo argument in 7.x (the table comes
 * from the namespace). Chosen by the function's own type, so no release number is
 * guessed. The branch not taken is never called; each goes through a local pointer (via
 * void (*)(void), which matches every type), so the compiler checks neither's cast, and
 * with the constant pointer the call it emits is direct.
 */
typedef struct sock *(*toa_lookup4_net_t)(const struct net *net, const __be32 saddr,
					   const __be16 sport, const __be32 daddr,
					   const u16 hnum, const int dif, const int sdif);
typedef struct sock *(*toa_lookup4_hi_t)(struct net *net, struct inet_hashinfo *hashinfo,
					  const __be32 saddr, const __be16 sport,
					  const __be32 daddr, const u16 hnum, const int dif,
					  const int sdif);
typedef struct sock *(*toa_lookup6_net_t)(const struct net *net, const struct in6_addr *saddr,
					   const __be16 sport, const struct in6_addr *daddr,
					   const u16 hnum, const int dif, const int sdif);
typedef struct sock *(*toa_lookup6_hi_t)(struct net *net, struct inet_hashinfo *hashinfo,
					  const struct in6_addr *saddr, const __be16 sport,
					  const struct in6_addr *daddr, const u16 hnum,
					  const int dif, const int sdif);

/* @fn(@net, [hashinfo,] ...) as @fn's type says: @net_t without hashinfo, @hi_t with. */
#define toa_lookup_established_(fn, net_t, hi_t, net, ...)                                 \
	__builtin_choose_expr(                                                             \
		__builtin_types_compatible_p(typeof(&fn), net_t),                          \
		({                                                                         \
			net_t fn_ = (net_t)(void (*)(void))&fn;                            \
			fn_(net, __VA_ARGS__);                                             \
		}),                                                                        \
		({                                                                         \
			hi_t fn_ = (hi_t)(void (*)(void))&fn;                              \
			fn_(net, (net)->ipv4.tcp_death_row.hashinfo, __VA_ARGS__);         \
		}))

#define toa_inet_lookup_established(net, saddr, sport, daddr, hnum, dif)                   \
	toa_lookup_established_(__inet_lookup_established, toa_lookup4_net_t,              \
				toa_lookup4_hi_t, net, saddr, sport, daddr, hnum, dif, 0)
#if IS_ENABLED(CONFIG_IPV6)
#define toa_inet6_lookup_established(net, saddr, sport, daddr, hnum, dif)                  \
	toa_lookup_established_(__inet6_lookup_established, toa_lookup6_net_t,             \
				toa_lookup6_hi_t, net, saddr, sport, daddr, hnum, dif, 0)
#endif

#endif
