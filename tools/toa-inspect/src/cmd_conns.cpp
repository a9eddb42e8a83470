// SPDX-License-Identifier: MIT
// toa-inspect conns
#include "output.h"
#include "subcommands.h"
#include "text.h"

namespace toa_inspect {

void conns_help(std::ostream &os)
{
	os << R"(Usage: toa-inspect conns [--json] [--no-header] [FILTER...]

The connections the module keeps a client address for, like ss: the local
address, the load balancer (the socket's peer), the real client, the option
that carried it (KIND/LEN), the packet it came in, the age and the network
namespace. Needs CAP_NET_ADMIN.

Filters (repeat one to match any of its values; all filters given must match):
  --port PORT      the local or the client port is PORT
  --local CIDR     the local address is in CIDR (an address alone: one host)
  --lb CIDR        the load balancer's (the peer's) address is in CIDR;
                   --peer is the same
  --client CIDR    the real client's address is in CIDR
  --netns INODE    the network namespace has this inode number
                   (stat -Lc %i /proc/PID/ns/net)
An IPv4 CIDR also matches IPv4-mapped IPv6 addresses (::ffff:a.b.c.d).

Options:
  --json         print {"connections": [CONNECTION, ...]}, each CONNECTION:
                   local, peer, client  {"family": "inet" or "inet6",
                                         "addr": "...", "port": N}
                   kind, len            the TCP option's kind and length
                   format               "KIND/LEN", e.g. "254/8"
                   packet               "syn", "ack", "data" or "unspec"
                   age_ms               milliseconds since the connection
                                        was set up
                   netns                inode number of the network namespace
                 A field the module did not send is null.
  --no-header    leave out the header line
  -h, --help     this text

Examples:
  toa-inspect conns --port 8080
  toa-inspect conns --client 203.0.113.0/24 --json
)";
}

namespace {

Cidr cidr_arg(const std::string &s)
{
	auto c = parse_cidr(s, false);
	if (!c)
		throw UsageError("bad CIDR " + quoted(s));
	return *c;
}

bool any_contains(const std::vector<Cidr> &list, const std::optional<Endpoint> &e)
{
	if (list.empty())
		return true;
	if (!e)
		return false;
	for (const auto &c : list)
		if (c.contains(e->addr))
			return true;
	return false;
}

} // namespace

bool ConnsArgs::matches(const Conn &c) const
{
	if (!ports.empty()) {
		bool hit = false;
		for (uint16_t p : ports)
			if ((c.local && c.local->port == p) || (c.client && c.client->port == p))
				hit = true;
		if (!hit)
			return false;
	}
	if (!netns.empty()) {
		bool hit = false;
		for (uint32_t n : netns)
			if (c.netns && *c.netns == n)
				hit = true;
		if (!hit)
			return false;
	}
	return any_contains(local, c.local) && any_contains(lb, c.peer) &&
	       any_contains(client, c.client);
}

ConnsArgs parse_conns_args(const std::vector<std::string> &args, bool json)
{
	return parse_filter_args(args, json, "conns");
}

ConnsArgs parse_filter_args(const std::vector<std::string> &args, bool json, const char *name)
{
	ConnsArgs a;
	a.json = json;
	ArgCursor c(args, name);
	std::string v;
	while (c.next()) {
		if (c.flag("--json")) {
			a.json = true;
		} else if (c.flag("--no-header")) {
			a.header = false;
		} else if (c.value("--port", v)) {
			auto p = parse_port(v);
			if (!p)
				throw UsageError("bad port " + quoted(v));
			a.ports.push_back(*p);
		} else if (c.value("--local", v)) {
			a.local.push_back(cidr_arg(v));
		} else if (c.value("--lb", v) || c.value("--peer", v)) {
			a.lb.push_back(cidr_arg(v));
		} else if (c.value("--client", v)) {
			a.client.push_back(cidr_arg(v));
		} else if (c.value("--netns", v)) {
			auto n = parse_u32(v);
			if (!n)
				throw UsageError("bad network namespace inode " + quoted(v));
			a.netns.push_back(*n);
		} else {
			c.unknown();
		}
	}
	return a;
}

int cmd_conns(const std::vector<std::string> &args, Context &ctx)
{
	ConnsArgs a = parse_conns_args(args, ctx.json);
	Session s;
	if (int rc = connect(ctx, s))
		return rc;
	std::vector<Conn> all;
	Failure f;
	if (!s.client->dump_conns(all, f))
		return fail(ctx, describe(f, "listing connections", true));
	std::vector<Conn> shown;
	for (auto &c : all)
		if (a.matches(c))
			shown.push_back(std::move(c));
	if (a.json)
		print_conns_json(ctx.out, shown);
	else
		print_conns_human(ctx.out, shown, a.header);
	return EXIT_OK;
}

} // namespace toa_inspect
