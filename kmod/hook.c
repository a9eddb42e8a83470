// SPDX-License-Identifier: GPL-2.0
/*
 * Where the option is read: only on the connection-setup path, never on established
 * connections.
 *
 *  - security_inet_conn_request(listener, skb, req), a kprobe: runs once per SYN that
 *    creates a request sock. An option on the SYN is stashed for that request.
 *  - tcp_v4_syn_recv_sock / tcp_v6_syn_recv_sock, kretprobes: run once per completed
 *    handshake with the packet that completed it (the ACK, or a data segment when the
 *    ACK was lost; also the SYN cookie path and Fast Open). The entry handler parses the
 *    options and declines (no return probe armed, nearly no cost) when there is no TOA;
 *    otherwise the return handler attaches the state to the new child socket.
 *  - inet_listen, a kprobe: once per listen(); gives a TCP listener our proto_ops copy
 *    (override.c), so that accept() can return the client on every kernel.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/kprobes.h>
#include <linux/tcp.h>
#include <net/inet_sock.h>
#include <net/request_sock.h>
#include <net/tcp.h>
#include "compat.h"
#include "config.h"
#include "hook.h"
#include "override.h"
#include "parse.h"
#include "stash.h"
#include "stats.h"
#include "table.h"

/* Parses the options of @skb's TCP header; true with *p filled when a trusted TOA is there. */
static bool toa_skb_parse(const struct sk_buff *skb, const struct toa_config *cfg,
			  struct toa_parsed *p)
{
	const struct tcphdr *th = tcp_hdr(skb);
	unsigned int optlen = th->doff * 4 - sizeof(*th);
	const void *saddr;
	u8 family;
	int ret;

	if (!optlen || th->doff < 5)
		return false;
	ret = toa_parse_options((const u8 *)(th + 1), optlen, cfg->formats, p);
	if (ret == TOA_PARSE_MALFORMED)
		toa_stat_inc(MALFORMED);
	if (ret != TOA_PARSE_FOUND)
		return false;
	if (skb->protocol == htons(ETH_P_IP)) {
		family = 4;
		saddr = &ip_hdr(skb)->saddr;
	} else {
		family = 6;
		saddr = &ipv6_hdr(skb)->saddr;
	}
	if (!toa_config_trusts(cfg, family, saddr)) {
		toa_stat_inc(UNTRUSTED);
		return false;
	}
	return true;
}

static int toa_conn_request_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sock *sk = (const struct sock *)toa_probe_arg(regs, 0);
	const struct sk_buff *skb = (const struct sk_buff *)toa_probe_arg(regs, 1);
	const struct request_sock *req = (const struct request_sock *)toa_probe_arg(regs, 2);
	struct toa_parsed p;
	bool found;

	if (sk->sk_protocol != IPPROTO_TCP || !tcp_hdr(skb)->syn)
		return 0;
	toa_stat_inc(HOOK_SYN);
	rcu_read_lock();
	found = toa_skb_parse(skb, toa_config_get(), &p);
	rcu_read_unlock();
	if (found)
		toa_stash_add(req, &p);
	return 0;
}

static struct kprobe toa_conn_request_probe = {
	.symbol_name = "security_inet_conn_request",
	.pre_handler = toa_conn_request_pre,
};

static int toa_listen_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct socket *sock = (struct socket *)toa_probe_arg(regs, 0);
	const struct sock *sk = sock->sk;

	if (sk && sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP)
		toa_point_listener(sock);
	return 0;
}

static struct kprobe toa_listen_probe = {
	.symbol_name = "inet_listen",
	.pre_handler = toa_listen_pre,
};

struct toa_recv_data {
	const struct sock *listener;
	bool *own_req;
	struct toa_parsed p;
	u8 packet;
	bool transparent;
};

static u8 toa_packet_of(const struct sk_buff *skb, bool from_syn)
{
	if (from_syn || tcp_hdr(skb)->syn)
		return TOA_PKT_SYN;
	return TCP_SKB_CB(skb)->end_seq != TCP_SKB_CB(skb)->seq ? TOA_PKT_DATA : TOA_PKT_ACK;
}

static int toa_recv_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct sk_buff *skb = (const struct sk_buff *)toa_probe_arg(regs, 1);
	const struct request_sock *req = (const struct request_sock *)toa_probe_arg(regs, 2);
	struct toa_recv_data *d = (struct toa_recv_data *)ri->data;
	const struct toa_config *cfg;
	bool from_syn = false, found;

	if (atomic_read(&toa_stash_count))
		from_syn = toa_stash_take(req, &d->p);
	rcu_read_lock();
	cfg = toa_config_get();
	found = from_syn || toa_skb_parse(skb, cfg, &d->p);
	d->transparent = cfg->transparent;
	rcu_read_unlock();
	if (!found) {
		toa_stat_inc(SYN_RECV_SOCK_NO_TOA);
		return 1;
	}
	d->listener = (const struct sock *)toa_probe_arg(regs, 0);
	d->own_req = (bool *)toa_probe_arg(regs, 5);
	d->packet = toa_packet_of(skb, from_syn);
	return 0;
}

/* tcp_v6_syn_recv_sock hands IPv4 packets to tcp_v4_syn_recv_sock: handled there. */
static int toa_recv6_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct sk_buff *skb = (const struct sk_buff *)toa_probe_arg(regs, 1);

	if (skb->protocol == htons(ETH_P_IP))
		return 1;
	return toa_recv_entry(ri, regs);
}

static int toa_recv_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct sock *child = (struct sock *)regs_return_value(regs);
	struct toa_recv_data *d = (struct toa_recv_data *)ri->data;
	struct socket *lsock;
	struct toa_sock *ts;

	/* Without own_req the child lost a race and was already destroyed. */
	if (!child || !d->own_req || !READ_ONCE(*d->own_req))
		return 0;
	/* A listener from before the module was loaded. */
	lsock = READ_ONCE(d->listener->sk_socket);
	if (lsock)
		toa_point_listener(lsock);
	ts = toa_sock_alloc(GFP_ATOMIC);
	if (!ts) {
		toa_stat_inc(ALLOC_FAIL);
		return 0;
	}
	ts->sk = child;
	memcpy(ts->addr, d->p.addr, sizeof(ts->addr));
	memcpy(&ts->port, d->p.port, sizeof(ts->port));
	ts->kind = d->p.kind;
	ts->len = d->p.len;
	ts->family = d->p.family;
	ts->format = d->p.format;
	ts->packet = d->packet;
	ts->flags = d->transparent ? TOA_SOCK_F_TRANSPARENT : 0;
	ts->born = (u32)jiffies;
	if (toa_attach(child, ts))
		return 0;
	toa_stat_inc(SYN_RECV_SOCK_TOA);
	toa_stat_inc(CONN_ALLOC);
	if (ts->family == 6)
		toa_stat_inc(IP6_ADDRESS_ALLOC);
	switch (d->packet) {
	case TOA_PKT_SYN:
		toa_stat_inc(TOA_SYN);
		break;
	case TOA_PKT_ACK:
		toa_stat_inc(TOA_ACK);
		break;
	default:
		toa_stat_inc(TOA_DATA);
	}
	return 0;
}

static struct kretprobe toa_recv_probes[] = {
	{
		.kp.symbol_name = "tcp_v4_syn_recv_sock",
		.entry_handler = toa_recv_entry,
		.handler = toa_recv_return,
		.data_size = sizeof(struct toa_recv_data),
	},
	{
		.kp.symbol_name = "tcp_v6_syn_recv_sock",
		.entry_handler = toa_recv6_entry,
		.handler = toa_recv_return,
		.data_size = sizeof(struct toa_recv_data),
	},
};
static struct kretprobe *toa_recv_probe_ptrs[] = { &toa_recv_probes[0], &toa_recv_probes[1] };

int toa_hook_init(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(toa_recv_probes); i++)
		toa_recv_probes[i].maxactive = max_t(int, 64, 4 * num_possible_cpus());
	err = register_kretprobes(toa_recv_probe_ptrs, ARRAY_SIZE(toa_recv_probe_ptrs));
	if (err) {
		pr_err("toa: cannot probe tcp_v4/v6_syn_recv_sock: %d\n", err);
		return err;
	}
	err = register_kprobe(&toa_conn_request_probe);
	if (err) {
		pr_err("toa: cannot probe security_inet_conn_request: %d\n", err);
		goto err_conn_request;
	}
	err = register_kprobe(&toa_listen_probe);
	if (err) {
		pr_err("toa: cannot probe inet_listen: %d\n", err);
		goto err_listen;
	}
	return 0;

err_listen:
	unregister_kprobe(&toa_conn_request_probe);
err_conn_request:
	unregister_kretprobes(toa_recv_probe_ptrs, ARRAY_SIZE(toa_recv_probe_ptrs));
	return err;
}

unsigned long toa_hook_missed(void)
{
	return toa_recv_probes[0].nmissed + toa_recv_probes[1].nmissed;
}

/* After this no handler runs and none will: nothing new gets attached. */
void toa_hook_exit(void)
{
	int i;

	unregister_kprobe(&toa_listen_probe);
	unregister_kprobe(&toa_conn_request_probe);
	unregister_kretprobes(toa_recv_probe_ptrs, ARRAY_SIZE(toa_recv_probe_ptrs));
	for (i = 0; i < ARRAY_SIZE(toa_recv_probes); i++)
		if (toa_recv_probes[i].nmissed)
			pr_info("toa: %s missed %d times\n", toa_recv_probes[i].kp.symbol_name,
				toa_recv_probes[i].nmissed);
	synchronize_rcu();
}
