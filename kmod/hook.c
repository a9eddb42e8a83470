// SPDX-License-Identifier: GPL-2.0
/*
 * Where the option is read: only on the connection-setup path, never on established
 * connections. ftrace callbacks at the entry of three functions, resolved by name:
 *
 *  - security_inet_conn_request(listener, skb, req): once per SYN that creates a
 *    request sock. With `syn` on, an option on the SYN is stashed for that request.
 *  - tcp_create_openreq_child(listener, req, skb): once per child socket, with the
 *    packet that completed the handshake (the ACK, a data segment when the ACK was
 *    lost, the ACK of a SYN cookie, the SYN of Fast Open), for IPv4 and IPv6. This
 *    packet's option wins; only without one does a stashed SYN option count. It is
 *    handed to:
 *  - security_inet_csk_clone(child, req): called from inside the former, once the child
 *    exists and before anyone else can see it. The state is attached here.
 *
 * The handoff between the second and third: both run in the same call chain, with
 * bottom halves off (softirq, or a listener's backlog under bh_lock_sock) as a rule,
 * so a per-CPU slot carries it; the slot names the request and its SYN's sequence
 * number and port, and the third callback takes it only for that very request. Where
 * the chain runs with bottom halves on (a listener's backlog processed by
 * release_sock()), it could move to another CPU: the stash carries it instead.
 *
 * The rest of this file registers every hook of the module (toa_hooks[]): one
 * ftrace_ops per kernel function, found by ftrace's filter by name, never by taking a
 * kernel function's address, so a kernel that stops exporting one changes nothing,
 * and one that lacks it fails the load with a line that names it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/sched.h>
#include <linux/percpu.h>
#include <linux/security.h>
#include <linux/tcp.h>
#include <net/inet_common.h>
#include <net/inet_sock.h>
#include <net/request_sock.h>
#include <net/tcp.h>
#include "compat.h"
#include "config.h"
#include "hook.h"
#include "getname.h"
#include "guard.h"
#include "parse.h"
#include "stash.h"
#include "stats.h"
#include "table.h"

/*
 * Where in @skb's TCP header (a byte offset) the options may hold a TOA, or turn
 * malformed; 0 when they do neither, as on every packet but the load balancer's. Inline:
 * this walk is all a connection without TOA costs in these hooks.
 */
static __always_inline unsigned int toa_skb_toa_at(const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	size_t optlen, off;

	if (th->doff <= 5)
		return 0;
	optlen = th->doff * 4 - sizeof(*th);
	off = toa_options_skip((const u8 *)(th + 1), optlen);
	return off == optlen ? 0 : sizeof(*th) + off;
}

/*
 * Who may send an option: in the node's namespace, and everywhere without the guard, a
 * source in `trusted`; with the guard, in another namespace (a pod behind kube-proxy's
 * NAT, whose peer is the node), only a packet the guard let through (guard.c).
 */
static bool toa_skb_trusted(const struct toa_config *cfg, const struct net *net,
			    const struct sk_buff *skb, u8 family, const void *saddr)
{
	if (cfg->guard && !net_eq(net, &init_net))
		return toa_guard_vouched(skb);
	return toa_config_trusts(cfg, family, saddr);
}

/*
 * From byte @at of @skb's TCP header on: true with *p filled when a trusted TOA is
 * there. @net: the namespace of the socket receiving it.
 */
static bool toa_skb_parse(const struct net *net, const struct sk_buff *skb, unsigned int at,
			  struct toa_parsed *p)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const struct toa_config *cfg;
	const void *saddr;
	bool found = false;
	u8 family;
	int ret;

	if (skb->protocol == htons(ETH_P_IP)) {
		family = AF_INET;
		saddr = &ip_hdr(skb)->saddr;
	} else {
		family = AF_INET6;
		saddr = &ipv6_hdr(skb)->saddr;
	}
	rcu_read_lock();
	cfg = toa_config_get();
	ret = toa_parse_options_flags((const u8 *)th + at, th->doff * 4 - at, cfg->formats,
				      th->syn ? TOA_PARSE_F_SYN : 0, p);
	if (ret == TOA_PARSE_MALFORMED)
		toa_stat_inc(MALFORMED);
	else if (ret == TOA_PARSE_FOUND && !toa_skb_trusted(cfg, net, skb, family, saddr))
		toa_stat_inc(UNTRUSTED);
	else
		found = ret == TOA_PARSE_FOUND;
	rcu_read_unlock();
	return found;
}

/*
 * Each hook is an inline fast path, in the one ftrace callback, that leaves at once
 * for connections without TOA, and an out-of-line rest.
 */
static noinline void toa_syn_stash(const struct sock *sk, const struct request_sock *req,
				   const struct sk_buff *skb, unsigned int at)
{
	struct toa_parsed p;

	if (toa_skb_parse(sock_net(sk), skb, at, &p))
		toa_stash_add(req, &p, TOA_PKT_SYN);
}

static TOA_FTRACE_CALLBACK(toa_conn_request_hook)
{
	const struct sock *sk = (const struct sock *)toa_ftrace_arg(fregs, 0);
	const struct sk_buff *skb = (const struct sk_buff *)toa_ftrace_arg(fregs, 1);
	const struct request_sock *req = (const struct request_sock *)toa_ftrace_arg(fregs, 2);
	unsigned int at;

	if (sk->sk_protocol != IPPROTO_TCP || !tcp_hdr(skb)->syn)
		return;
	toa_stat_inc(HOOK_SYN);
	/* A SYN answered with a cookie: its request is freed right away, none to stash for. */
	if (!req->rsk_listener || !READ_ONCE(toa_config_syn))
		return;
	at = toa_skb_toa_at(skb);
	if (at)
		toa_syn_stash(sk, req, skb, at);
}

struct toa_handoff {
	const struct request_sock *req; /* NULL: empty */
	u32 isn;
	__be16 rport;
	u8 packet;
	struct toa_parsed p;
};

static DEFINE_PER_CPU(struct toa_handoff, toa_handoff);

static u8 toa_packet_of(const struct sk_buff *skb)
{
	if (tcp_hdr(skb)->syn)
		return TOA_PKT_SYN;
	return TCP_SKB_CB(skb)->end_seq != TCP_SKB_CB(skb)->seq ? TOA_PKT_DATA : TOA_PKT_ACK;
}

/*
 * The load balancer's word wins: the option of the packet that completes the handshake
 * is the load balancer's; one on the SYN may be the client's own, relayed. So a SYN
 * option counts only where this packet has none, and only with `syn` on (the SYN of
 * Fast Open, which completes its handshake itself, likewise).
 */
static noinline void toa_create_child(const struct request_sock *req,
				      const struct sk_buff *skb, unsigned int at)
{
	struct toa_handoff *h;
	struct toa_parsed p;
	u8 packet = toa_packet_of(skb);

	if (!at || (packet == TOA_PKT_SYN && !READ_ONCE(toa_config_syn)) ||
	    !toa_skb_parse(read_pnet(&inet_rsk(req)->ireq_net), skb, at, &p)) {
		if (!(atomic_read(&toa_stash_count) && toa_stash_take(req, &p, &packet))) {
			toa_stat_inc(SYN_RECV_SOCK_NO_TOA);
			return;
		}
	}
	if (!softirq_count()) {
		toa_stash_add(req, &p, packet);
		return;
	}
	h = this_cpu_ptr(&toa_handoff);
	if (h->req) /* the last child never came to be */
		toa_stat_inc(PROBE_MISSED);
	h->req = req;
	h->isn = tcp_rsk(req)->rcv_isn;
	h->rport = inet_rsk(req)->ir_rmt_port;
	h->packet = packet;
	h->p = p;
}

static TOA_FTRACE_CALLBACK(toa_create_child_hook)
{
	const struct request_sock *req = (const struct request_sock *)toa_ftrace_arg(fregs, 1);
	const struct sk_buff *skb = (const struct sk_buff *)toa_ftrace_arg(fregs, 2);
	unsigned int at = toa_skb_toa_at(skb);

	if (!at && !atomic_read(&toa_stash_count)) {
		toa_stat_inc(SYN_RECV_SOCK_NO_TOA);
		return;
	}
	toa_create_child(req, skb, at);
}

static void toa_attach_child(struct sock *child, const struct toa_parsed *p, u8 packet)
{
	struct toa_sock *ts;
	bool transparent;

	ts = toa_sock_alloc(GFP_ATOMIC);
	if (!ts) {
		toa_stat_inc(ALLOC_FAIL);
		return;
	}
	rcu_read_lock();
	transparent = toa_config_get()->transparent;
	rcu_read_unlock();
	ts->sk = child;
	memcpy(ts->addr, p->addr, sizeof(ts->addr));
	memcpy(&ts->port, p->port, sizeof(ts->port));
	ts->kind = p->kind;
	ts->len = p->len;
	ts->family = p->family;
	ts->format = p->format;
	ts->packet = packet;
	ts->flags = transparent ? TOA_SOCK_F_TRANSPARENT : 0;
	ts->born = (u32)jiffies;
	if (toa_table_insert(ts)) {
		toa_sock_discard(ts);
		toa_stat_inc(ALLOC_FAIL);
		return;
	}
	toa_stat_inc(SYN_RECV_SOCK_TOA);
	toa_stat_inc(CONN_ALLOC);
	if (ts->family == AF_INET6)
		toa_stat_inc(IP6_ADDRESS_ALLOC);
	switch (packet) {
	case TOA_PKT_SYN:
		toa_stat_inc(TOA_SYN);
		break;
	case TOA_PKT_ACK:
		toa_stat_inc(TOA_ACK);
		break;
	default:
		toa_stat_inc(TOA_DATA);
	}
}

static noinline void toa_clone(struct sock *child, const struct request_sock *req)
{
	struct toa_parsed p;
	u8 packet;

	/* Bottom halves off (see the top): nothing else writes this CPU's slot meanwhile. */
	if (softirq_count() && this_cpu_read(toa_handoff.req) == req) {
		struct toa_handoff *h = this_cpu_ptr(&toa_handoff);

		h->req = NULL;
		if (h->isn == tcp_rsk(req)->rcv_isn && h->rport == inet_rsk(req)->ir_rmt_port) {
			toa_attach_child(child, &h->p, h->packet);
			return;
		}
	}
	if (atomic_read(&toa_stash_count) && toa_stash_take(req, &p, &packet))
		toa_attach_child(child, &p, packet);
}

static TOA_FTRACE_CALLBACK(toa_clone_hook)
{
	struct sock *child = (struct sock *)toa_ftrace_arg(fregs, 0);
	const struct request_sock *req = (const struct request_sock *)toa_ftrace_arg(fregs, 1);

	if (this_cpu_read(toa_handoff.req) != req && !atomic_read(&toa_stash_count))
		return;
	if (child->sk_protocol == IPPROTO_TCP)
		toa_clone(child, req);
}

/*
 * Every hook of the module; each callback handles its function and no other. Registered
 * in this order, unregistered in the reverse one: the hook that frees an entry with its
 * socket is there before the first entry can be made and stays until the last reader
 * and maker are gone (else an entry could outlive its socket and be read as a later
 * socket's at the same address), and each handoff's taker before its giver.
 */
static struct toa_hook toa_hooks[] = {
	TOA_HOOK("security_sk_free", toa_sk_free_hook, TOA_FTRACE_FLAGS,
		 "CONFIG_SECURITY_NETWORK"),
	TOA_HOOK("tcp_disconnect", toa_disconnect_hook, TOA_FTRACE_FLAGS, NULL),
	TOA_HOOK("inet_getname", toa_getname_hook, TOA_FTRACE_REDIRECT_FLAGS, NULL),
#if IS_ENABLED(CONFIG_IPV6)
	TOA_HOOK("inet6_getname", toa_getname_hook, TOA_FTRACE_REDIRECT_FLAGS, NULL),
#endif
	TOA_HOOK("security_inet_csk_clone", toa_clone_hook, TOA_FTRACE_FLAGS,
		 "CONFIG_SECURITY_NETWORK"),
	TOA_HOOK("tcp_create_openreq_child", toa_create_child_hook, TOA_FTRACE_FLAGS, NULL),
	TOA_HOOK("security_inet_conn_request", toa_conn_request_hook, TOA_FTRACE_FLAGS,
		 "CONFIG_SECURITY_NETWORK"),
};

static void toa_hook_free_filter(struct toa_hook *h)
{
	/* An empty filter frees the hash (ftrace_free_filter() is not exported before 5.19). */
	ftrace_set_filter(&h->ops, NULL, 0, 1);
}

int toa_hook_register(struct toa_hook *h)
{
	char name[KSYM_NAME_LEN];
	int err;

	h->ops.func = h->func;
	h->ops.flags = h->flags | COMPAT_FTRACE_PERMANENT;
	strscpy(name, h->name, sizeof(name)); /* the filter parser may write to it */
	err = ftrace_set_filter(&h->ops, name, strlen(name), 1);
	if (err) {
		/* Not a function ftrace can hook: absent, renamed, or inlined (LTO). */
		pr_err("cannot load: kernel function %s cannot be hooked (%d)%s%s\n", h->name,
		       err, h->needs ? ": the kernel lacks " : "", h->needs ?: "");
		toa_hook_free_filter(h);
		return err;
	}
	err = register_ftrace_function(&h->ops);
	if (err) {
		/* -EBUSY: ftrace is switched off, or another IPMODIFY hook holds it */
		pr_err("cannot load: ftrace refused the hook on %s (%d)%s\n", h->name, err,
		       err == -EBUSY ? ": is sysctl kernel.ftrace_enabled 0, or does a livepatch hold it?" : "");
		toa_hook_free_filter(h);
		return err;
	}
	h->registered = true;
	return 0;
}

void toa_hook_unregister(struct toa_hook *h)
{
	if (!h->registered)
		return;
	unregister_ftrace_function(&h->ops);
	toa_hook_free_filter(h);
	h->registered = false;
}

/*
 * After this no callback runs and none will, and no task is left in a function a
 * callback sent it to: tasks preempted there are waited for with RCU Tasks.
 */
void toa_hook_exit(void)
{
	int i;

	for (i = ARRAY_SIZE(toa_hooks) - 1; i >= 0; i--)
		toa_hook_unregister(&toa_hooks[i]);
	synchronize_rcu_tasks();
	synchronize_rcu();
}

/* All or nothing: a kernel that lacks one target gets none. */
int toa_hook_init(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(toa_hooks); i++) {
		err = toa_hook_register(&toa_hooks[i]);
		if (err) {
			toa_hook_exit();
			return err;
		}
	}
	return 0;
}
