// SPDX-License-Identifier: MIT
// The command line: the subcommand table, global options, and what the
// subcommands share. Output goes to the streams of the Context and the kernel
// is reached through its transport factory, so the tests run whole commands.
#ifndef TOA_INSPECT_CLI_H
#define TOA_INSPECT_CLI_H

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "client.h"
#include "transport.h"

namespace toa_inspect {

// Exit statuses.
enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2 };

// Bad usage: the message names the problem; exit status 2.
struct UsageError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

struct Context {
	std::ostream &out;
	std::ostream &err;
	// Opens the way to the kernel (open_netlink in the tool, a fake in the
	// tests); returns nullptr and an errno on failure.
	std::function<std::unique_ptr<Transport>(int *err)> open;
	bool json = false; // --json before the subcommand
	// Reads the kernel log's messages (read_kernel_log in the tool, a fake in the tests);
	// unset: not read.
	std::function<bool(std::vector<std::string> &messages, std::string &err)> kernel_log;
};

// Runs toa-inspect with args (argv without argv[0]); returns the exit status.
int run_cli(const std::vector<std::string> &args, Context &ctx);

// Prints "toa-inspect: msg" on ctx.err; returns EXIT_ERROR.
int fail(Context &ctx, const std::string &msg);

// An open transport and a client with the family resolved.
struct Session {
	std::unique_ptr<Transport> transport;
	std::optional<Client> client;
};
// Opens and resolves. On failure prints why and returns EXIT_ERROR; if
// not_loaded is given it tells whether the module is missing.
int connect(Context &ctx, Session &s, bool *not_loaded = nullptr);

// Walks the arguments of a subcommand: options (--name, --name VALUE,
// --name=VALUE) anywhere, "--" ends them.
class ArgCursor {
public:
	ArgCursor(const std::vector<std::string> &args, std::string_view cmd)
		: args_(args), cmd_(cmd)
	{
	}
	// Moves to the next argument; false at the end.
	bool next();
	const std::string &cur() const { return args_[i_]; }
	// The current argument is an option (not after "--").
	bool is_option() const;
	// The current argument is this flag.
	bool flag(std::string_view name) const;
	// The current argument is this option with a value, which is stored.
	bool value(std::string_view name, std::string &val);
	[[noreturn]] void unknown() const;

private:
	const std::vector<std::string> &args_;
	std::string cmd_;
	size_t i_ = static_cast<size_t>(-1);
	bool dashdash_ = false;
};

} // namespace toa_inspect

#endif
