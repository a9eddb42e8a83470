// SPDX-License-Identifier: MIT
//
// toa-e2e's parts (one program): toa_e2e_conn.cpp runs one connection through the
// simulator and checks what the server sees, toa_e2e_cases.cpp has the suites made of
// such cases, toa_e2e_stress.cpp the stress framework, toa_e2e.cpp the table of suites
// and the command line.
#ifndef TOA_E2E_HPP
#define TOA_E2E_HPP

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "guest_util.hpp"
#include "lbsim.hpp"
#include "toa/uapi.h"

namespace toa::e2e {

using namespace toa::lbsim;
using toa::guest::sockaddr_str;
using toa::guest::tcpext;

// `RESULT <name> PASS|FAIL <detail>`, counted.
void result(const std::string &name, bool ok, const std::string &detail = "");
extern int g_pass, g_fail;

// An endpoint from a constant string (exits on a bad one).
Endpoint ep(const char *s);

inline const Endpoint kLb4 = ep("198.51.100.2:0");
inline const Endpoint kLb6 = ep("[2001:db8:ff::2]:0");
inline const Endpoint kClient4 = ep("203.0.113.7:40000");
inline const Endpoint kClient6 = ep("[2001:db8:c::7]:40000");

bool set_param(const char *name, const std::string &value);
// The module's syn parameter as the expectations assume it (the default is off).
extern bool g_read_syn;
void set_read_syn(bool on);
// Total column of a /proc/net/toa_stats row; -1 without it.
long long stat_total(const std::string &name);
// A TcpExt counter of /proc/net/netstat; -1 without it.
// A listening non-blocking socket (exits when it cannot be had).
int listen_on(int family, const char *addr, uint16_t port, bool v6only);

// An address of `family` (IPv4: the first 4 bytes) and a port in network order.
Endpoint endpoint_of(uint8_t family, const uint8_t *addr, uint16_t port_be);
// A socket address (IPv4-mapped as IPv4).
Endpoint endpoint_of(const sockaddr_storage &ss);
// An endpoint as a socket of `family` reports it (IPv4 on an IPv6 socket: mapped).
std::string as_seen_by(int sock_family, const Endpoint &e);

struct Server {
	int fd = -1;
	int family = AF_INET;
	Endpoint addr;
};

struct Env {
	Tun tun;
	std::unique_ptr<Stack> st;
	Server s4, s6, sds; // IPv4, IPv6-only, dual-stack [::]

	bool init(std::string *err);
};
extern Env g;
extern int g_strays;  // connections accepted that were none of ours (closed)
extern int g_dropped; // connections the kernel dropped, as predicted

// Where this kernel drops a segment for its option list before anything else reads it
// (Linux >= 6.7, tcp_do_parse_auth_options(); see linux_drops_options()): the `minlen`
// of that walk, 0 when the kernel drops nothing. Found from the release and the
// kernel's symbols at start; --kernel-minlen overrides it.
extern unsigned g_kernel_minlen;
// "release 6.12.95+deb12-amd64: drops option lists (TCP-MD5 walk, minlen 18)".
std::string kernel_drop_rule_init();

// Accepts the connection whose load-balancer port is lb_port (0: any), polling the
// simulator meanwhile; -1 after timeout_ms. Others are strays (closed, counted).
int accept_wait(int lfd, sockaddr_storage *ss, socklen_t *len, int timeout_ms = 3000,
		uint16_t lb_port = 0);

// What the server should see.
struct Want {
	bool toa = false;
	Endpoint client;
	uint8_t kind = 0, len = 0, packet = 0;
	uint8_t packet_alt = 0; // also acceptable
	bool transparent = true;
};

struct Case {
	std::string name;
	const Server *server = nullptr;
	Endpoint lb = kLb4;
	OptionList syn, ack, data;
	bool pure_ack = true;
	uint32_t enabled = TOA_FMT_DEFAULT;
	bool transparent = true;
	int force_no_toa = 0; // 1: expect no TOA whatever was sent (untrusted source)
	// With SYN cookies the SYN leaves no request behind: an option on both the SYN and
	// the ACK may be read from either.
	bool syn_or_ack = false;
};

// More checks on the accepted socket: returns what is wrong, empty when all is right.
using Extra = std::function<std::string(int fd, const Want &w, const Conn &c)>;

// One connection through the simulator; the server side is checked and closed. A
// segment that this kernel drops for its options (g_kernel_minlen) must be dropped:
// the connection must then not be set up (or be set up by the next packet), and one
// that is not predicted must be set up. True when all was as predicted.
bool run_case(const Case &k, bool report = true, Want *want_out = nullptr,
	      const Extra &extra = nullptr);

// The suites (toa_e2e_cases.cpp, toa_e2e_stress.cpp).
void suite_formats();
void suite_families();
void suite_malformed();
void suite_trust();
void suite_cookies();
void suite_transparent();
void suite_libtoa();
void suite_mass(int count);
void suite_stress(int seconds, uint64_t seed);
void suite_hold(int count, bool after_unload);
void suite_random(int count, uint64_t seed);
void suite_single(const std::string &want);

} // namespace toa::e2e

#endif
