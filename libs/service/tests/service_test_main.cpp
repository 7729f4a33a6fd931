// A minimal service for the tests that run a real process: it declares one key of its own and
// has one component whose Stop() can be made to hang (to exercise the second-signal exit).

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "cosmic/service/kit.hpp"
#include "cosmic/service/runtime.hpp"

namespace {

class TestService {
  public:
    static void DeclareConfig(cosmic::service::ConfigSchema& schema) {
        schema.SetDefault("http.port", std::int64_t{18080});
        schema.Int("test.answer", 42, 0, 100, "A key of this test service.");
        schema.Bool("test.hang_on_stop", false, "Block in Stop() until the process is killed.");
        schema.Bool("test.require_auth", false, "Load auth.tokens_file at startup.");
    }

    explicit TestService(cosmic::service::Kit& kit) : hang_on_stop_(kit.GetConfig().GetBool("test.hang_on_stop")) {
        if (kit.GetConfig().GetBool("test.require_auth")) {
            kit.Auth();
        }
        kit.Add(
            "worker", [] {},
            [this](std::chrono::steady_clock::time_point) {
                if (hang_on_stop_) {
                    std::unique_lock lock(mutex_);
                    never_.wait(lock, [] { return false; });
                }
            });
    }

  private:
    bool hang_on_stop_;
    std::mutex mutex_;
    std::condition_variable never_;
};

}  // namespace

int main(int argc, char** argv) { return cosmic::service::RunMain<TestService>("service-test", argc, argv); }
