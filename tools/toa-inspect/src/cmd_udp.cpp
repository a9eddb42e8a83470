// SPDX-License-Identifier: MIT
// toa-inspect udp: the module's UDP mappings (DPVS's UOA).
#include "output.h"
#include "subcommands.h"
#include "text.h"

namespace toa_inspect {

void udp_help(std::ostream &os)
{
	os << R"(Usage: toa-inspect udp [--json] [--no-header] [FILTER...]

The UDP mappings the module keeps from DPVS's UOA (an IPv4 option, kind 31, or
an IP protocol 248 header on a flow's first datagrams): the server's endpoint
the datagrams went to, the load balancer's (their source, what recvfrom()
returns), the real client, the carrier of the last UOA ("ipo" or "opp"), the
UOA datagrams seen, the age, the idle time (since the last UOA datagram or
lookup; a mapping goes after uoa_timeout seconds idle) and the network
namespace. Servers read a mapping with getsockopt(IPPROTO_IP,
UOA_SO_GET_LOOKUP) or libtoa's toa::get_datagram_client(). From the initial
network namespace every namespace's mappings are listed, from any other only
its own. Needs CAP_NET_ADMIN.

Filters (repeat one to match any of its values; all filters given must match):
  --port PORT      the local or the client port is PORT
  --local CIDR     the server's address is in CIDR
  --lb CIDR        the load balancer's (the peer's) address is in CIDR;
                   --peer is the same
  --client CIDR    the real client's address is in CIDR
  --netns INODE    the network namespace has this inode number

Options:
  --json         print {"udp": [MAPPING, ...]}, each MAPPING:
                   local, peer, client  {"family": "inet" or "inet6",
                                         "addr": "...", "port": N}
                   carrier              "ipo", "opp" or null
                   packets              UOA datagrams seen
                   age_ms, idle_ms      milliseconds
                   netns                inode number of the network namespace
                 A field the module did not send is null.
  --no-header    leave out the header line
  -h, --help     this text

Examples:
  toa-inspect udp --port 53
  toa-inspect udp --client 203.0.113.0/24 --json
)";
}

namespace {

const char *carrier_str(const std::optional<uint8_t> &c)
{
	if (!c)
		return nullptr;
	switch (*c) {
	case TOA_UOA_CARRIER_IPO:
		return "ipo";
	case TOA_UOA_CARRIER_OPP:
		return "opp";
	default:
		return "unknown";
	}
}

std::string ep_str(const std::optional<Endpoint> &e) { return e ? endpoint_str(*e) : "-"; }

template <typename T> void json_num(Json &j, const std::optional<T> &v)
{
	if (v)
		j.value(static_cast<uint64_t>(*v));
	else
		j.null();
}

// conns' filters read a mapping as a connection: local, peer, client, netns.
bool matches(const UdpArgs &a, const UoaMap &m)
{
	Conn c;
	c.local = m.local;
	c.peer = m.peer;
	c.client = m.client;
	c.netns = m.netns;
	return a.matches(c);
}

} // namespace

UdpArgs parse_udp_args(const std::vector<std::string> &args, bool json)
{
	return parse_filter_args(args, json, "udp");
}

int cmd_udp(const std::vector<std::string> &args, Context &ctx)
{
	UdpArgs a = parse_udp_args(args, ctx.json);
	Session s;
	if (int rc = connect(ctx, s))
		return rc;
	std::vector<UoaMap> all;
	Failure f;
	if (!s.client->dump_uoa(all, f)) {
		// Some kernels (5.10 and 6.1 seen) do not pass on the extended ack of a dump that
		// fails to start: say it here.
		if (f.err == EOPNOTSUPP && f.extack.empty())
			f.extack = "the module's UDP part (uoa) is not loaded";
		return fail(ctx, describe(f, "listing UDP mappings", true));
	}
	std::vector<const UoaMap *> shown;
	for (const auto &m : all)
		if (matches(a, m))
			shown.push_back(&m);
	if (a.json) {
		Json j;
		j.begin_object();
		j.key("udp").begin_array();
		for (const UoaMap *m : shown) {
			j.begin_object();
			j.key("local");
			json_endpoint(j, m->local);
			j.key("peer");
			json_endpoint(j, m->peer);
			j.key("client");
			json_endpoint(j, m->client);
			j.key("carrier");
			if (const char *c = carrier_str(m->carrier))
				j.value(c);
			else
				j.null();
			j.key("packets");
			json_num(j, m->packets);
			j.key("age_ms");
			json_num(j, m->age_ms);
			j.key("idle_ms");
			json_num(j, m->idle_ms);
			j.key("netns");
			json_num(j, m->netns);
			j.end_object();
		}
		j.end_array();
		j.end_object();
		ctx.out << j.str() << '\n';
		return EXIT_OK;
	}
	std::vector<std::vector<std::string>> rows;
	if (a.header)
		rows.push_back({"LOCAL", "LB (PEER)", "CLIENT", "CARRIER", "PACKETS", "AGE", "IDLE",
				"NETNS"});
	for (const UoaMap *m : shown) {
		const char *c = carrier_str(m->carrier);
		rows.push_back({ep_str(m->local), ep_str(m->peer), ep_str(m->client), c ? c : "-",
				m->packets ? std::to_string(*m->packets) : "-",
				m->age_ms ? age_str(*m->age_ms) : "-",
				m->idle_ms ? age_str(*m->idle_ms) : "-",
				m->netns ? std::to_string(*m->netns) : "-"});
	}
	print_columns(ctx.out, rows);
	return EXIT_OK;
}

} // namespace toa_inspect
