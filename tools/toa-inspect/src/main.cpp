// SPDX-License-Identifier: MIT
// toa-inspect: the operator's view of the toa kernel module.
#include <iostream>
#include <string>
#include <vector>

#include "cli.h"
#include "kernel_log.h"

int main(int argc, char **argv)
{
	std::vector<std::string> args(argv + 1, argv + argc);
	toa_inspect::Context ctx{std::cout, std::cerr};
	ctx.open = toa_inspect::open_netlink;
	ctx.kernel_log = toa_inspect::read_kernel_log;
	int rc = toa_inspect::run_cli(args, ctx);
	std::cout.flush();
	if (!std::cout) {
		std::cerr << "toa-inspect: cannot write the output\n";
		return toa_inspect::EXIT_ERROR;
	}
	return rc;
}
