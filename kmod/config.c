// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration: which formats are read, transparent mode, trusted sources.
 * Module parameters and netlink both go through toa_config_update(), which publishes a
 * new immutable struct toa_config with RCU: readers on the connection-setup path take
 * no lock, and a change applies to connections set up after it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include "config.h"
#include "guard.h"

struct toa_config __rcu *toa_config;
bool toa_config_syn;
bool toa_config_guard;
bool toa_config_uoa = true;
static DEFINE_MUTEX(toa_config_mutex);


static struct toa_config *toa_config_alloc(unsigned int n_trusted)
{
	return kzalloc(struct_size((struct toa_config *)NULL, trusted, n_trusted), GFP_KERNEL);
}

static struct toa_config *toa_config_copy(const struct toa_config *old)
{
	struct toa_config *cfg;

	if (!old) {
		cfg = toa_config_alloc(0);
		if (cfg) {
			cfg->formats = TOA_FMT_DEFAULT;
			cfg->transparent = true;
			cfg->uoa = true;
			cfg->uoa_timeout = TOA_UOA_TIMEOUT_DEFAULT;
			cfg->uoa_max = TOA_UOA_MAX_DEFAULT;
		}
		return cfg;
	}
	cfg = toa_config_alloc(old->n_trusted);
	if (cfg)
		memcpy(cfg, old, struct_size(old, trusted, old->n_trusted));
	return cfg;
}

int toa_config_update(int (*edit)(struct toa_config **cfg, void *arg), void *arg)
{
	struct toa_config *old, *cfg;
	int err;

	mutex_lock(&toa_config_mutex);
	old = rcu_dereference_protected(toa_config, lockdep_is_held(&toa_config_mutex));
	cfg = toa_config_copy(old);
	err = cfg ? edit(&cfg, arg) : -ENOMEM;
	/* The guard's hooks exist before a config that turns it on is seen. */
	if (!err && cfg->guard && !(old && old->guard))
		err = toa_guard_set(true);
	if (err) {
		kfree(cfg);
	} else {
		rcu_assign_pointer(toa_config, cfg);
		WRITE_ONCE(toa_config_syn, cfg->syn);
		WRITE_ONCE(toa_config_guard, cfg->guard);
		WRITE_ONCE(toa_config_uoa, cfg->uoa);
		if (!cfg->guard && old && old->guard)
			toa_guard_set(false);
		if (old)
			kfree_rcu(old, rcu);
	}
	mutex_unlock(&toa_config_mutex);
	return err;
}

int toa_config_locked(int (*fn)(const struct toa_config *cfg))
{
	int err;

	mutex_lock(&toa_config_mutex);
	err = fn(rcu_dereference_protected(toa_config, lockdep_is_held(&toa_config_mutex)));
	mutex_unlock(&toa_config_mutex);
	return err;
}

bool toa_config_trusts(const struct toa_config *cfg, u8 family, const void *saddr)
{
	unsigned int i;

	if (!cfg->n_trusted)
		return true;
	for (i = 0; i < cfg->n_trusted; i++)
		if (toa_cidr_contains(&cfg->trusted[i], family, saddr))
			return true;
	return false;
}

/* Module parameters: each setter edits the published config. */

static int toa_edit_formats(struct toa_config **cfg, void *arg)
{
	size_t bad, bad_len;
	u32 mask;

	if (toa_formats_parse(arg, &mask, &bad, &bad_len)) {
		char known[96];

		toa_formats_print(known, sizeof(known), TOA_FMT_ALL);
		pr_err("unknown format \"%.*s\" (known: %s)\n", (int)bad_len,
		       (const char *)arg + bad, known);
		return -EINVAL;
	}
	(*cfg)->formats = mask;
	return 0;
}

static int toa_edit_trusted(struct toa_config **cfg, void *arg)
{
	struct toa_cidr cidrs[TOA_TRUSTED_MAX_CIDRS];
	size_t bad, bad_len;
	unsigned int n;
	int err = toa_trusted_parse(arg, cidrs, TOA_TRUSTED_MAX_CIDRS, &n, &bad, &bad_len);

	if (err == -E2BIG)
		pr_err("more than %d trusted CIDRs\n", TOA_TRUSTED_MAX_CIDRS);
	else if (err)
		pr_err("bad trusted CIDR \"%.*s\"\n", (int)bad_len, (const char *)arg + bad);
	if (err)
		return err;
	return toa_config_set_trusted(cfg, cidrs, n);
}

int toa_config_set_trusted(struct toa_config **cfg, const struct toa_cidr *cidrs, unsigned int n)
{
	struct toa_config *c = *cfg;

	if (n > c->n_trusted) {
		struct toa_config *bigger = toa_config_alloc(n);

		if (!bigger)
			return -ENOMEM;
		memcpy(bigger, c, offsetof(struct toa_config, n_trusted));
		kfree(c);
		*cfg = c = bigger;
	}
	memcpy(c->trusted, cidrs, n * sizeof(cidrs[0]));
	c->n_trusted = n;
	return 0;
}

static int toa_edit_transparent(struct toa_config **cfg, void *arg)
{
	bool on;
	int err = kstrtobool(arg, &on);

	if (!err)
		(*cfg)->transparent = on;
	return err;
}

static int toa_edit_syn(struct toa_config **cfg, void *arg)
{
	bool on;
	int err = kstrtobool(arg, &on);

	if (!err)
		(*cfg)->syn = on;
	return err;
}

static int toa_edit_guard(struct toa_config **cfg, void *arg)
{
	bool on;
	int err = kstrtobool(arg, &on);

	if (!err)
		(*cfg)->guard = on;
	return err;
}

static int toa_edit_uoa(struct toa_config **cfg, void *arg)
{
	bool on;
	int err = kstrtobool(arg, &on);

	if (!err)
		(*cfg)->uoa = on;
	return err;
}

static int toa_edit_uoa_timeout(struct toa_config **cfg, void *arg)
{
	unsigned int v;
	int err = kstrtouint(skip_spaces(arg), 10, &v);

	if (err)
		return err;
	if (!v || v > TOA_UOA_TIMEOUT_MAX) {
		pr_err("uoa_timeout must be 1..%u seconds\n", TOA_UOA_TIMEOUT_MAX);
		return -EINVAL;
	}
	(*cfg)->uoa_timeout = v;
	return 0;
}

static int toa_edit_uoa_max(struct toa_config **cfg, void *arg)
{
	unsigned int v;
	int err = kstrtouint(skip_spaces(arg), 10, &v);

	if (err)
		return err;
	if (v > TOA_UOA_MAX_MAX) {
		pr_err("uoa_max must be 0..%u\n", TOA_UOA_MAX_MAX);
		return -EINVAL;
	}
	(*cfg)->uoa_max = v;
	return 0;
}

bool toa_config_may_change(void)
{
	return net_eq(current->nsproxy->net_ns, &init_net);
}

static int toa_param_update(int (*edit)(struct toa_config **cfg, void *arg), const char *val)
{
	if (!toa_config_may_change())
		return -EPERM;
	return toa_config_update(edit, (void *)val);
}

static int toa_param_set_formats(const char *val, const struct kernel_param *kp)
{
	return toa_param_update(toa_edit_formats, val);
}

static int toa_param_set_trusted(const char *val, const struct kernel_param *kp)
{
	return toa_param_update(toa_edit_trusted, val);
}

static int toa_param_set_transparent(const char *val, const struct kernel_param *kp)
{
	return toa_param_update(toa_edit_transparent, val);
}

static int toa_param_set_syn(const char *val, const struct kernel_param *kp)
{
	return toa_param_update(toa_edit_syn, val);
}

static int toa_param_set_guard(const char *val, const struct kernel_param *kp)
{
	return toa_param_update(toa_edit_guard, val);
}

static int toa_param_set_uoa(const char *val, const struct kernel_param *kp)
{
	return toa_param_update(toa_edit_uoa, val);
}

static int toa_param_set_uoa_timeout(const char *val, const struct kernel_param *kp)
{
	return toa_param_update(toa_edit_uoa_timeout, val);
}

static int toa_param_set_uoa_max(const char *val, const struct kernel_param *kp)
{
	return toa_param_update(toa_edit_uoa_max, val);
}

static int toa_trusted_print(char *buf, size_t size, const struct toa_config *cfg)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < cfg->n_trusted; i++) {
		const struct toa_cidr *c = &cfg->trusted[i];

		n += scnprintf(buf + n, size - n, c->family == AF_INET ? "%s%pI4/%u" : "%s%pI6c/%u",
			       i ? "," : "", c->addr, c->prefix);
	}
	if (!n)
		n = scnprintf(buf, size, "any");
	return n;
}

static int toa_param_get(char *buf, const struct kernel_param *kp)
{
	const struct toa_config *cfg;
	int which = *(const int *)kp->arg;
	int n;

	rcu_read_lock();
	cfg = toa_config_get();
	if (!cfg)
		n = 0;
	else if (which == 0)
		n = toa_formats_print(buf, PAGE_SIZE, cfg->formats);
	else if (which == 1)
		n = toa_trusted_print(buf, PAGE_SIZE, cfg);
	else if (which == 2)
		n = scnprintf(buf, PAGE_SIZE, "%c", cfg->transparent ? 'Y' : 'N');
	else if (which == 3)
		n = scnprintf(buf, PAGE_SIZE, "%c", cfg->syn ? 'Y' : 'N');
	else if (which == 4)
		n = scnprintf(buf, PAGE_SIZE, "%c", cfg->uoa ? 'Y' : 'N');
	else if (which == 5)
		n = scnprintf(buf, PAGE_SIZE, "%u", cfg->uoa_timeout);
	else if (which == 6)
		n = scnprintf(buf, PAGE_SIZE, "%u", cfg->uoa_max);
	else
		n = scnprintf(buf, PAGE_SIZE, "%c", cfg->guard ? 'Y' : 'N');
	rcu_read_unlock();
	return n + scnprintf(buf + n, PAGE_SIZE - n, "\n");
}

static const struct kernel_param_ops toa_formats_ops = {
	.set = toa_param_set_formats, .get = toa_param_get,
};
static const struct kernel_param_ops toa_trusted_ops = {
	.set = toa_param_set_trusted, .get = toa_param_get,
};
static const struct kernel_param_ops toa_transparent_ops = {
	.set = toa_param_set_transparent, .get = toa_param_get,
};

static const struct kernel_param_ops toa_syn_ops = {
	.set = toa_param_set_syn, .get = toa_param_get,
};

static const struct kernel_param_ops toa_guard_ops = {
	.set = toa_param_set_guard, .get = toa_param_get,
};
static const struct kernel_param_ops toa_uoa_ops = {
	.set = toa_param_set_uoa, .get = toa_param_get,
};
static const struct kernel_param_ops toa_uoa_timeout_ops = {
	.set = toa_param_set_uoa_timeout, .get = toa_param_get,
};
static const struct kernel_param_ops toa_uoa_max_ops = {
	.set = toa_param_set_uoa_max, .get = toa_param_get,
};

static const int toa_param_which[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
module_param_cb(formats, &toa_formats_ops, (void *)&toa_param_which[0], 0644);
MODULE_PARM_DESC(formats, "TOA formats read, kind/len list or default|all|none (default: 254/8,254/20,200/8,253/20,253/8)");
module_param_cb(trusted, &toa_trusted_ops, (void *)&toa_param_which[1], 0644);
MODULE_PARM_DESC(trusted, "Trusted load-balancer source CIDRs, comma separated (default: any)");
module_param_cb(transparent, &toa_transparent_ops, (void *)&toa_param_which[2], 0644);
MODULE_PARM_DESC(transparent, "getpeername()/accept() return the client (default: Y)");
module_param_cb(syn, &toa_syn_ops, (void *)&toa_param_which[3], 0644);
MODULE_PARM_DESC(syn, "Also read options on the SYN, for load balancers that write there: LVS FULLNAT, Alibaba CDN (default: N; a later packet's option always wins)");

module_param_cb(guard, &toa_guard_ops, (void *)&toa_param_which[7], 0644);
MODULE_PARM_DESC(guard, "Ingress guard: TOA options from untrusted sources become NOPs in the node's namespace before conntrack and NAT; other namespaces (pods) then trust only what it let through (default: N)");
module_param_cb(uoa, &toa_uoa_ops, (void *)&toa_param_which[4], 0644);
MODULE_PARM_DESC(uoa, "UDP: read DPVS's UOA (IPv4 option 31, IP protocol 248), strip it, answer getsockopt 2048 (default: Y; N at load: no UDP part at all)");
module_param_cb(uoa_timeout, &toa_uoa_timeout_ops, (void *)&toa_param_which[5], 0644);
MODULE_PARM_DESC(uoa_timeout, "UDP: seconds a mapping is kept after its last UOA datagram or lookup (default: 360)");
module_param_cb(uoa_max, &toa_uoa_max_ops, (void *)&toa_param_which[6], 0644);
MODULE_PARM_DESC(uoa_max, "UDP: at most this many mappings; a full table is counted (uoa_full), not grown (default: 65536)");

static int toa_edit_nothing(struct toa_config **cfg, void *arg)
{
	return 0;
}

int toa_config_init(void)
{
	/* Parameters given at load were applied before init; make sure a config exists. */
	if (rcu_access_pointer(toa_config))
		return 0;
	return toa_config_update(toa_edit_nothing, NULL);
}

void toa_config_exit(void)
{
	kfree(rcu_dereference_protected(toa_config, 1));
	RCU_INIT_POINTER(toa_config, NULL);
}

void toa_config_log(const char *what)
{
	char formats[96], trusted[256];
	const struct toa_config *cfg;

	rcu_read_lock();
	cfg = toa_config_get();
	toa_formats_print(formats, sizeof(formats), cfg->formats);
	toa_trusted_print(trusted, sizeof(trusted), cfg);
	pr_info("%s: formats=%s transparent=%s syn=%s guard=%s uoa=%s uoa_timeout=%u uoa_max=%u trusted=%s\n",
		what, formats, cfg->transparent ? "on" : "off", cfg->syn ? "on" : "off",
		cfg->guard ? "on" : "off", cfg->uoa ? "on" : "off", cfg->uoa_timeout,
		cfg->uoa_max, trusted);
	if (!cfg->n_trusted)
		pr_notice("no trusted sources set: TOA and UOA options are accepted from any source\n");
	rcu_read_unlock();
}
