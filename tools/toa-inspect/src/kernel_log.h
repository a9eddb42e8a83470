// SPDX-License-Identifier: MIT
// Why the module is not loaded: its last failed load, as the kernel log tells it.
#pragma once

#include <string>
#include <vector>

namespace toa_inspect {

// The kernel log's messages (the text of each /dev/kmsg record), oldest first. False and
// err set when it cannot be read (no /dev/kmsg, or kernel.dmesg_restrict without
// CAP_SYSLOG).
bool read_kernel_log(std::vector<std::string> &messages, std::string &err);

// The module's reason for its last failed load ("toa: cannot load: ..."), when no load
// succeeded after it; "" otherwise.
std::string last_load_failure(const std::vector<std::string> &messages);

} // namespace toa_inspect
