// SPDX-License-Identifier: MIT
#include "json_check.h"

namespace toa_inspect::testing {

namespace {

struct Parser {
	std::string_view s;
	size_t i = 0;
	std::string why;
	int depth = 0;

	bool err(const char *w)
	{
		if (why.empty())
			why = std::string(w) + " at offset " + std::to_string(i);
		return false;
	}
	void ws()
	{
		while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
			i++;
	}
	bool lit(std::string_view w)
	{
		if (s.substr(i, w.size()) != w)
			return err("bad literal");
		i += w.size();
		return true;
	}
	bool hex4()
	{
		for (int k = 0; k < 4; k++, i++) {
			if (i >= s.size())
				return err("short \\u escape");
			char c = s[i];
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
				return err("bad \\u escape");
		}
		return true;
	}
	bool utf8()
	{
		auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
		unsigned char c = b(i);
		size_t n;
		unsigned cp;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			cp = c & 0x07;
		} else {
			return err("invalid UTF-8");
		}
		if (i + n > s.size())
			return err("truncated UTF-8");
		for (size_t k = 1; k < n; k++) {
			if ((b(i + k) & 0xc0) != 0x80)
				return err("invalid UTF-8");
			cp = (cp << 6) | (b(i + k) & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return err("invalid UTF-8");
		i += n;
		return true;
	}
	bool string()
	{
		i++; // "
		while (i < s.size()) {
			unsigned char c = static_cast<unsigned char>(s[i]);
			if (c == '"') {
				i++;
				return true;
			}
			if (c < 0x20)
				return err("control character in string");
			if (c == '\\') {
				i++;
				if (i >= s.size())
					return err("short escape");
				char e = s[i];
				if (e == 'u') {
					i++;
					if (!hex4())
						return false;
					continue;
				}
				if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos)
					return err("bad escape");
				i++;
				continue;
			}
			if (c >= 0x80) {
				if (!utf8())
					return false;
				continue;
			}
			i++;
		}
		return err("unterminated string");
	}
	bool digits()
	{
		size_t start = i;
		while (i < s.size() && s[i] >= '0' && s[i] <= '9')
			i++;
		return i > start || err("digits expected");
	}
	bool number()
	{
		if (s[i] == '-')
			i++;
		if (i < s.size() && s[i] == '0')
			i++;
		else if (!digits())
			return false;
		if (i < s.size() && s[i] == '.') {
			i++;
			if (!digits())
				return false;
		}
		if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
			i++;
			if (i < s.size() && (s[i] == '+' || s[i] == '-'))
				i++;
			if (!digits())
				return false;
		}
		return true;
	}
	bool value()
	{
		if (++depth > 64)
			return err("too deep");
		ws();
		if (i >= s.size())
			return err("value expected");
		bool ok;
		char c = s[i];
		if (c == '{') {
			i++;
			ws();
			if (i < s.size() && s[i] == '}') {
				i++;
				ok = true;
			} else {
				for (;;) {
					ws();
					if (i >= s.size() || s[i] != '"')
						return err("key expected");
					if (!string())
						return false;
					ws();
					if (i >= s.size() || s[i] != ':')
						return err("':' expected");
					i++;
					if (!value())
						return false;
					ws();
					if (i < s.size() && s[i] == ',') {
						i++;
						continue;
					}
					if (i < s.size() && s[i] == '}') {
						i++;
						break;
					}
					return err("',' or '}' expected");
				}
				ok = true;
			}
		} else if (c == '[') {
			i++;
			ws();
			if (i < s.size() && s[i] == ']') {
				i++;
				ok = true;
			} else {
				for (;;) {
					if (!value())
						return false;
					ws();
					if (i < s.size() && s[i] == ',') {
						i++;
						continue;
					}
					if (i < s.size() && s[i] == ']') {
						i++;
						break;
					}
					return err("',' or ']' expected");
				}
				ok = true;
			}
		} else if (c == '"') {
			ok = string();
		} else if (c == 't') {
			ok = lit("true");
		} else if (c == 'f') {
			ok = lit("false");
		} else if (c == 'n') {
			ok = lit("null");
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			ok = number();
		} else {
			return err("unexpected character");
		}
		depth--;
		return ok;
	}
};

} // namespace

bool json_valid(std::string_view s, std::string *why)
{
	Parser p{s};
	bool ok = p.value();
	if (ok) {
		p.ws();
		if (p.i != s.size())
			ok = p.err("trailing characters");
	}
	if (!ok && why)
		*why = p.why;
	return ok;
}

} // namespace toa_inspect::testing
