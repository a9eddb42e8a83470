// SPDX-License-Identifier: GPL-2.0
/*
 * Where the option is read: only on the connection-setup path, never on established
 * connections. One ftrace callback, at the entry of four functions:
 *
 *  - security_inet_conn_request(listener, skb, req): once per SYN that creates a
 *    request sock. An option on the SYN is stashed for that request (stash.c).
 *  - tcp_create_openreq_child(listener, req, skb): once per child socket, with the
 *    packet that completed the handshake (the ACK, a data segment when the ACK was
 *    lost, the ACK of a SYN cookie, the SYN of Fast Open), for IPv4 and IPv6. The
 *    option (the SYN's if one was stashed, else this packet's) is handed to:
 *  - security_inet_csk_clone(child, req): called from inside the former, once the child
 *    exists and before anyone else can see it. The state is attached here.
 *  - inet_listen(sock, backlog): once per listen(); gives a TCP listener our proto_ops
 *    copy (override.c), so that accept() can return the client on every kernel.
 *
 * The handoff between the second and third: both run in the same call chain, with
 * bottom halves off (softirq, or a listener's backlog under bh_lock_sock) as a rule,
 * so a per-CPU slot carries it; the slot names the request and its SYN's sequence
 * number and port, and the third callback takes it only for that very request. Where
 * the chain runs with bottom halves on (a listener's backlog processed by
 * release_sock()), it could move to another CPU: the stash carries it instead.
 */
#include <linux/ftrace.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/kallsyms.h>
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
#include "override.h"
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

/* From byte @at of @skb's TCP header on: true with *p filled when a trusted TOA is there. */
static bool toa_skb_parse(const struct sk_buff *skb, unsigned int at, struct toa_parsed *p)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const struct toa_config *cfg;
	const void *saddr;
	bool found = false;
	u8 family;
	int ret;

	if (skb->protocol == htons(ETH_P_IP)) {
		family = 4;
		saddr = &ip_hdr(skb)->saddr;
	} else {
		family = 6;
		saddr = &ipv6_hdr(skb)->saddr;
	}
	rcu_read_lock();
	cfg = toa_config_get();
	ret = toa_parse_options((const u8 *)th + at, th->doff * 4 - at, cfg->formats, p);
	if (ret == TOA_PARSE_MALFORMED)
		toa_stat_inc(MALFORMED);
	else if (ret == TOA_PARSE_FOUND && !toa_config_trusts(cfg, family, saddr))
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
static noinline void toa_syn_stash(const struct request_sock *req, const struct sk_buff *skb,
				   unsigned int at)
{
	struct toa_parsed p;

	if (toa_skb_parse(skb, at, &p))
		toa_stash_add(req, &p, TOA_PKT_SYN);
}

static __always_inline void toa_conn_request_hook(toa_fregs_t *fregs)
{
	const struct sock *sk = (const struct sock *)toa_ftrace_arg(fregs, 0);
	const struct sk_buff *skb = (const struct sk_buff *)toa_ftrace_arg(fregs, 1);
	const struct request_sock *req = (const struct request_sock *)toa_ftrace_arg(fregs, 2);
	unsigned int at;

	if (sk->sk_protocol != IPPROTO_TCP || !tcp_hdr(skb)->syn)
		return;
	toa_stat_inc(HOOK_SYN);
	/* A SYN answered with a cookie: its request is freed right away, none to stash for. */
	if (!req->rsk_listener)
		return;
	at = toa_skb_toa_at(skb);
	if (at)
		toa_syn_stash(req, skb, at);
}

struct toa_handoff {
	const struct request_sock *req; /* NULL: empty */
	u32 isn;
	__be16 rport;
	u8 packet;
	bool at_accept;
	struct toa_parsed p;
};

static DEFINE_PER_CPU(struct toa_handoff, toa_handoff);

static u8 toa_packet_of(const struct sk_buff *skb)
{
	if (tcp_hdr(skb)->syn)
		return TOA_PKT_SYN;
	return TCP_SKB_CB(skb)->end_seq != TCP_SKB_CB(skb)->seq ? TOA_PKT_DATA : TOA_PKT_ACK;
}

static noinline void toa_create_child(const struct sock *listener,
				      const struct request_sock *req,
				      const struct sk_buff *skb, unsigned int at)
{
	struct toa_handoff *h;
	struct socket *lsock;
	struct toa_parsed p;
	bool at_accept = true;
	u8 packet;

	if (!(atomic_read(&toa_stash_count) && toa_stash_take(req, &p, &packet))) {
		if (!at || !toa_skb_parse(skb, at, &p)) {
			toa_stat_inc(SYN_RECV_SOCK_NO_TOA);
			return;
		}
		packet = toa_packet_of(skb);
	}
	/* Also a listener from before the module was loaded gets our proto_ops. */
	lsock = READ_ONCE(listener->sk_socket);
	if (lsock)
		at_accept = !toa_point_listener(lsock, false);
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
	h->at_accept = at_accept;
	h->p = p;
}

static __always_inline void toa_create_child_hook(toa_fregs_t *fregs)
{
	const struct sock *listener = (const struct sock *)toa_ftrace_arg(fregs, 0);
	const struct request_sock *req = (const struct request_sock *)toa_ftrace_arg(fregs, 1);
	const struct sk_buff *skb = (const struct sk_buff *)toa_ftrace_arg(fregs, 2);
	unsigned int at = toa_skb_toa_at(skb);

	if (!at && !atomic_read(&toa_stash_count)) {
		toa_stat_inc(SYN_RECV_SOCK_NO_TOA);
		return;
	}
	toa_create_child(listener, req, skb, at);
}

static void toa_attach_child(struct sock *child, const struct toa_parsed *p, u8 packet,
			     bool at_accept)
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
	if (toa_attach(child, ts, at_accept))
		return;
	toa_stat_inc(SYN_RECV_SOCK_TOA);
	toa_stat_inc(CONN_ALLOC);
	if (ts->family == 6)
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
			toa_attach_child(child, &h->p, h->packet, h->at_accept);
			return;
		}
	}
	if (atomic_read(&toa_stash_count) && toa_stash_take(req, &p, &packet))
		toa_attach_child(child, &p, packet, true);
}

static __always_inline void toa_clone_hook(toa_fregs_t *fregs)
{
	struct sock *child = (struct sock *)toa_ftrace_arg(fregs, 0);
	const struct request_sock *req = (const struct request_sock *)toa_ftrace_arg(fregs, 1);

	if (this_cpu_read(toa_handoff.req) != req && !atomic_read(&toa_stash_count))
		return;
	if (child->sk_protocol == IPPROTO_TCP)
		toa_clone(child, req);
}

static noinline void toa_listen_hook(toa_fregs_t *fregs)
{
	struct socket *sock = (struct socket *)toa_ftrace_arg(fregs, 0);
	const struct sock *sk = sock->sk;

	if (sk && sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP)
		toa_point_listener(sock, true);
}

/* @ip is the hooked function's ftrace call site, a few bytes into it at most. */
static bool toa_ip_in(unsigned long ip, const void *fn)
{
	return ip - (unsigned long)fn < TOA_FTRACE_SITE_MAX;
}

/* One ftrace_ops for all four: loading and unloading patch the kernel's text once. */
static TOA_FTRACE_CALLBACK(toa_ftrace_hook)
{
	if (toa_ip_in(ip, security_inet_conn_request))
		toa_conn_request_hook(fregs);
	else if (toa_ip_in(ip, tcp_create_openreq_child))
		toa_create_child_hook(fregs);
	else if (toa_ip_in(ip, inet_listen))
		toa_listen_hook(fregs);
	else /* security_inet_csk_clone, the one not exported */
		toa_clone_hook(fregs);
}

static struct ftrace_ops toa_ftrace_ops = {
	.func = toa_ftrace_hook,
	.flags = TOA_FTRACE_FLAGS,
};

static const char *const toa_hooked[] = {
	"security_inet_conn_request",
	"tcp_create_openreq_child",
	"security_inet_csk_clone",
	"inet_listen",
};

/* An empty filter frees the hash (ftrace_free_filter() is not exported before 5.19). */
static void toa_hook_free_filter(void)
{
	ftrace_set_filter(&toa_ftrace_ops, NULL, 0, 1);
}

int toa_hook_init(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(toa_hooked); i++) {
		char name[KSYM_NAME_LEN];

		strscpy(name, toa_hooked[i], sizeof(name)); /* the filter parser may write to it */
		err = ftrace_set_filter(&toa_ftrace_ops, name, strlen(name), !i);
		if (err) {
			pr_err("toa: cannot hook %s with ftrace: %d\n", toa_hooked[i], err);
			goto err_filter;
		}
	}
	err = register_ftrace_function(&toa_ftrace_ops);
	if (err) {
		pr_err("toa: cannot register the ftrace hooks: %d\n", err);
		goto err_filter;
	}
	return 0;

err_filter:
	toa_hook_free_filter();
	return err;
}

/*
 * After this no callback runs and none will: unregister_ftrace_function() waits for
 * every CPU and every preempted task to be out of the callbacks of a module's ops.
 */
void toa_hook_exit(void)
{
	unregister_ftrace_function(&toa_ftrace_ops);
	toa_hook_free_filter();
}
