// SPDX-License-Identifier: MIT
// Parsing of what the operator types: addresses, CIDRs, endpoints, format
// lists, switches and numbers. Pure functions, no I/O; nothing here throws.
#ifndef TOA_INSPECT_TEXT_H
#define TOA_INSPECT_TEXT_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model.h"

namespace toa_inspect {

// One TCP option format of enum toa_format.
struct FormatInfo {
	enum toa_format format;
	uint8_t kind;
	uint8_t len;
	const char *name;  // "254/8"
	const char *users; // who sends it
};
// Indexed by enum toa_format; __TOA_FMT_MAX entries.
const FormatInfo *format_table();
// The format with that kind and length, or nullptr.
const FormatInfo *find_format(uint8_t kind, uint8_t len);

// "192.0.2.1" or "2001:db8::1" (no brackets, no zone).
std::optional<Address> parse_address(std::string_view s);

// "ADDR/PREFIX" or "ADDR" (a host: /32 or /128). With strict, host bits set
// below the prefix are refused (for the trusted list); otherwise they are
// cleared (for filters).
std::optional<Cidr> parse_cidr(std::string_view s, bool strict);

// "CIDR,CIDR,...". "" and "none" give an empty list. On failure returns
// nullopt and, if bad is given, stores the element that did not parse.
std::optional<std::vector<Cidr>> parse_cidr_list(std::string_view s, bool strict,
						 std::string *bad = nullptr);

// "192.0.2.1:80" or "[2001:db8::1]:80"; the port must be 1..65535.
std::optional<Endpoint> parse_endpoint(std::string_view s);

// 1..65535.
std::optional<uint16_t> parse_port(std::string_view s);

// Decimal, no sign, no spaces, fits the type.
std::optional<uint64_t> parse_u64(std::string_view s);
std::optional<uint32_t> parse_u32(std::string_view s);

// "254/8,200/8,...", or "default", "all", "none". Returns the bit mask of
// enum toa_format; on failure stores the element that did not parse in bad.
std::optional<uint32_t> parse_formats(std::string_view s, std::string *bad = nullptr);

// on/off, yes/no, true/false, 1/0.
std::optional<bool> parse_switch(std::string_view s);

// For messages: s with control characters (and DEL) escaped as \n, \t or
// \xNN, so that it stays on one line and cannot drive the terminal.
std::string printable(std::string_view s);
// The same in double quotes, with " and \ escaped too: "s".
std::string quoted(std::string_view s);

} // namespace toa_inspect

#endif
