// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test module: proves that a booted-kernel run fails when the kernel
 * warns. Loads and unloads cleanly; with warn=1 it does WARN_ON(1) at load.
 */
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/module.h>

static int warn;
module_param(warn, int, 0444);
MODULE_PARM_DESC(warn, "1: WARN_ON(1) at load");

static int __init toa_selftest_init(void)
{
	pr_info("toa_selftest: loaded (warn=%d)\n", warn);
	if (warn)
		WARN_ON(1);
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
