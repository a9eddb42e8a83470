/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * toa: the one interface shared by the kernel module (kmod/), libtoa and the tools.
 *
 * TCP option formats, the getsockopt ABIs and the generic netlink family are defined
 * here and nowhere else.
 */
#ifndef TOA_UAPI_H
#define TOA_UAPI_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/in6.h>
#else
#include <stdint.h>
#include <netinet/in.h>
#endif

#define TOA_VERSION_STRING "0.1.0"

/*
 * TCP option formats (kind, length). Kind and length together identify a format;
 * the data is network byte order, port first:
 *
 *   254/8   port(2) + IPv4(4)                    LVS, DPVS, Huawei ELB, Alibaba Anti-DDoS
 *   254/20  port(2) + IPv6(16)                   DPVS IPv6 and NAT64
 *   200/8   port(2) + IPv4(4)                    Tencent Cloud CLB
 *   253/20  port(2) + IPv6(16)                   Tencent CLB NAT64, Alibaba LVS IPv6
 *   253/8   port(2) + IPv4(4)                    UCloud variant
 *   249/40  port(2) + IPv6(16) + 20 bytes info   Alibaba Anti-DDoS NAT64 (off by default)
 *   28/7    version(1)=1 + IPv4(4), no port      Alibaba Cloud CDN (off by default;
 *                                                28/4 is RFC 5482 User Timeout)
 */
/*
 * The one table of formats: X(id, kind, len, family of the client address, on by
 * default). enum toa_format, the default mask and every name ("254/8") derive from it.
 */
#define TOA_FORMATS(X)                                                                 \
	X(254_8, 254, 8, 4, 1)                                                         \
	X(254_20, 254, 20, 6, 1)                                                       \
	X(200_8, 200, 8, 4, 1)                                                         \
	X(253_20, 253, 20, 6, 1)                                                       \
	X(253_8, 253, 8, 4, 1)                                                         \
	X(249_40, 249, 40, 6, 0)                                                       \
	X(28_7, 28, 7, 4, 0)

#define TOA_FMT_ENUM_(id, kind, len, family, on) TOA_FMT_##id,
enum toa_format { TOA_FORMATS(TOA_FMT_ENUM_) __TOA_FMT_MAX };
#undef TOA_FMT_ENUM_
#define TOA_FMT_BIT(f) (1u << (f))
#define TOA_FMT_ALL ((1u << __TOA_FMT_MAX) - 1)
#define TOA_FMT_DEFAULT_(id, kind, len, family, on) | ((on) ? TOA_FMT_BIT(TOA_FMT_##id) : 0u)
#define TOA_FMT_DEFAULT (0u TOA_FORMATS(TOA_FMT_DEFAULT_))

/* Which packet of the handshake carried the option. */
enum toa_packet {
	TOA_PKT_UNSPEC = 0,
	TOA_PKT_SYN,  /* the SYN */
	TOA_PKT_ACK,  /* the pure ACK that completed the handshake */
	TOA_PKT_DATA, /* a data segment that completed the handshake (pure ACK lost) */
	__TOA_PKT_MAX
};

/*
 * getsockopt ABI, level IPPROTO_IP, on a connected TCP socket (IPv4 or IPv6).
 *
 * TOA_SO_GET_LOOKUP is the DPVS / Tencent CLB / Huawei ABI, byte for byte: it answers
 * for connections whose client is IPv6 (NAT64: IPv6 client, IPv4 backend; also an IPv6
 * client on an IPv6 socket). sport is network byte order.
 *
 * TOA_SO_GET_CLIENT is ours: the client of either family, the option that carried it
 * and the load balancer (the socket's own peer). A caller that sets TOA_CI_WANT_PEER in
 * the buffer's flags before the call also gets an answer for a connection without TOA:
 * its peer, as getpeername() would give it, with flags TOA_CI_PEER, kind and len 0,
 * format 0xff and no load balancer (lb_family AF_UNSPEC); one call instead of three.
 * Where the peer needs more than that (an IPv6 scope id) or the socket is not connected,
 * the answer stays ENOENT. Without the flag, or from a module that predates it, ENOENT.
 *
 * VTOA_SO_GET_CLIENT is Alibaba Cloud Linux's vtoa ABI: the client as a struct
 * sockaddr_in (IPv4 client) or struct sockaddr_in6 (IPv6 client), whatever the
 * socket's family; *optlen must hold the one the client needs.
 *
 * Errors (errno), the same for both:
 *   ENOENT       the socket has no TOA (for TOA_SO_GET_LOOKUP: no IPv6 client)
 *   EINVAL       *optlen is shorter than the structure
 *   EOPNOTSUPP   not a TCP socket
 *   ENOPROTOOPT  no toa module is loaded (the kernel does not know the option)
 *   EFAULT       bad buffer
 * A longer buffer is fine: on success the structure is written at its start and
 * *optlen is set to its size, so a later version may grow it at the end.
 */
#define TOA_BASE_CTL 4096
#define TOA_SO_SET_MAX TOA_BASE_CTL
#define TOA_SO_GET_LOOKUP TOA_BASE_CTL
#define TOA_SO_GET_CLIENT (TOA_BASE_CTL + 1)
#define TOA_SO_GET_MAX TOA_SO_GET_CLIENT
#define VTOA_SO_GET_CLIENT 1348

struct toa_nat64_peer {
	struct in6_addr saddr;
#ifdef __KERNEL__
	__u16 sport;
#else
	uint16_t sport;
#endif
};

#ifdef __KERNEL__
#define TOA_U8 __u8
#define TOA_U16 __u16
#define TOA_U32 __u32
#else
#define TOA_U8 uint8_t
#define TOA_U16 uint16_t
#define TOA_U32 uint32_t
#endif

struct toa_client_info {
	TOA_U8 family;     /* AF_INET or AF_INET6: the client's address family */
	TOA_U8 lb_family;  /* AF_INET or AF_INET6: the load balancer's */
	TOA_U8 kind;       /* TCP option kind that carried the client */
	TOA_U8 len;        /* its length */
	TOA_U8 packet;     /* enum toa_packet */
	TOA_U8 format;     /* enum toa_format */
	TOA_U16 port;      /* client port, network byte order (0 for 28/7) */
	TOA_U16 lb_port;   /* load balancer port, network byte order */
	TOA_U16 flags;     /* in: TOA_CI_WANT_PEER or 0; out: TOA_CI_PEER or 0 */
	TOA_U32 age_ms;    /* milliseconds since the connection was set up */
	TOA_U8 addr[16];   /* client address; IPv4 in the first 4 bytes */
	TOA_U8 lb_addr[16];/* load balancer address; IPv4 in the first 4 bytes */
};

#define TOA_CI_WANT_PEER 0x0001 /* in: answer a connection without TOA with its peer */
#define TOA_CI_PEER 0x0002      /* out: this is the plain peer, no TOA */

/*
 * Counters, in /proc/net/toa_stats (one row per name, a column per CPU and the total)
 * and in TOA_A_STATS. The first eight keep the names monitoring already reads.
 */
#define TOA_STATS(X)                                                                   \
	X(SYN_RECV_SOCK_TOA, syn_recv_sock_toa)       /* connections set up with TOA */  \
	X(SYN_RECV_SOCK_NO_TOA, syn_recv_sock_no_toa) /* ... without */                   \
	X(GETNAME_TOA_OK, getname_toa_ok)             /* getpeername gave the client */   \
	X(GETNAME_TOA_MISMATCH, getname_toa_mismatch) /* client does not fit the family */\
	X(GETNAME_TOA_BYPASS, getname_toa_bypass)     /* local name, or transparent off */\
	X(GETNAME_TOA_EMPTY, getname_toa_empty)       /* always 0 (no proto_ops of ours) */\
	X(IP6_ADDRESS_ALLOC, ip6_address_alloc)       /* state with an IPv6 client */     \
	X(IP6_ADDRESS_FREE, ip6_address_free)                                            \
	X(CONN_ALLOC, conn_alloc)                     /* per-connection state allocated */\
	X(CONN_FREE, conn_free)                       /* ... and freed */                 \
	X(TOA_SYN, toa_syn)                           /* option taken from the SYN */     \
	X(TOA_ACK, toa_ack)                           /* ... the handshake ACK */         \
	X(TOA_DATA, toa_data)                         /* ... the first data segment */    \
	X(UNTRUSTED, untrusted)                       /* option from an untrusted source */\
	X(MALFORMED, malformed)                       /* malformed option list */         \
	X(ALLOC_FAIL, alloc_fail)                     /* state could not be allocated */  \
	X(PROBE_MISSED, probe_missed)                 /* option lost: child not created */\
	X(SYN_STASH_ADD, syn_stash_add)               /* SYN option kept for its ACK */   \
	X(SYN_STASH_HIT, syn_stash_hit)                                                  \
	X(SYN_STASH_EXPIRED, syn_stash_expired)       /* SYN never completed */           \
	X(SYN_STASH_FULL, syn_stash_full)                                                \
	X(SOCKOPT_OK, sockopt_ok)                     /* getsockopt answered */           \
	X(SOCKOPT_NO_TOA, sockopt_no_toa)             /* getsockopt on a socket without */\
	X(HOOK_SYN, hook_syn)                         /* SYN hook runs (one per SYN) */   \
	X(HOOK_RELEASE_CB, hook_release_cb)           /* accept-time hook runs (TOA only) */\
	X(GUARD_STRIPPED, guard_stripped)             /* guard: untrusted options NOPed */ \
	X(GUARD_VOUCHED, guard_vouched)               /* guard: passed on to a namespace */\
	X(GUARD_UNVOUCHED, guard_unvouched)           /* behind the guard: not passed on */\
	X(GUARD_VOUCH_FULL, guard_vouch_full)         /* guard: an older record dropped */\
	X(UOA_GOT, uoa_got)                           /* UDP: datagram with a UOA option */\
	X(UOA_NONE, uoa_none)                         /* UDP: datagram without */          \
	X(UOA_SAVED, uoa_saved)                       /* UDP: mapping made or refreshed */  \
	X(UOA_ACK_FAIL, uoa_ack_fail)                 /* DPVS's; no UOA ACK is sent: 0 */   \
	X(UOA_MISS, uoa_miss)                         /* mapping could not be allocated */  \
	X(UOA_LOOKUP_OK, uoa_lookup_ok)               /* UOA getsockopt answered (DPVS's success) */\
	X(UOA_LOOKUP_MISS, uoa_lookup_miss)           /* ... no mapping (DPVS's miss) */    \
	X(UOA_LOOKUP_INVALID, uoa_lookup_invalid)     /* ... bad request (DPVS's invalid) */\
	X(UOA_UNTRUSTED, uoa_untrusted)               /* UOA from an untrusted source */    \
	X(UOA_MALFORMED, uoa_malformed)               /* malformed or truncated carrier */  \
	X(UOA_DROPPED, uoa_dropped)                   /* ... that could not be stripped: dropped */\
	X(UOA_MULTI, uoa_multi)                       /* more UOA options after the first */\
	X(UOA_EMPTY, uoa_empty)                       /* address-only datagrams consumed */ \
	X(UOA_FULL, uoa_full)                         /* table full: mapping not kept */    \
	X(UOA_EXPIRED, uoa_expired)                   /* mappings timed out */              \
	X(UOA_REPLACED, uoa_replaced)                 /* a 4-tuple's client changed */      \
	X(UOA_UNSUPPORTED, uoa_unsupported)           /* IPv6 extension headers, fragments */\
	X(UOA_LOOKUP_NAT, uoa_lookup_nat)             /* ... answered through the node or NAT */

#define TOA_STAT_ENUM_(id, name) TOA_STAT_##id,
enum toa_stat { TOA_STATS(TOA_STAT_ENUM_) __TOA_STAT_MAX };
#undef TOA_STAT_ENUM_

/*
 * Generic netlink family "toa", version 1.
 *
 * Commands:
 *   TOA_CMD_GET_STATS    doit, no privilege      -> TOA_A_VERSION, TOA_A_STATS
 *   TOA_CMD_GET_CONFIG   doit, no privilege      -> TOA_A_VERSION, TOA_A_CONFIG
 *   TOA_CMD_SET_CONFIG   doit, CAP_NET_ADMIN     <- TOA_A_CONFIG (attributes present are
 *                                                   replaced, atomically, for new
 *                                                   connections) -> TOA_A_CONFIG
 *   TOA_CMD_GET_CONN     dumpit, CAP_NET_ADMIN   -> one TOA_A_CONN per message
 *                        doit,   CAP_NET_ADMIN   <- TOA_A_CONN { LOCAL, PEER } (the 4-tuple
 *                                                   as the server sees it)
 *                                                -> TOA_A_CONN, or ENOENT (found by
 *                                                   the kernel's established-socket
 *                                                   lookup: the caller's namespace;
 *                                                   the initial one's sees all)
 *   TOA_CMD_GET_UOA      dumpit, CAP_NET_ADMIN   -> one TOA_A_UOA per message (UDP mappings)
 *                        doit,   CAP_NET_ADMIN   <- TOA_A_UOA { LOCAL, PEER } (LOCAL's address
 *                                                   may be the wildcard) -> TOA_A_UOA, ENOENT
 *
 * Attribute tree:
 *   TOA_A_VERSION            string
 *   TOA_A_STATS              nest
 *     TOA_STAT_<name> + 1    u64, one per counter of TOA_STATS (attribute type = index + 1);
 *                            attribute type 0 in this nest is padding, ignore it
 *   TOA_A_CONFIG             nest
 *     TOA_CFG_FORMATS        u32, bit mask of enum toa_format
 *     TOA_CFG_TRANSPARENT    u8, 0 or 1
 *     TOA_CFG_SYN            u8, 0 or 1 (read options on the SYN too)
 *     TOA_CFG_GUARD          u8, 0 or 1 (the ingress guard of the node's namespace)
 *     TOA_CFG_UOA            u8, 0 or 1 (the UDP part)
 *     TOA_CFG_UOA_TIMEOUT    u32, seconds
 *     TOA_CFG_UOA_MAX        u32, mappings
 *     TOA_CFG_TRUSTED        nest (empty: every source is trusted)
 *       TOA_CIDR             nest, repeated
 *         TOA_CIDR_FAMILY    u8, AF_INET or AF_INET6
 *         TOA_CIDR_ADDR      binary, 4 or 16 bytes
 *         TOA_CIDR_PREFIX    u8, 0..32 or 0..128
 *   TOA_A_CONN               nest
 *     TOA_CONN_LOCAL         nest endpoint: the server's own address
 *     TOA_CONN_PEER          nest endpoint: the socket's peer (the load balancer)
 *     TOA_CONN_CLIENT        nest endpoint: the real client
 *     TOA_CONN_KIND          u8
 *     TOA_CONN_LEN           u8
 *     TOA_CONN_PACKET        u8, enum toa_packet
 *     TOA_CONN_AGE_MS        u64
 *     TOA_CONN_NETNS         u32, inode number of the network namespace
 *     TOA_CONN_PAD           padding for 64-bit alignment, ignore
 *   TOA_A_UOA                nest
 *     TOA_UOA_LOCAL          nest endpoint: the datagrams' destination (the server)
 *     TOA_UOA_PEER           nest endpoint: their source (the load balancer)
 *     TOA_UOA_CLIENT         nest endpoint: the real client
 *     TOA_UOA_CARRIER        u8, enum toa_uoa_carrier
 *     TOA_UOA_AGE_MS         u64, since the mapping was made
 *     TOA_UOA_IDLE_MS        u64, since its last UOA datagram or lookup
 *     TOA_UOA_PACKETS        u32, UOA datagrams seen for it
 *     TOA_UOA_NETNS          u32, inode number of the network namespace
 *     TOA_UOA_PAD            padding, ignore
 *   endpoint:
 *     TOA_EP_FAMILY          u8, AF_INET or AF_INET6
 *     TOA_EP_ADDR            binary, 4 or 16 bytes
 *     TOA_EP_PORT            u16, host byte order
 */
#define TOA_GENL_NAME "toa"
#define TOA_GENL_VERSION 1

enum toa_cmd {
	TOA_CMD_UNSPEC,
	TOA_CMD_GET_STATS,
	TOA_CMD_GET_CONFIG,
	TOA_CMD_SET_CONFIG,
	TOA_CMD_GET_CONN,
	TOA_CMD_GET_UOA,
	__TOA_CMD_MAX
};
#define TOA_CMD_MAX (__TOA_CMD_MAX - 1)

enum toa_attr {
	TOA_A_UNSPEC,
	TOA_A_VERSION,
	TOA_A_STATS,
	TOA_A_CONFIG,
	TOA_A_CONN,
	TOA_A_UOA,
	__TOA_A_MAX
};
#define TOA_A_MAX (__TOA_A_MAX - 1)

#define TOA_STATS_A_MAX __TOA_STAT_MAX

enum toa_cfg_attr {
	TOA_CFG_UNSPEC,
	TOA_CFG_FORMATS,
	TOA_CFG_TRANSPARENT,
	TOA_CFG_TRUSTED,
	TOA_CFG_SYN, /* u8, 0 or 1: options on the SYN are read too */
	TOA_CFG_GUARD, /* u8, 0 or 1: the ingress guard */
	TOA_CFG_UOA,         /* u8, 0 or 1: the UDP part (UOA) on */
	TOA_CFG_UOA_TIMEOUT, /* u32, seconds a UDP mapping is kept after its last UOA or lookup */
	TOA_CFG_UOA_MAX,     /* u32, at most this many UDP mappings (a full table is counted) */
	__TOA_CFG_MAX
};
#define TOA_CFG_MAX (__TOA_CFG_MAX - 1)

enum toa_trusted_attr {
	TOA_TRUSTED_UNSPEC,
	TOA_CIDR,
	__TOA_TRUSTED_MAX
};
#define TOA_TRUSTED_MAX (__TOA_TRUSTED_MAX - 1)

enum toa_cidr_attr {
	TOA_CIDR_UNSPEC,
	TOA_CIDR_FAMILY,
	TOA_CIDR_ADDR,
	TOA_CIDR_PREFIX,
	__TOA_CIDR_MAX
};
#define TOA_CIDR_MAX (__TOA_CIDR_MAX - 1)

enum toa_conn_attr {
	TOA_CONN_UNSPEC,
	TOA_CONN_LOCAL,
	TOA_CONN_PEER,
	TOA_CONN_CLIENT,
	TOA_CONN_KIND,
	TOA_CONN_LEN,
	TOA_CONN_PACKET,
	TOA_CONN_AGE_MS,
	TOA_CONN_NETNS,
	TOA_CONN_PAD,
	__TOA_CONN_MAX
};
#define TOA_CONN_MAX (__TOA_CONN_MAX - 1)

enum toa_ep_attr {
	TOA_EP_UNSPEC,
	TOA_EP_FAMILY,
	TOA_EP_ADDR,
	TOA_EP_PORT,
	__TOA_EP_MAX
};
#define TOA_EP_MAX (__TOA_EP_MAX - 1)

enum toa_uoa_attr {
	TOA_UOA_UNSPEC,
	TOA_UOA_LOCAL,
	TOA_UOA_PEER,
	TOA_UOA_CLIENT,
	TOA_UOA_CARRIER,
	TOA_UOA_AGE_MS,
	TOA_UOA_IDLE_MS,
	TOA_UOA_PACKETS,
	TOA_UOA_NETNS,
	TOA_UOA_PAD,
	__TOA_UOA_MAX
};
#define TOA_UOA_MAX (__TOA_UOA_MAX - 1)

/* At most this many trusted CIDRs. */
#define TOA_TRUSTED_MAX_CIDRS 64

/*
 * UDP: DPVS's UOA ("UDP Option of Address", iqiyi/dpvs include/uoa.h), byte for byte.
 *
 * The load balancer writes the client into the first datagrams of each flow (and, when a
 * datagram has no room, into an extra datagram with no payload sent before it), either
 *  - ipo: as an IPv4 option (kind 31, length 8: IPv4 client; 20: IPv6 client), or
 *  - opp: in a header of IP protocol 248 between the IP (IPv4 or IPv6) and UDP headers:
 *    struct toa_opphdr, then options in the IPv4 options' syntax, the UOA one among them.
 * The module strips the carrier (the socket gets a plain UDP datagram), consumes the
 * address-only datagrams, and keeps (network namespace, family, source, destination,
 * ports) -> client for uoa_timeout seconds.
 */
#define TOA_UOA_OPT_KIND 31   /* IPOPT_UOA: 31 | IPOPT_CONTROL, not copied */
#define TOA_UOA_OPT_LEN4 8    /* code, len, port(2), IPv4(4) */
#define TOA_UOA_OPT_LEN6 20   /* code, len, port(2), IPv6(16) */
#define TOA_UOA_IPPROTO_OPP 248 /* IPPROTO_OPT */
#define TOA_UOA_OPP_V4 1      /* opphdr version: the client is IPv4 */
#define TOA_UOA_OPP_V6 2      /* ... IPv6 */

/* struct ipopt_uoa: the option, data network byte order. */
struct toa_ipopt_uoa {
	TOA_U8 code;    /* TOA_UOA_OPT_KIND */
	TOA_U8 len;     /* TOA_UOA_OPT_LEN4 or TOA_UOA_OPT_LEN6 */
	TOA_U16 port;   /* client port, network byte order */
	TOA_U8 addr[];  /* client address, 4 or 16 bytes */
} __attribute__((__packed__));

/* struct opphdr: version in the high 4 bits of the first byte, reserved (0) in the low. */
struct toa_opphdr {
	TOA_U8 ver_rsvd;  /* TOA_UOA_OPP_V4 << 4 or TOA_UOA_OPP_V6 << 4 */
	TOA_U8 protocol;  /* next protocol: IPPROTO_UDP */
	TOA_U16 length;   /* network byte order: this header and its options, not the UDP */
	TOA_U8 options[];
} __attribute__((__packed__));

/*
 * getsockopt(fd, IPPROTO_IP, UOA_SO_GET_LOOKUP, &map, &len) on any socket (UDP, IPv4 or
 * IPv6): DPVS's ABI. In: af, saddr/sport (the peer recvfrom() gave), daddr/dport (the
 * server's address; daddr may be the wildcard 0.0.0.0 / ::). Out: real_af, real_saddr,
 * real_sport. af and real_af hold the host-order AF_INET / AF_INET6 (the fields are
 * declared __be16 in DPVS's header, but hold the plain value); addresses and ports
 * network order; an IPv4 address in the first 4 bytes of its 16. An IPv4 4-tuple given
 * as IPv4-mapped IPv6 (a dual-stack socket) is looked up as IPv4 (an extension).
 * Errors: ENOENT no mapping in the caller's network namespace; EINVAL *optlen shorter
 * than the structure, or af not AF_INET/AF_INET6; EFAULT bad buffer;
 * ENOPROTOOPT no module (or its UDP part off at load).
 *
 * TOA_UOA_SO_GET_CLIENT (ours) takes the same request in struct toa_uoa_client_info
 * and answers more: the carrier, the mapping's own destination, its age.
 */
#define UOA_BASE_CTL 2048
#define UOA_SO_SET_MAX UOA_BASE_CTL
#define UOA_SO_GET_LOOKUP UOA_BASE_CTL
#define TOA_UOA_SO_GET_CLIENT (UOA_BASE_CTL + 1)
#define TOA_UOA_SO_GET_MAX TOA_UOA_SO_GET_CLIENT

struct uoa_param_map {
	/* input */
	TOA_U16 af;
	TOA_U8 saddr[16];
	TOA_U8 daddr[16];
	TOA_U16 sport;
	TOA_U16 dport;
	/* output */
	TOA_U16 real_af;
	TOA_U8 real_saddr[16];
	TOA_U16 real_sport;
} __attribute__((__packed__));

enum toa_uoa_carrier {
	TOA_UOA_CARRIER_NONE = 0,
	TOA_UOA_CARRIER_IPO,   /* IPv4 option */
	TOA_UOA_CARRIER_OPP,   /* IP protocol 248 */
	__TOA_UOA_CARRIER_MAX
};

struct toa_uoa_client_info {
	/* input, as in struct uoa_param_map */
	TOA_U16 af;         /* AF_INET or AF_INET6, host order */
	TOA_U16 sport;      /* network byte order */
	TOA_U16 dport;
	TOA_U16 reserved0;  /* 0 */
	TOA_U8 saddr[16];
	TOA_U8 daddr[16];   /* may be the wildcard */
	/* output */
	TOA_U8 family;      /* AF_INET or AF_INET6: the client's */
	TOA_U8 carrier;     /* enum toa_uoa_carrier of the last UOA seen */
	TOA_U16 port;       /* client port, network byte order */
	TOA_U32 age_ms;     /* since the mapping was made */
	TOA_U32 idle_ms;    /* since its last UOA datagram or lookup */
	TOA_U32 packets;    /* UOA datagrams seen for it */
	TOA_U8 addr[16];    /* client address; IPv4 in the first 4 bytes */
	TOA_U8 local_addr[16]; /* the mapping's destination (when daddr was the wildcard) */
};

#if defined(__cplusplus) && __cplusplus >= 201103L
static_assert(sizeof(struct uoa_param_map) == 58, "uoa_param_map is DPVS's 58 bytes");
static_assert(sizeof(struct toa_ipopt_uoa) == 4, "ipopt_uoa header");
static_assert(sizeof(struct toa_opphdr) == 4, "opphdr");
static_assert(sizeof(struct toa_uoa_client_info) == 88, "toa_uoa_client_info");
#elif !defined(__KERNEL__) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct uoa_param_map) == 58, "uoa_param_map is DPVS's 58 bytes");
_Static_assert(sizeof(struct toa_ipopt_uoa) == 4, "ipopt_uoa header");
_Static_assert(sizeof(struct toa_opphdr) == 4, "opphdr");
_Static_assert(sizeof(struct toa_uoa_client_info) == 88, "toa_uoa_client_info");
#endif

#endif /* TOA_UAPI_H */
