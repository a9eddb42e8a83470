// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for DPVS's uoa.ko in the udp guest suite: it takes getsockopt 2048 as that
 * module does (nf_register_sockopt, PF_INET, 2048..2048) and answers nothing, so that the
 * suite sees toa.ko load without its UDP part.
 */
#include <linux/module.h>
#include <linux/netfilter.h>

static int fake_uoa_get(struct sock *sk, int cmd, void __user *user, int *len)
{
	return -ENOENT;
}

static struct nf_sockopt_ops fake_uoa_sockopt = {
	.pf = PF_INET,
	.set_optmin = 2048,
	.set_optmax = 2048,
	.get_optmin = 2048,
	.get_optmax = 2049,
	.get = fake_uoa_get,
	.owner = THIS_MODULE,
};

static int __init fake_uoa_init(void)
{
	return nf_register_sockopt(&fake_uoa_sockopt);
}

static void __exit fake_uoa_exit(void)
{
	nf_unregister_sockopt(&fake_uoa_sockopt);
}

module_init(fake_uoa_init);
module_exit(fake_uoa_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test stand-in for DPVS's uoa.ko (getsockopt 2048)");
