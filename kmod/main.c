// SPDX-License-Identifier: GPL-2.0
/*
 * toa: the real client address from the TCP option full-NAT load balancers add.
 * This file only orders init and exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include "config.h"
#include "guard.h"
#include "hook.h"
#include "netlink.h"
#include "sockopt.h"
#include "stash.h"
#include "stats.h"
#include "table.h"
#include "uoa.h"
#include "toa/uapi.h"

static int __init toa_init(void)
{
	int err;

	err = toa_stats_init();
	if (err)
		goto err_stats;
	err = toa_config_init();
	if (err)
		goto err_config;
	err = toa_table_init();
	if (err)
		goto err_table;
	err = toa_stash_init();
	if (err)
		goto err_stash;
	err = toa_guard_init(); /* its records are read by the hooks */
	if (err)
		goto err_guard;
	/*
	 * The hooks before the readers, so that at unload the readers go first: once the
	 * socket-free hook is gone, an entry may outlive its socket, and only a reader
	 * could then see it as a new socket's at the same address.
	 */
	err = toa_hook_init(); /* from here on connections get their state */
	if (err)
		goto err_hook;
	err = toa_sockopt_init();
	if (err)
		goto err_sockopt;
	err = toa_uoa_init(); /* UDP: its own getsockopt, hooks and table */
	if (err)
		goto err_uoa;
	err = toa_netlink_init();
	if (err)
		goto err_netlink;
	toa_config_log("toa load success");
	return 0;

err_netlink:
	toa_uoa_exit();
err_uoa:
	toa_sockopt_exit();
err_sockopt:
	toa_hook_exit();
err_hook:
	toa_guard_exit();
err_guard:
	toa_stash_exit();
err_stash:
	toa_table_exit();
err_table:
	toa_config_exit();
err_config:
	toa_stats_exit();
err_stats:
	pr_err("load failed: %d\n", err);
	return err;
}

static void __exit toa_exit(void)
{
	toa_netlink_exit(); /* first the readers (see toa_init) */
	toa_uoa_exit();
	toa_sockopt_exit();
	toa_hook_exit(); /* nothing attached, freed or redirected any more */
	toa_guard_exit();
	toa_stash_exit();
	toa_table_exit();
	toa_config_exit();
	toa_stats_exit();
	pr_info("toa unload success\n");
}

module_init(toa_init);
module_exit(toa_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TCP Option Address (TOA): the real client address behind full-NAT load balancers");
MODULE_VERSION(TOA_VERSION_STRING);
