// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test module: proves that a booted-kernel run fails when the kernel
 * complains. Loads and unloads cleanly; with a parameter it misbehaves on purpose at load:
 *   warn=1    WARN_ON(1)
 *   leak=1    kmalloc()s 64 bytes and drops the pointer (kmemleak, debug kernels)
 *   sleep=1   might_sleep() under a spinlock (CONFIG_DEBUG_ATOMIC_SLEEP)
 *   lockdep=1 takes two mutexes in both orders (lockdep: circular dependency)
 */
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static int warn;
module_param(warn, int, 0444);
MODULE_PARM_DESC(warn, "1: WARN_ON(1) at load");
static int do_leak;
module_param_named(leak, do_leak, int, 0444);
MODULE_PARM_DESC(leak, "1: leak 64 bytes at load");
static int do_sleep;
module_param_named(sleep, do_sleep, int, 0444);
MODULE_PARM_DESC(sleep, "1: might_sleep() in atomic context at load");
static int do_lockdep;
module_param_named(lockdep, do_lockdep, int, 0444);
MODULE_PARM_DESC(lockdep, "1: an AB-BA mutex order at load");

static DEFINE_SPINLOCK(selftest_spin);
static DEFINE_MUTEX(selftest_a);
static DEFINE_MUTEX(selftest_b);

static int __init toa_selftest_init(void)
{
	pr_info("toa_selftest: loaded (warn=%d leak=%d sleep=%d lockdep=%d)\n", warn, do_leak,
		do_sleep, do_lockdep);
	if (warn)
		WARN_ON(1);
	if (do_leak) {
		void *p = kmalloc(64, GFP_KERNEL);

		/* %p prints a hash: no copy of the pointer stays in the log buffer. */
		pr_info("toa_selftest: dropping %p\n", p);
	}
	if (do_sleep) {
		spin_lock(&selftest_spin);
		might_sleep();
		spin_unlock(&selftest_spin);
	}
	if (do_lockdep) {
		mutex_lock(&selftest_a);
		mutex_lock(&selftest_b);
		mutex_unlock(&selftest_b);
		mutex_unlock(&selftest_a);
		mutex_lock(&selftest_b);
		mutex_lock(&selftest_a);
		mutex_unlock(&selftest_a);
		mutex_unlock(&selftest_b);
	}
	return 0;
}

static void __exit toa_selftest_exit(void)
{
	pr_info("toa_selftest: unloaded\n");
}

module_init(toa_selftest_init);
module_exit(toa_selftest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("toa test harness self-test");
