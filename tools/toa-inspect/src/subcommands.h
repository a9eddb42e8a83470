// SPDX-License-Identifier: MIT
// One file per subcommand (cmd_*.cpp). Each has a pure argument parser that
// throws UsageError (used by the tests and the fuzzer), its help text, and its
// entry point for the table in cli.cpp.
#ifndef TOA_INSPECT_SUBCOMMANDS_H
#define TOA_INSPECT_SUBCOMMANDS_H

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "cli.h"
#include "model.h"

namespace toa_inspect {

struct Subcommand {
	const char *name;
	void (*help)(std::ostream &os); // prints `toa-inspect NAME --help`
	int (*run)(const std::vector<std::string> &args, Context &ctx);
};
// The table, ending with a null name.
extern const Subcommand kSubcommands[];

// status
struct StatusArgs {
	bool json = false;
};
StatusArgs parse_status_args(const std::vector<std::string> &args, bool json);
void status_help(std::ostream &os);
int cmd_status(const std::vector<std::string> &args, Context &ctx);

// stats
struct StatsArgs {
	bool json = false;
	bool prometheus = false;
};
StatsArgs parse_stats_args(const std::vector<std::string> &args, bool json);
void stats_help(std::ostream &os);
int cmd_stats(const std::vector<std::string> &args, Context &ctx);

// conns
struct ConnsArgs {
	bool json = false;
	bool header = true;
	// Filters: any value of a kind matches, every kind given must match.
	std::vector<uint16_t> ports; // local or client port
	std::vector<Cidr> local, lb, client;
	std::vector<uint32_t> netns;

	bool matches(const Conn &c) const;
};
ConnsArgs parse_conns_args(const std::vector<std::string> &args, bool json);
// The same filters for another subcommand (its name in the messages).
ConnsArgs parse_filter_args(const std::vector<std::string> &args, bool json, const char *name);
void conns_help(std::ostream &os);
int cmd_conns(const std::vector<std::string> &args, Context &ctx);

// lookup
struct LookupArgs {
	bool json = false;
	Endpoint local, peer;
};
LookupArgs parse_lookup_args(const std::vector<std::string> &args, bool json);
void lookup_help(std::ostream &os);
int cmd_lookup(const std::vector<std::string> &args, Context &ctx);

// config
struct ConfigArgs {
	bool json = false;
	bool set = false;  // config set; otherwise config show
	Config change;     // for set: the fields given
};
ConfigArgs parse_config_args(const std::vector<std::string> &args, bool json);
void config_help(std::ostream &os);
int cmd_config(const std::vector<std::string> &args, Context &ctx);

// udp: the filters and options of conns
using UdpArgs = ConnsArgs;
UdpArgs parse_udp_args(const std::vector<std::string> &args, bool json);
void udp_help(std::ostream &os);
int cmd_udp(const std::vector<std::string> &args, Context &ctx);

// The top-level help.
void top_help(std::ostream &os);

} // namespace toa_inspect

#endif
