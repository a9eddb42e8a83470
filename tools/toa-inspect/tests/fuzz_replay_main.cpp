// SPDX-License-Identifier: MIT
// Without libFuzzer (a compiler other than clang): runs a fuzz target over
// the files named on the command line, and the files in the directories
// named; options (-runs=...) are ignored. Prints how many inputs ran.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

bool run_file(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		std::fprintf(stderr, "cannot read %s\n", path.c_str());
		return false;
	}
	std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)),
				  std::istreambuf_iterator<char>());
	// A copy of exactly the input's size, so that reads past it are caught.
	auto *copy = new uint8_t[data.size() ? data.size() : 1];
	std::copy(data.begin(), data.end(), copy);
	LLVMFuzzerTestOneInput(copy, data.size());
	delete[] copy;
	return true;
}

} // namespace

int main(int argc, char **argv)
{
	size_t runs = 0;
	bool ok = true;
	for (int i = 1; i < argc; i++) {
		std::string arg = argv[i];
		if (arg.size() > 1 && arg[0] == '-')
			continue;
		struct stat st;
		if (stat(arg.c_str(), &st) != 0) {
			std::fprintf(stderr, "cannot find %s\n", arg.c_str());
			ok = false;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			ok &= run_file(arg);
			runs++;
			continue;
		}
		std::vector<std::string> names;
		if (DIR *d = opendir(arg.c_str())) {
			while (dirent *e = readdir(d))
				if (e->d_name[0] != '.')
					names.push_back(arg + "/" + e->d_name);
			closedir(d);
		}
		std::sort(names.begin(), names.end());
		for (const auto &n : names) {
			ok &= run_file(n);
			runs++;
		}
	}
	std::printf("replayed %zu inputs\n", runs);
	return ok && runs > 0 ? 0 : 1;
}
