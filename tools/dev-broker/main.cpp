#include <string>
#include <vector>

#include "src/dev_broker.hpp"

int main(int argc, char** argv) { return cosmic::dev_broker::Main(std::vector<std::string>(argv + 1, argv + argc)); }
