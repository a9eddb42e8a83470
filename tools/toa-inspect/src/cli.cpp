// SPDX-License-Identifier: MIT
#include "cli.h"

#include <cerrno>
#include <cstring>

#include "subcommands.h"
#include "text.h"

namespace toa_inspect {

const Subcommand kSubcommands[] = {
	{"status", status_help, cmd_status},
	{"stats", stats_help, cmd_stats},
	{"conns", conns_help, cmd_conns},
	{"lookup", lookup_help, cmd_lookup},
	{"config", config_help, cmd_config},
	{"udp", udp_help, cmd_udp},
	{nullptr, nullptr, nullptr},
};

void top_help(std::ostream &os)
{
	os << R"(Usage: toa-inspect [--json] [SUBCOMMAND] [ARGS...]

Shows and configures the toa kernel module, which gives servers behind a
full-NAT load balancer the real client address carried in the TOA TCP option.
It talks to the module over the generic netlink family "toa".

Subcommands:
  status                    whether the module is loaded, its version and its
                            configuration (the default without a subcommand)
  stats                     every counter; --prometheus for node_exporter
  conns                     connections with their load balancer and real
                            client, like ss; filters by port and address
  lookup LOCAL PEER         the connection with that 4-tuple, as the server
                            sees it
  udp                       UDP mappings (DPVS's UOA): load balancer and
                            server endpoints, real client, carrier, age
  config show               the configuration
  config set SETTING VALUE...
                            change the formats read, transparent mode and the
                            trusted sources
  help [SUBCOMMAND]         this text, or the subcommand's

Options:
  --json         machine-readable output: one JSON document on standard output
                 (each subcommand's --help lists its fields)
  -h, --help     this text; "toa-inspect SUBCOMMAND --help" for a subcommand
  -V, --version  the version of toa-inspect

Exit status: 0 success; 1 error (module not loaded, permission denied, no
such connection, refused by the module); 2 bad usage.
"conns", "lookup", "udp" and "config set" need CAP_NET_ADMIN.

See toa-inspect(8).
)";
}

int fail(Context &ctx, const std::string &msg)
{
	ctx.err << "toa-inspect: " << msg << '\n';
	return EXIT_ERROR;
}

int connect(Context &ctx, Session &s, bool *not_loaded)
{
	if (not_loaded)
		*not_loaded = false;
	int err = ENOSYS;
	if (ctx.open)
		s.transport = ctx.open(&err);
	if (!s.transport)
		return fail(ctx, std::string("cannot open a generic netlink socket: ") +
					 std::strerror(err));
	s.client.emplace(*s.transport);
	Failure f;
	if (!s.client->resolve(f)) {
		if (not_loaded)
			*not_loaded = f.not_loaded;
		return fail(ctx, describe(f, "looking up the generic netlink family", false));
	}
	return EXIT_OK;
}

bool ArgCursor::next()
{
	i_++;
	if (i_ >= args_.size())
		return false;
	if (!dashdash_ && args_[i_] == "--") {
		dashdash_ = true;
		return next();
	}
	return true;
}

bool ArgCursor::is_option() const
{
	const std::string &a = cur();
	return !dashdash_ && a.size() > 1 && a[0] == '-';
}

bool ArgCursor::flag(std::string_view name) const
{
	return is_option() && cur() == name;
}

bool ArgCursor::value(std::string_view name, std::string &val)
{
	if (!is_option())
		return false;
	const std::string &a = cur();
	if (a == name) {
		if (i_ + 1 >= args_.size())
			throw UsageError("option " + std::string(name) + " needs a value");
		val = args_[++i_];
		return true;
	}
	if (a.size() > name.size() && a.compare(0, name.size(), name) == 0 && a[name.size()] == '=') {
		val = a.substr(name.size() + 1);
		return true;
	}
	return false;
}

void ArgCursor::unknown() const
{
	if (is_option())
		throw UsageError("unknown option " + quoted(cur()) + " for " + cmd_ +
				 " (see toa-inspect " + cmd_ + " --help)");
	throw UsageError("unexpected argument " + quoted(cur()) + " for " + cmd_);
}

namespace {

const Subcommand *find(std::string_view name)
{
	for (const Subcommand *s = kSubcommands; s->name; s++)
		if (name == s->name)
			return s;
	return nullptr;
}

bool wants_help(const std::vector<std::string> &args)
{
	for (const auto &a : args) {
		if (a == "--")
			return false;
		if (a == "-h" || a == "--help")
			return true;
	}
	return false;
}

int dispatch(const std::vector<std::string> &args, Context &ctx)
{
	size_t i = 0;
	for (; i < args.size() && args[i].size() > 1 && args[i][0] == '-'; i++) {
		const std::string &a = args[i];
		if (a == "--json") {
			ctx.json = true;
		} else if (a == "-h" || a == "--help") {
			top_help(ctx.out);
			return EXIT_OK;
		} else if (a == "-V" || a == "--version") {
			ctx.out << "toa-inspect " TOA_VERSION_STRING "\n";
			return EXIT_OK;
		} else {
			throw UsageError("unknown option " + quoted(a) + " (see toa-inspect --help)");
		}
	}
	std::string name = i < args.size() ? args[i++] : "status";
	std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
	if (name == "help") {
		if (rest.empty()) {
			top_help(ctx.out);
			return EXIT_OK;
		}
		const Subcommand *s = find(rest[0]);
		if (!s || rest.size() > 1)
			throw UsageError("no help for " + quoted(rest[0]) + " (see toa-inspect --help)");
		s->help(ctx.out);
		return EXIT_OK;
	}
	const Subcommand *s = find(name);
	if (!s)
		throw UsageError("unknown subcommand " + quoted(name) + " (see toa-inspect --help)");
	if (wants_help(rest)) {
		s->help(ctx.out);
		return EXIT_OK;
	}
	return s->run(rest, ctx);
}

} // namespace

int run_cli(const std::vector<std::string> &args, Context &ctx)
{
	try {
		return dispatch(args, ctx);
	} catch (const UsageError &e) {
		ctx.err << "toa-inspect: " << e.what() << '\n';
		return EXIT_USAGE;
	} catch (const std::exception &e) {
		return fail(ctx, e.what());
	}
}

} // namespace toa_inspect
