// SPDX-License-Identifier: MIT
// A strict JSON (RFC 8259) validator, for the tests and the fuzzers.
#ifndef TOA_INSPECT_JSON_CHECK_H
#define TOA_INSPECT_JSON_CHECK_H

#include <string>
#include <string_view>

namespace toa_inspect::testing {

// Whether s is exactly one JSON value, surrounded by whitespace at most.
bool json_valid(std::string_view s, std::string *why = nullptr);

} // namespace toa_inspect::testing

#endif
