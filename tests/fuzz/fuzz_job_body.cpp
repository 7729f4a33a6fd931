// libFuzzer: job-orchestrator's REST bodies (submit, complete, fail, cancel). The first byte picks
// the body; any input must parse or give a field error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cosmic/job_orchestrator/job_json.hpp"
#include "cosmic/job_orchestrator/job_validation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    using namespace cosmic::orchestrator;
    switch (data[0] % 5) {
        case 0: {
            const auto parsed = ParseSubmitBody(body);
            if (!parsed.error) (void)ValidateSubmit(parsed.value);
            break;
        }
        case 1:
            (void)ParseCompleteBody(body);
            break;
        case 2:
            (void)ParseFailBody(body);
            break;
        case 3:
            (void)ParseCancelBody(body);
            break;
        default:
            (void)DecodeCursor(body);
            break;
    }
    return 0;
}
