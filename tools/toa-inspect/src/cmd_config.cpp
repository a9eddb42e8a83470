// SPDX-License-Identifier: MIT
// toa-inspect config show | config set
#include "output.h"
#include "subcommands.h"
#include "text.h"

namespace toa_inspect {

void config_help(std::ostream &os)
{
	os << R"(Usage: toa-inspect config [show] [--json]
       toa-inspect config set SETTING VALUE [SETTING VALUE...] [--json]

"config show" prints the module's configuration ("config" alone does too);
it needs no privilege. "config set" changes the settings given, all at once,
for the connections set up from then on, and prints the configuration that
results; it needs CAP_NET_ADMIN.

Settings:
  formats LIST        the TCP option formats read: KIND/LEN,KIND/LEN,...
                      out of the list below, or "default" (those marked *),
                      "all" or "none"
  transparent on|off  whether getpeername() and accept() return the client's
                      address (where it fits the socket's family)
  syn on|off          whether options on the SYN are read too (LVS FULLNAT,
                      Alibaba CDN); the completing packet's option still wins
  guard on|off        the ingress guard: in the node's namespace, TOA options
                      from sources outside "trusted" become NOPs before
                      conntrack and NAT; other namespaces (pods behind
                      kube-proxy) then read only options the guard let through
  trusted LIST        the load balancers' source ranges, CIDR,CIDR,... (IPv4
                      or IPv6, at most )"
	   << TOA_TRUSTED_MAX_CIDRS << R"(); options from other sources are
                      ignored and counted. "" or "none": accept options from
                      any source

Formats (KIND/LEN, who sends them; * = read by default):
)";
	for (int f = 0; f < __TOA_FMT_MAX; f++) {
		const FormatInfo &fi = format_table()[f];
		std::string name = fi.name;
		os << "  " << name << std::string(8 - name.size(), ' ')
		   << ((TOA_FMT_DEFAULT & TOA_FMT_BIT(f)) ? "* " : "  ") << fi.users << '\n';
	}
	os << R"(
Options:
  --json      print the configuration as one JSON object:
                formats       the formats read, e.g. ["254/8", "200/8"]
                formats_mask  the same as a bit mask (bit N: enum toa_format N)
                transparent   true or false
                syn           true or false
                guard         true or false
                trusted       ["CIDR", ...]; [] means any source
              A field the module did not send is null.
  -h, --help  this text

Examples:
  toa-inspect config set formats 254/8,200/8 transparent on
  toa-inspect config set trusted 198.51.100.0/24,2001:db8:ff::/48
  toa-inspect config set trusted none
)";
}

namespace {

std::string known_formats()
{
	std::string s;
	for (int f = 0; f < __TOA_FMT_MAX; f++)
		s += std::string(format_table()[f].name) + ", ";
	return s + "default, all, none";
}

void apply_setting(Config &c, const std::string &key, const std::string &val)
{
	auto twice = [&] { return UsageError("setting " + quoted(key) + " given twice"); };
	if (key == "formats") {
		if (c.formats)
			throw twice();
		std::string bad;
		auto m = parse_formats(val, &bad);
		if (!m)
			throw UsageError("bad format " + quoted(bad) + " (known: " + known_formats() + ")");
		c.formats = *m;
	} else if (key == "transparent") {
		if (c.transparent)
			throw twice();
		auto b = parse_switch(val);
		if (!b)
			throw UsageError("bad value " + quoted(val) + " for transparent (on or off)");
		c.transparent = *b;
	} else if (key == "syn" || key == "guard") {
		auto &field = key == "syn" ? c.syn : c.guard;
		if (field)
			throw twice();
		auto b = parse_switch(val);
		if (!b)
			throw UsageError("bad value " + quoted(val) + " for " + key + " (on or off)");
		field = *b;
	} else if (key == "trusted") {
		if (c.trusted)
			throw twice();
		std::string bad;
		auto list = parse_cidr_list(val, true, &bad);
		if (!list) {
			// Say what was meant when only host bits were wrong.
			if (auto loose = parse_cidr(bad, false))
				throw UsageError("bad CIDR " + quoted(bad) + " (host bits set; " +
						 cidr_str(*loose) + "?)");
			throw UsageError("bad CIDR " + quoted(bad));
		}
		if (list->size() > TOA_TRUSTED_MAX_CIDRS)
			throw UsageError("too many trusted CIDRs: " + std::to_string(list->size()) +
					 " (at most " + std::to_string(TOA_TRUSTED_MAX_CIDRS) + ")");
		c.trusted = std::move(*list);
	} else {
		throw UsageError("unknown setting " + quoted(key) + " (formats, transparent, syn, guard, trusted)");
	}
}

} // namespace

ConfigArgs parse_config_args(const std::vector<std::string> &args, bool json)
{
	ConfigArgs a;
	a.json = json;
	std::vector<std::string> pos;
	ArgCursor c(args, "config");
	while (c.next()) {
		if (c.flag("--json"))
			a.json = true;
		else if (c.is_option())
			c.unknown();
		else
			pos.push_back(c.cur());
	}
	if (pos.empty() || pos[0] == "show") {
		if (pos.size() > 1)
			throw UsageError("unexpected argument " + quoted(pos[1]) + " for config show");
		return a;
	}
	if (pos[0] != "set")
		throw UsageError("unknown config action " + quoted(pos[0]) + " (show or set)");
	a.set = true;
	if (pos.size() == 1)
		throw UsageError("config set needs SETTING VALUE (see toa-inspect config --help)");
	for (size_t i = 1; i < pos.size(); i += 2) {
		if (i + 1 >= pos.size())
			throw UsageError("setting " + quoted(pos[i]) + " needs a value");
		apply_setting(a.change, pos[i], pos[i + 1]);
	}
	return a;
}

int cmd_config(const std::vector<std::string> &args, Context &ctx)
{
	ConfigArgs a = parse_config_args(args, ctx.json);
	Session s;
	if (int rc = connect(ctx, s))
		return rc;
	Config now;
	Failure f;
	if (a.set) {
		if (!s.client->set_config(a.change, now, f))
			return fail(ctx, describe(f, "changing the configuration", true));
	} else {
		std::string version;
		if (!s.client->get_config(version, now, f))
			return fail(ctx, describe(f, "reading the configuration", false));
	}
	if (a.json)
		print_config_json(ctx.out, now);
	else
		print_config_human(ctx.out, now);
	return EXIT_OK;
}

} // namespace toa_inspect
