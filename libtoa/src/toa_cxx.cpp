// SPDX-License-Identifier: MIT
// The one out-of-line piece of the C++ API: the error category, a single object for the
// whole program (a function-local static in a header would be duplicated across shared
// objects built with -fvisibility=hidden).
#ifndef TOA_BUILDING_LIBRARY
#define TOA_BUILDING_LIBRARY 1
#endif
#include "toa/toa.hpp"

namespace {

class toa_category final : public std::error_category {
public:
	const char *name() const noexcept override { return "toa"; }

	std::string message(int ev) const override { return toa_strerror(-(TOA_E_BASE + ev)); }

	std::error_condition default_error_condition(int ev) const noexcept override
	{
		switch (static_cast<toa::errc>(ev)) {
		case toa::errc::bad_fd:
			return std::errc::bad_file_descriptor;
		case toa::errc::not_a_socket:
			return std::errc::not_a_socket;
		case toa::errc::not_tcp:
			return std::errc::operation_not_supported; /* the module's EOPNOTSUPP */
		case toa::errc::listening:
			return std::errc::invalid_argument;
		case toa::errc::not_connected:
			return std::errc::not_connected;
		case toa::errc::bad_reply:
			return std::errc::protocol_error;
		case toa::errc::invalid_argument:
			return std::errc::invalid_argument;
		case toa::errc::no_buffer_space:
			return std::errc::result_out_of_range;
		case toa::errc::incomplete:
			return std::errc::resource_unavailable_try_again;
		case toa::errc::malformed:
		case toa::errc::checksum:
		case toa::errc::no_address:
			return std::errc::bad_message;
		case toa::errc::not_present:
		case toa::errc::required:
			return std::errc::no_message;
		case toa::errc::too_long:
			return std::errc::message_size;
		case toa::errc::untrusted:
			return std::errc::permission_denied;
		case toa::errc::timeout:
			return std::errc::timed_out;
		case toa::errc::closed:
			return std::errc::connection_reset;
		}
		return std::error_condition(ev, *this);
	}
};

} // namespace

const std::error_category &toa::category() noexcept
{
	static const toa_category cat;
	return cat;
}
