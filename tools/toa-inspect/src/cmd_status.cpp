// SPDX-License-Identifier: MIT
// toa-inspect status
#include "kernel_log.h"
#include "output.h"
#include "subcommands.h"

namespace toa_inspect {

void status_help(std::ostream &os)
{
	os << R"(Usage: toa-inspect status [--json]

Whether the toa module is loaded, its version and its configuration. Exits 1
when the module is not loaded, naming the reason of its last failed load from
the kernel log (reading it may need root: kernel.dmesg_restrict). Needs no
privilege otherwise.

Options:
  --json      print one JSON object:
                loaded        true, or false (then only last_load_error; exit
                              status 1)
                last_load_error  not loaded: the module's reason for its last
                              failed load in the kernel log ("toa: cannot load:
                              ..."), when no load succeeded after it
                version       the module's version, e.g. "0.1.0"
                tool_version  toa-inspect's version
                genl          {"name": "toa", "id": family id, "version": N}
                config        as printed by "toa-inspect config show --json"
  -h, --help  this text
)";
}

StatusArgs parse_status_args(const std::vector<std::string> &args, bool json)
{
	StatusArgs a;
	a.json = json;
	ArgCursor c(args, "status");
	while (c.next()) {
		if (c.flag("--json"))
			a.json = true;
		else
			c.unknown();
	}
	return a;
}

int cmd_status(const std::vector<std::string> &args, Context &ctx)
{
	StatusArgs a = parse_status_args(args, ctx.json);
	Session s;
	bool not_loaded;
	if (int rc = connect(ctx, s, &not_loaded)) {
		if (!not_loaded)
			return rc;
		Status st;
		std::vector<std::string> log;
		std::string err;
		if (ctx.kernel_log && ctx.kernel_log(log, err))
			st.last_load_error = last_load_failure(log);
		else if (ctx.kernel_log && !a.json)
			ctx.err << "toa-inspect: the kernel log, which names why a load failed, is not "
				   "readable here ("
				<< err << ")\n";
		if (a.json)
			print_status_json(ctx.out, st);
		else if (!st.last_load_error.empty())
			ctx.err << "toa-inspect: its last load failed: " << st.last_load_error << '\n';
		return rc;
	}
	Status st;
	st.loaded = true;
	st.family = s.client->family();
	Failure f;
	if (!s.client->get_config(st.version, st.config, f))
		return fail(ctx, describe(f, "reading the configuration", false));
	if (a.json)
		print_status_json(ctx.out, st);
	else
		print_status_human(ctx.out, st);
	return EXIT_OK;
}

} // namespace toa_inspect
