// SPDX-License-Identifier: MIT
// toa-inspect lookup
#include <cerrno>

#include "output.h"
#include "subcommands.h"
#include "text.h"

namespace toa_inspect {

void lookup_help(std::ostream &os)
{
	os << R"(Usage: toa-inspect lookup [--json] LOCAL PEER

The connection with this 4-tuple, as the server sees it: LOCAL is the server's
own address and port, PEER the load balancer's (what getpeername() returns
without the module). Write ADDR:PORT, an IPv6 address in brackets:
[ADDR]:PORT; both of one family. Needs CAP_NET_ADMIN. Exits 1 when the module
has no TOA connection with that 4-tuple.

Options:
  --json      print the connection as one JSON object with the fields of
              "toa-inspect conns --json": local, peer, client, kind, len,
              format, packet, age_ms, netns
  -h, --help  this text

Examples:
  toa-inspect lookup 10.0.0.5:8080 10.0.0.1:40312
  toa-inspect lookup [2001:db8::5]:443 [2001:db8::1]:50000
)";
}

namespace {

Endpoint endpoint_arg(const std::string &s)
{
	auto e = parse_endpoint(s);
	if (!e)
		throw UsageError("bad endpoint " + quoted(s) +
				 " (expected ADDR:PORT, an IPv6 address as [ADDR]:PORT)");
	return *e;
}

} // namespace

LookupArgs parse_lookup_args(const std::vector<std::string> &args, bool json)
{
	LookupArgs a;
	a.json = json;
	std::vector<std::string> pos;
	ArgCursor c(args, "lookup");
	while (c.next()) {
		if (c.flag("--json"))
			a.json = true;
		else if (c.is_option() || pos.size() == 2)
			c.unknown();
		else
			pos.push_back(c.cur());
	}
	if (pos.size() != 2)
		throw UsageError("lookup needs LOCAL and PEER (see toa-inspect lookup --help)");
	a.local = endpoint_arg(pos[0]);
	a.peer = endpoint_arg(pos[1]);
	if (a.local.addr.family != a.peer.addr.family)
		throw UsageError("LOCAL " + quoted(pos[0]) + " and PEER " + quoted(pos[1]) +
				 " are of different address families");
	return a;
}

int cmd_lookup(const std::vector<std::string> &args, Context &ctx)
{
	LookupArgs a = parse_lookup_args(args, ctx.json);
	Session s;
	if (int rc = connect(ctx, s))
		return rc;
	Conn conn;
	Failure f;
	if (!s.client->lookup(a.local, a.peer, conn, f)) {
		if (f.err == ENOENT && f.malformed.empty())
			return fail(ctx, "no TOA connection with that 4-tuple");
		return fail(ctx, describe(f, "looking up the connection", true));
	}
	if (a.json)
		print_conn_json(ctx.out, conn);
	else
		print_conn_human(ctx.out, conn);
	return EXIT_OK;
}

} // namespace toa_inspect
