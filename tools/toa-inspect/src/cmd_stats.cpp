// SPDX-License-Identifier: MIT
// toa-inspect stats
#include "output.h"
#include "subcommands.h"

namespace toa_inspect {

void stats_help(std::ostream &os)
{
	os << R"(Usage: toa-inspect stats [--json | --prometheus]

Every counter of the module, one per line: NAME VALUE (the totals over all
CPUs of /proc/net/toa_stats). Needs no privilege.

Options:
  --json        print {"version": the module's version,
                       "counters": {"NAME": VALUE, ...}}
  --prometheus  print the Prometheus text exposition format, for the textfile
                collector of node_exporter: a counter toa_NAME_total per
                counter, with HELP and TYPE lines, and
                toa_module_info{version="..."} 1. Write it atomically:
                  toa-inspect stats --prometheus > $DIR/toa.prom.tmp &&
                    mv $DIR/toa.prom.tmp $DIR/toa.prom
  -h, --help    this text

Counters:
)";
	for (size_t i = 0; i < __TOA_STAT_MAX; i++) {
		const char *h = stat_help(i);
		os << "  " << stat_name(i) << "\n      " << (h ? h : "") << '\n';
	}
}

StatsArgs parse_stats_args(const std::vector<std::string> &args, bool json)
{
	StatsArgs a;
	a.json = json;
	ArgCursor c(args, "stats");
	while (c.next()) {
		if (c.flag("--json"))
			a.json = true;
		else if (c.flag("--prometheus"))
			a.prometheus = true;
		else
			c.unknown();
	}
	if (a.json && a.prometheus)
		throw UsageError("--json and --prometheus exclude each other");
	return a;
}

int cmd_stats(const std::vector<std::string> &args, Context &ctx)
{
	StatsArgs a = parse_stats_args(args, ctx.json);
	Session s;
	if (int rc = connect(ctx, s))
		return rc;
	std::string version;
	Stats stats;
	Failure f;
	if (!s.client->get_stats(version, stats, f))
		return fail(ctx, describe(f, "reading the counters", false));
	if (a.prometheus)
		print_stats_prometheus(ctx.out, version, stats);
	else if (a.json)
		print_stats_json(ctx.out, version, stats);
	else
		print_stats_human(ctx.out, stats);
	return EXIT_OK;
}

} // namespace toa_inspect
